import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { PembayaranStack } from '../lib/pembayaran-stack';

/** One environment's manifests; its id is the environment name, which names its output folder. */
export class PembayaranChart extends Chart {
  public readonly stack: PembayaranStack;

  constructor(scope: Construct, config: EnvironmentConfig) {
    super(scope, config.name, { disableResourceNameHashes: true });
    this.stack = new PembayaranStack(this, 'Pembayaran', config);
  }
}

import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentInput } from '../lib/config/input.generated';
import { resolveEnvironment } from '../lib/config/load';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { PembayaranStack } from '../lib/pembayaran-stack';

/** One environment's manifests; its id is the environment name, which names its output folder. */
export class PembayaranChart extends Chart {
  public readonly stack: PembayaranStack;

  /** @param config a resolved config, or one written in TypeScript with defaulted keys left out (resolved here). */
  constructor(scope: Construct, config: EnvironmentInput | EnvironmentConfig) {
    const resolved = resolveEnvironment(config);
    super(scope, resolved.name, { disableResourceNameHashes: true });
    this.stack = new PembayaranStack(this, 'Pembayaran', resolved);
  }
}

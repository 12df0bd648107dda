import { App } from 'cdk8s';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { PembayaranChart } from './pembayaran-chart';

export { PembayaranChart };

/** The cdk8s app of the given environments: one chart each, named after the environment. */
export function buildApp(configs: readonly EnvironmentConfig[]): App {
  const app = new App();
  for (const config of configs) new PembayaranChart(app, config);
  return app;
}

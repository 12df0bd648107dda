import { App } from 'cdk8s';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { ArgoCdChart } from './argocd-chart';
import { PembayaranChart } from './pembayaran-chart';

export { ArgoCdChart, PembayaranChart };

export interface BuildOptions {
  /**
   * Add the Argo CD chart (`argocd/`: AppProjects and one Application per environment). Only right when
   * `configs` are all the environments: synthesizing some of them leaves the argocd folder as it is.
   * @default false
   */
  readonly argocd?: boolean;
}

/** The cdk8s app of the given environments: one chart each, named after the environment. */
export function buildApp(configs: readonly EnvironmentConfig[], options: BuildOptions = {}): App {
  const app = new App();
  const environments = configs.map((config) => ({ config, chart: new PembayaranChart(app, config) }));
  if (options.argocd) new ArgoCdChart(app, environments);
  return app;
}

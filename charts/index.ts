import { App } from 'cdk8s';
import { EnvironmentInput } from '../lib/config/input.generated';
import { resolveEnvironment } from '../lib/config/load';
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

/** The cdk8s app of the given environments (resolved, or written in TypeScript): one chart each, named after the environment. */
export function buildApp(configs: readonly (EnvironmentInput | EnvironmentConfig)[], options: BuildOptions = {}): App {
  const app = new App();
  const environments = configs.map((input) => {
    const config = resolveEnvironment(input);
    return { config, chart: new PembayaranChart(app, config) };
  });
  if (options.argocd) new ArgoCdChart(app, environments);
  return app;
}

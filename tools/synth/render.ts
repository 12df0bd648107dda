import { App, Chart } from 'cdk8s';
import { ArgoCdChart, EnvironmentOutput, RenderedObject, TLS_OWNER_KINDS } from '../../charts/argocd-chart';
import { PembayaranChart } from '../../charts/pembayaran-chart';
import { EnvironmentConfig } from '../../lib/config/types.generated';
import { KubeObject, Manifest, manifestPath } from '../k8s/manifests';
import { withOneWalkRendering } from './object-json';
import { timed } from './trace';
import { toYaml, YamlWriter } from './yaml';

export { manifestPath, toYaml };

/** The synthesized output: file path relative to the output folder → file content. */
export type RenderedFiles = Map<string, string>;


const byFile = (a: Manifest, b: Manifest) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);

/** Every object of one chart with the file it goes to, sorted by file. */
export function renderChart(chart: Chart): Manifest[] {
  const manifests: Manifest[] = [];
  const seen = new Set<string>();
  for (const object of withOneWalkRendering(App.of(chart), () => chart.toJson()) as KubeObject[]) {
    const file = manifestPath(chart.node.id, object);
    if (seen.has(file)) throw new Error(`two objects would be written to ${file}: ${object.kind} names must be unique per environment`);
    seen.add(file);
    manifests.push({ file, object });
  }
  return manifests.sort(byFile);
}

/**
 * Every object of every chart of an app with the file it goes to, sorted by file. cdk8s resolves the
 * dependencies and validates the whole app each time it renders one of its charts, so an app of many
 * charts costs the square of its size here; `renderEnvironments` avoids that.
 */
export function renderManifests(app: App): Manifest[] {
  return app.node.children
    .filter((c): c is Chart => Chart.isChart(c))
    .flatMap(renderChart)
    .sort(byFile);
}

export interface RenderEnvironmentsOptions {
  /** Render the Argo CD chart after the environments (only right when they are all of them). @default false */
  readonly argocd?: boolean;
}

/**
 * The environments' charts, each in a cdk8s app of its own, rendered one after the other, then the Argo CD
 * chart from what they rendered: the work grows linearly with the number of environments, and only one
 * environment's constructs are alive at a time. `take` receives each chart's objects as soon as they are
 * rendered (synth gates and writes them there). Same objects as `renderManifests(buildApp(...))`.
 */
export function renderEnvironments(configs: readonly EnvironmentConfig[], options: RenderEnvironmentsOptions, take: (manifests: Manifest[]) => void): void {
  const environments: EnvironmentOutput[] = [];
  for (const config of configs) {
    const manifests = renderEnvironment(config);
    environments.push({ config, objects: manifests.map((m) => summaryOf(m.object)) });
    take(manifests);
  }
  if (options.argocd) take(renderArgoCd(environments));
}

/** One environment's objects, from a cdk8s app of its own. */
export function renderEnvironment(config: EnvironmentConfig): Manifest[] {
  const chart = timed('build', () => new PembayaranChart(new App(), config));
  return timed('render', () => renderChart(chart));
}

/** The Argo CD chart's objects, from what the environments rendered. */
export function renderArgoCd(environments: readonly EnvironmentOutput[]): Manifest[] {
  return timed('render', () => renderChart(new ArgoCdChart(new App(), environments)));
}

/** What the Argo CD chart reads of an object (kind, namespace, TLS of Ingresses and Gateways), without holding the whole object. */
export function summaryOf(object: KubeObject): RenderedObject {
  const summary = { apiVersion: object.apiVersion, kind: object.kind, metadata: { namespace: object.metadata.namespace } };
  return TLS_OWNER_KINDS.includes(object.kind) ? { ...summary, spec: object.spec } : summary;
}

/** One YAML file per manifest. */
export function toFiles(manifests: readonly Manifest[]): RenderedFiles {
  const writer = new YamlWriter();
  return new Map(manifests.map(({ file, object }) => [file, writer.write(object)]));
}

/** Renders every chart of the app into one file per object, in its chart's folder. */
export function renderApp(app: App): RenderedFiles {
  return toFiles(renderManifests(app));
}

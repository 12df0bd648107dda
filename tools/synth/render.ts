import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { KubeObject, Manifest } from '../k8s/manifests';

/** The synthesized output: file path relative to the output folder → file content. */
export type RenderedFiles = Map<string, string>;

/** Keys Kubernetes users expect first; the rest follow alphabetically. */
const LEADING_KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

function compareKeys(a: string, b: string): number {
  const ia = LEADING_KEYS.indexOf(a);
  const ib = LEADING_KEYS.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? LEADING_KEYS.length : ia) - (ib === -1 ? LEADING_KEYS.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic YAML: stable key order, no line folding, no anchors. */
export function toYaml(object: unknown): string {
  return yaml.dump(object, { sortKeys: compareKeys, lineWidth: -1, noRefs: true, quotingType: '"' });
}

/** `<chart id>/<kind>-<name>.yaml`: file names derive from kind and name only, so they are stable. */
export function manifestPath(folder: string, object: { kind: string; metadata: { name: string } }): string {
  return `${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

/** Every object of every chart with the file it goes to, sorted by file. */
export function renderManifests(app: App): Manifest[] {
  const manifests: Manifest[] = [];
  const seen = new Set<string>();
  const charts = app.node.children.filter((c): c is Chart => Chart.isChart(c));
  for (const chart of charts) {
    for (const object of chart.toJson() as KubeObject[]) {
      const file = manifestPath(chart.node.id, object);
      if (seen.has(file)) throw new Error(`two objects would be written to ${file}: ${object.kind} names must be unique per environment`);
      seen.add(file);
      manifests.push({ file, object });
    }
  }
  return manifests.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/** One YAML file per manifest. */
export function toFiles(manifests: readonly Manifest[]): RenderedFiles {
  return new Map(manifests.map(({ file, object }) => [file, toYaml(object)]));
}

/** Renders every chart of the app into one file per object, in its chart's folder. */
export function renderApp(app: App): RenderedFiles {
  return toFiles(renderManifests(app));
}

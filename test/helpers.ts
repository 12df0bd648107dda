import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { buildApp } from '../charts';
import { ConfigError, ConfigProblem, loadEnvironment, parseEnvironment } from '../lib/config/load';
import { KEY_PATH_PATTERN } from '../lib/config/messages';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { OCTANE_CONTAINER } from '../lib/laravel/laravel-web';
import { manifestPath } from '../tools/synth/render';
import { validateManifests } from '../tools/validate';

export const ROOT = path.resolve(__dirname, '..');
/** Every environment config/ ships, by name, sorted. */
export const SHIPPED_ENVIRONMENTS = fs
  .readdirSync(path.join(ROOT, 'config'))
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.replace(/\.yaml$/, ''))
  .sort();
/** The shipped environments whose web tier is nginx + php-fpm (the sandbox runs Octane). */
export const PHP_FPM_ENVIRONMENTS = SHIPPED_ENVIRONMENTS.filter((name) => shippedConfig(name).web.runtime !== 'octane');

export type K8sObject = { apiVersion: string; kind: string; metadata: any; spec?: any; data?: any; [key: string]: any };

export function shippedConfig(name: string): EnvironmentConfig {
  return loadEnvironment(path.join(ROOT, 'config', `${name}.yaml`));
}

/** Synthesizes configs in memory and returns every object of the first chart. */
export function objectsOf(config: EnvironmentConfig, customize?: (app: App) => void): K8sObject[] {
  const app = buildApp([config]);
  customize?.(app);
  const chart = app.node.findChild(config.name) as Chart;
  return chart.toJson() as K8sObject[];
}

const cache = new Map<string, K8sObject[]>();
/** Objects of a shipped environment, synthesized once per test file. */
export function shippedObjects(name: string): K8sObject[] {
  if (!cache.has(name)) cache.set(name, objectsOf(shippedConfig(name)));
  return cache.get(name)!;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

/** The pod spec of any workload kind. */
export function podSpecOf(object: K8sObject): any {
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template.spec;
  if (object.kind === 'Pod') return object.spec;
  return object.spec?.template?.spec;
}

export function podTemplateOf(object: K8sObject): any {
  if (object.kind === 'CronJob') return object.spec.jobTemplate.spec.template;
  return object.spec?.template;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** The container of a web pod spec that runs the application: php-fpm, or Octane's server. */
export function webAppContainer(spec: any): any {
  return spec.containers.find((c: any) => c.name === 'php-fpm') ?? container(spec, OCTANE_CONTAINER);
}

export function container(spec: any, name: string): any {
  const found = [...(spec.initContainers ?? []), ...spec.containers].find((c: any) => c.name === name);
  if (!found) throw new Error(`no container ${name}`);
  return found;
}

/** A shipped config's YAML with changes applied, for bad-input tests. */
export function withChanges(name: string, change: (doc: any) => void): string {
  const yaml = require('js-yaml');
  const fs = require('fs');
  const doc = yaml.load(fs.readFileSync(path.join(ROOT, 'config', `${name}.yaml`), 'utf8'));
  change(doc);
  return yaml.dump(doc);
}

/** Quality-gate findings for in-memory objects of one environment, filed as synth would file them. */
export function gateFindings(env: string, objects: readonly K8sObject[]) {
  return validateManifests(objects.map((object) => ({ file: manifestPath(env, object), object })));
}

/** The problems of a config text the loader must reject. */
export function rejectionsOf(file: string, text: string): readonly ConfigProblem[] {
  try {
    parseEnvironment(file, text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

/** Every Ingress backend Service name, including the default backend. */
export function ingressBackends(objects: readonly K8sObject[]): string[] {
  return objects
    .filter((o) => o.kind === 'Ingress')
    .flatMap((ing) => [
      ...(ing.spec.defaultBackend?.service ? [ing.spec.defaultBackend.service.name] : []),
      ...(ing.spec.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => p.backend?.service?.name)),
    ]);
}

/** The Services (and ports) the edge sends requests to: HTTPRoute backendRefs and Ingress backends. */
export function edgeBackends(objects: readonly K8sObject[]): { name: string; port: number | string }[] {
  return objects.flatMap((o) => {
    if (o.kind === 'HTTPRoute') return (o.spec.rules ?? []).flatMap((r: any) => (r.backendRefs ?? []).map((b: any) => ({ name: b.name, port: b.port })));
    if (o.kind === 'Ingress') {
      return (o.spec.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => ({ name: p.backend.service.name, port: p.backend.service.port.number ?? p.backend.service.port.name })));
    }
    return [];
  });
}

/** The edge's request timeout of every route that reaches the web Service: HTTPRoute rules, ingress-nginx annotations. */
export function edgeTimeouts(objects: readonly K8sObject[]): { route: string; seconds: number }[] {
  return objects.flatMap((o) => {
    if (o.kind === 'HTTPRoute') {
      return (o.spec.rules ?? [])
        .filter((r: any) => (r.backendRefs ?? []).length > 0)
        .map((r: any) => ({ route: o.metadata.name, seconds: parseSeconds(r.timeouts?.request) }));
    }
    if (o.kind === 'Ingress') return [{ route: o.metadata.name, seconds: Number(o.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout']) }];
    return [];
  });
}

function parseSeconds(duration: string | undefined): number {
  const m = /^(\d+)s$/.exec(duration ?? '');
  if (!m) throw new Error(`not a duration in seconds: ${duration}`);
  return Number(m[1]);
}

/**
 * A shipped environment with its edge switched to an Ingress (the ingress-nginx profile, same hosts, paths
 * and limits), so that every edge test runs for both kinds.
 */
export function withIngressEdge(name: string, change?: (doc: any) => void): EnvironmentConfig {
  return parseEnvironment(
    `config/${name}.yaml`,
    withChanges(name, (d) => {
      delete d.web.edge.gateway;
      delete d.web.edge.implementation;
      d.web.edge.kind = 'ingress';
      change?.(d);
    }),
  );
}

/** The runner every npm script goes through (the bundled program, proved up to date; see scripts/run.js). */
export const RUNNER = path.join(ROOT, 'scripts/run.js');

export interface CliResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a node script and returns its exit status and output. */
export function runNode(script: string, args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  const result = spawnSync('node', [script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, ...options, env: { ...process.env, CDK8S_OUTDIR: '', ...options.env } });
  return { status: result.status, signal: result.signal, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** A command as its npm script runs it: `node scripts/run.js <entry.ts> <args>` (e.g. `tools/validate/cli.ts`). */
export function runCommand(entry: string, args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  return runNode(RUNNER, [entry, ...args], options);
}

/** The launcher `npm run synth` and cdk8s.yaml run: the startup snapshot, or scripts/run.js without one. */
export const SYNTH_LAUNCHER = path.join(ROOT, 'scripts/synth.sh');

/** `npm run synth -- <args>`, without npm: the same launcher, so every synth test goes through the startup snapshot. */
export function runSynth(args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  const result = spawnSync('sh', [SYNTH_LAUNCHER, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, ...options, env: { ...process.env, CDK8S_OUTDIR: '', ...options.env } });
  return { status: result.status, signal: result.signal, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** Every file under a folder with its content (symbolic links and other entries by kind), to prove a tree unchanged. */
export function snapshotTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) tree[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
      else tree[path.relative(dir, p)] = `<${entry.isSymbolicLink() ? 'symlink' : 'special'}>`;
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return tree;
}

/** A `file: key.path: message` line, as every refusal prints it. */
export const PROBLEM_LINE = new RegExp(`^[^\\s:][^:]*: ${KEY_PATH_PATTERN}: .+`);
/** A stack trace frame, which no refusal may print. */
export const STACK_FRAME = /^\s+at .+\(?.*:\d+:\d+\)?$/m;

/** Bounds and CPU target of a Deployment's autoscaler, whether a HorizontalPodAutoscaler or a KEDA ScaledObject. */
export function autoscalerOf(objects: readonly K8sObject[], deployment: string): { kind: string; min: number; max: number; cpuUtilization: number } {
  const found = objects.filter((o) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind) && o.spec.scaleTargetRef.name === deployment);
  if (found.length !== 1) throw new Error(`expected one autoscaler of ${deployment}, found ${found.length}`);
  const [a] = found;
  if (a.kind === 'HorizontalPodAutoscaler') {
    const cpu = a.spec.metrics.find((m: any) => m.resource?.name === 'cpu');
    return { kind: a.kind, min: a.spec.minReplicas, max: a.spec.maxReplicas, cpuUtilization: cpu.resource.target.averageUtilization };
  }
  const cpu = a.spec.triggers.find((t: any) => t.type === 'cpu');
  return { kind: a.kind, min: a.spec.minReplicaCount, max: a.spec.maxReplicaCount, cpuUtilization: Number(cpu.metadata.value) };
}

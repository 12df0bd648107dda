/**
 * Typed input: an environment written in TypeScript with every defaulted key left out goes through the
 * loader's own validation (`resolveEnvironment`), so it gets the same defaults and the same problem lines
 * as the same settings in a YAML file.
 */
import { App, Chart } from 'cdk8s';
import * as yaml from 'js-yaml';
import { ConfigError, ConfigProblem, EnvironmentInput, isResolvedEnvironment, parseEnvironment, PembayaranChart, PembayaranStack, resolveEnvironment } from 'pembayaran-k8s';
import { gateFindings, K8sObject } from '../../helpers';

/** Only the keys without a default. */
export const MINIMAL: EnvironmentInput = {
  name: 'prod',
  tier: 'production',
  namespace: 'team-payments',
  laravel: { image: { repository: 'ghcr.io/example/pembayaran', tag: '2.0.1' }, host: 'pay.example.com' },
  database: { connection: 'pgsql', host: 'postgres.internal.example.com', name: 'pembayaran', peers: [{ cidr: '10.50.0.0/24' }] },
  redis: { host: 'redis.internal.example.com', peers: [{ cidr: '10.50.1.0/24' }] },
  objectStorage: { bucket: 'team-payments', peers: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }] },
  secrets: { store: { name: 'vault' }, remoteKey: 'payments/prod' },
  web: { edge: { gateway: { parentRefs: [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }] } } },
  fastapi: { image: { repository: 'ghcr.io/example/pembayaran-notification', tag: '2.0.1' } },
  waGateway: { image: { repository: 'ghcr.io/example/pembayaran-wa-gateway', tag: '2.0.1' } },
  argocd: { repoURL: 'https://git.example.com/platform/payments-gitops.git' },
};

function problemsOf(run: () => unknown): readonly ConfigProblem[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveEnvironment', () => {
  test('fills the same defaults as the YAML loader does for the same settings', () => {
    const resolved = resolveEnvironment(MINIMAL);
    expect(resolved).toEqual(parseEnvironment('prod', yaml.dump(MINIMAL)));
    expect(resolved.web.replicas).toBe(2);
    expect(resolved.appName).toBe('pembayaran');
    expect(resolved.workers.map((w) => w.name)).toEqual(['default']);
    expect(isResolvedEnvironment(resolved)).toBe(true);
    // Resolved once: given again, it is taken as it is.
    expect(resolveEnvironment(resolved)).toBe(resolved);
  });

  test('leaves the input as it was', () => {
    const input = JSON.parse(JSON.stringify(MINIMAL));
    resolveEnvironment(input);
    expect(input).toEqual(MINIMAL);
    expect(isResolvedEnvironment(input)).toBe(false);
  });

  test('refuses with the same key.path: message lines as the YAML loader, schema and cross-field rules alike', () => {
    const bad = {
      ...MINIMAL,
      laravel: { ...MINIMAL.laravel, debug: true },
      web: { ...MINIMAL.web, replicas: 0, autoscaling: { maxReplicas: 1 } },
      workers: [{ name: 'Default', queues: [] }],
    } as unknown as EnvironmentInput;
    const typed = problemsOf(() => resolveEnvironment(bad));
    expect(typed).toEqual(problemsOf(() => parseEnvironment('prod', yaml.dump(bad))));
    expect(typed.length).toBeGreaterThanOrEqual(2);
    expect(typed.map((p) => p.path)).toEqual(expect.arrayContaining(['web.replicas', 'workers[0].name']));
    expect(new ConfigError(typed).message.split('\n').every((line) => /^prod: [\w.[\]]+: .+/.test(line))).toBe(true);

    // Cross-field rules (lib/config/semantics.ts) run too: debug is refused in production.
    const debug = problemsOf(() => resolveEnvironment({ ...MINIMAL, laravel: { ...MINIMAL.laravel, debug: true } }));
    expect(debug).toEqual([expect.objectContaining({ file: 'prod', path: 'laravel.debug' })]);
    expect(problemsOf(() => resolveEnvironment({ ...MINIMAL, laravel: { ...MINIMAL.laravel, debug: true } }, { source: 'team.ts' }))[0].file).toBe('team.ts');
  });

  test('a value that is not plain data is refused with a problem, not a stack trace', () => {
    const circular: any = { ...MINIMAL };
    circular.self = circular;
    expect(problemsOf(() => resolveEnvironment(circular))).toEqual([expect.objectContaining({ path: '', message: expect.stringContaining('not plain data') })]);
  });
});

describe('typed input into the constructs', () => {
  test('new PembayaranStack(chart, id, typed input) synthesizes a gated environment', () => {
    const app = new App();
    const chart = new Chart(app, 'prod', { disableResourceNameHashes: true });
    const stack = new PembayaranStack(chart, 'App', MINIMAL);
    expect(stack.config.web.replicas).toBe(2);
    const objects = chart.toJson() as K8sObject[];
    expect(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pembayaran-web')?.metadata.namespace).toBe('team-payments');
    expect(gateFindings('prod', objects)).toEqual([]);
  });

  test('a mistake in typed input fails the constructor with the problem lines', () => {
    expect(() => new PembayaranChart(new App(), { ...MINIMAL, web: { replicas: -1 } })).toThrow(/^prod: web\.replicas: expected a number >= 1 \(got -1\)$/m);
  });

  test('addWorkerPool takes a partial pool: the defaults of workers[] fill the rest', () => {
    const app = new App();
    const chart = new PembayaranChart(app, MINIMAL);
    const pool = chart.stack.addWorkerPool({ name: 'reports', queues: ['reports'] });
    const objects = chart.toJson() as K8sObject[];
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'pembayaran-worker-reports')!;
    const defaults = resolveEnvironment({ ...MINIMAL, workers: [{ name: 'reports', queues: ['reports'] }] }).workers[0];
    expect(deployment.spec.replicas).toBe(defaults.replicas);
    expect(pool.queues).toEqual(['reports']);
    expect(gateFindings('prod', objects)).toEqual([]);
  });

  test('addWorkerPool refuses a bad pool with its key path, as the config would', () => {
    const chart = new PembayaranChart(new App(), MINIMAL);
    expect(problemsOf(() => chart.stack.addWorkerPool({ name: 'reports', replicas: -2 }))).toEqual([
      expect.objectContaining({ path: 'workers[1].replicas', message: expect.stringContaining('expected a number >= 0') }),
    ]);
    expect(() => chart.stack.addWorkerPool({ name: 'default' })).toThrow();
  });
});

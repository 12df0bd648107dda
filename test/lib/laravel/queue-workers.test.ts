/**
 * Worker pools as synthesized: the timing rules that keep a job from running twice or dying mid-flight,
 * Horizon as a mode of its own (its supervisor in the HORIZON_* variables, memory for every worker it may
 * fork, SIGTERM to its master, a liveness probe of this pod's master), and the restart loop of queue:work.
 * The processes themselves run in test/runtime/queue-workers.test.ts.
 */
import { RETRY_AFTER, SHUTDOWN_MARGIN_SECONDS, WORKER_MEMORY_MIB } from '../../../lib/core/defaults';
import { parseQuantity } from '../../../lib/core/kubernetes-rules';
import { defaultWorkerResources, quantityMiB, retryAfterOf, workerMemoryMiB } from '../../../lib/laravel/queue-budgets';
import { HORIZON_PRE_STOP, horizonPrefix, QUEUE_WORKER_LOOP, supervisedProcessProbe, SUPERVISION_FILES } from '../../../lib/laravel/process-supervision';
import { WORKER_STALL_MARGIN_SECONDS, workerArtisanCommand, workerProgressProbe, workerStallSeconds } from '../../../lib/laravel/queue-workers';
import { container, find, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';
import { parseEnvironment } from '../../../lib/config/load';
import { withChanges } from '../../helpers';

const envOf = (c: any): Record<string, string> => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value]));
const mib = (q: string) => parseQuantity(q)! / 2 ** 20;

describe.each(SHIPPED_ENVIRONMENTS)('worker pools of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const pools = config.workers.map((pool) => {
    const spec = podSpecOf(find(objects, 'Deployment', `pembayaran-worker-${pool.name}`));
    return { pool, spec, worker: container(spec, 'worker'), prepare: container(spec, 'prepare') };
  });

  test('retry_after of every pool exceeds its timeout by more than the margin, in the worker and in the cached config', () => {
    for (const { pool, worker, prepare } of pools) {
      const retryAfter = Number(envOf(worker).REDIS_QUEUE_RETRY_AFTER);
      expect(retryAfter).toBe(retryAfterOf(pool));
      expect(retryAfter).toBeGreaterThan(pool.timeout + RETRY_AFTER.marginSeconds);
      // config:cache runs in the init container: env() is never read again, so the value must be there.
      expect(envOf(prepare)).toEqual(envOf(worker));
      expect(prepare.command[2]).toContain('php artisan config:cache');
    }
    const shared = Number(find(objects, 'ConfigMap', 'pembayaran-laravel').data.REDIS_QUEUE_RETRY_AFTER);
    expect(shared).toBe(Math.max(...config.workers.map(retryAfterOf)));
  });

  test('the grace period covers the longest job; no readiness probe, since no Service selects workers', () => {
    for (const { pool, spec, worker } of pools) {
      expect(spec.terminationGracePeriodSeconds).toBe(pool.timeout + SHUTDOWN_MARGIN_SECONDS);
      expect(worker.readinessProbe).toBeUndefined();
      expect(worker.livenessProbe).toBeDefined();
      expect(worker.startupProbe).toBeDefined();
      const selectors = objects.filter((o) => o.kind === 'Service').map((s) => s.spec.selector['app.kubernetes.io/component']);
      expect(selectors).not.toContain(`worker-${pool.name}`);
    }
  });

  test('queue:work runs under its restart loop with the pool settings; its liveness reads /proc, never boots the framework', () => {
    for (const { pool, worker } of pools.filter((p) => p.pool.mode === 'queue-work')) {
      expect(worker.command.slice(0, 4)).toEqual(['/bin/sh', '-c', QUEUE_WORKER_LOOP, 'queue-worker']);
      expect(worker.command.slice(4)).toEqual([
        'php', 'artisan', 'queue:work', 'redis', `--queue=${pool.queues.join(',')}`, `--timeout=${pool.timeout}`,
        `--tries=${pool.tries}`, `--memory=${pool.memory}`, `--sleep=${pool.sleep}`, `--backoff=${pool.backoff}`,
        `--max-jobs=${pool.maxJobs}`, `--max-time=${pool.maxTime}`,
      ]);
      expect(worker.lifecycle).toBeUndefined();
      const probe = worker.livenessProbe.exec.command.join(' ');
      expect(probe).toContain(SUPERVISION_FILES.queueWorker);
      expect(probe).not.toContain('artisan');
      // Liveness: that worker made progress (I/O or CPU) within timeout + sleep + margin; startup: it runs.
      expect(worker.livenessProbe.exec).toEqual(workerProgressProbe(workerStallSeconds(pool)).exec);
      expect(probe).toContain(`-ge ${pool.timeout + pool.sleep + WORKER_STALL_MARGIN_SECONDS} ]`);
      expect(worker.startupProbe.exec).toEqual(supervisedProcessProbe(SUPERVISION_FILES.queueWorker).exec);
    }
  });

  test('Horizon is PID 1, stopped by SIGTERM from a preStop hook, never horizon:terminate; its supervisor is in the HORIZON_* variables', () => {
    for (const { pool, worker } of pools.filter((p) => p.pool.mode === 'horizon')) {
      expect(worker.command).toEqual(['php', 'artisan', 'horizon']);
      expect(worker.lifecycle.preStop.exec.command).toEqual(HORIZON_PRE_STOP);
      expect(worker.lifecycle.preStop.exec.command.join(' ')).toContain('kill -TERM 1');
      expect(JSON.stringify(worker)).not.toContain('horizon:terminate');
      expect(JSON.stringify(worker)).not.toContain('horizon:status');
      expect(envOf(worker)).toEqual({
        REDIS_QUEUE_RETRY_AFTER: String(retryAfterOf(pool)),
        HORIZON_CONNECTION: 'redis',
        HORIZON_QUEUES: pool.queues.join(','),
        HORIZON_BALANCE: pool.horizon!.balance,
        HORIZON_MIN_PROCESSES: String(pool.horizon!.minProcesses),
        HORIZON_MAX_PROCESSES: String(pool.horizon!.maxProcesses),
        HORIZON_TIMEOUT: String(pool.timeout),
        HORIZON_TRIES: String(pool.tries),
        HORIZON_MEMORY: String(pool.memory),
        HORIZON_BACKOFF: String(pool.backoff),
        HORIZON_SLEEP: String(pool.sleep),
        HORIZON_MAX_JOBS: String(pool.maxJobs),
        HORIZON_MAX_TIME: String(pool.maxTime),
        HORIZON_MEMORY_LIMIT: String(pool.horizon!.masterMemory),
      });
      // The liveness probe finds this pod's master under the prefix every pod and the dashboard share.
      expect(find(objects, 'ConfigMap', 'pembayaran-laravel').data.HORIZON_PREFIX).toBe('pembayaran_horizon:');
      expect(worker.livenessProbe.exec.command.slice(0, 2)).toEqual(['php', '-r']);
      expect(worker.livenessProbe.exec.command[2]).toContain("getenv('HORIZON_PREFIX')");
      expect(worker.livenessProbe.exec.command[2]).toContain('gethostname()');
    }
  });

  test("memory limits cover what the pool's processes may use: Horizon's master, supervisor and maxProcesses workers", () => {
    for (const { pool, worker } of pools) {
      const limit = mib(worker.resources.limits.memory);
      const perWorker = pool.memory + WORKER_MEMORY_MIB.processOverhead;
      if (pool.mode === 'horizon') {
        const resident = pool.horizon!.masterMemory + WORKER_MEMORY_MIB.processOverhead + WORKER_MEMORY_MIB.horizonSupervisor;
        expect(limit).toBeGreaterThanOrEqual(resident + pool.horizon!.maxProcesses * perWorker);
        expect(mib(worker.resources.requests.memory)).toBeGreaterThanOrEqual(resident + pool.horizon!.minProcesses * perWorker);
      } else {
        expect(limit).toBeGreaterThanOrEqual(perWorker);
      }
    }
  });

  test('no command or probe contains $(...), which Kubernetes would expand as a variable', () => {
    for (const { spec } of pools) {
      for (const c of [...spec.initContainers, ...spec.containers]) {
        const texts = [...(c.command ?? []), ...(c.livenessProbe?.exec?.command ?? []), ...(c.startupProbe?.exec?.command ?? []), ...(c.lifecycle?.preStop?.exec?.command ?? [])];
        for (const t of texts) expect(t).not.toMatch(/\$\([A-Za-z_]/);
      }
    }
  });
});

describe('worker budgets', () => {
  const horizon = { mode: 'horizon' as const, timeout: 120, memory: 128, horizon: { maxProcesses: 10, minProcesses: 2, masterMemory: 64 } };

  test('retry_after defaults to the timeout plus 30 s; an explicit value wins', () => {
    expect(retryAfterOf({ mode: 'queue-work', timeout: 90, memory: 128 })).toBe(120);
    expect(retryAfterOf({ mode: 'queue-work', timeout: 90, memory: 128, retryAfter: 300 })).toBe(300);
  });

  test('a Horizon pod that may fork 10 workers of 128 MB is not given the 384Mi of a single worker', () => {
    // 64 (master) + 32 + 64 (supervisor) + 10 x (128 + 32)
    expect(workerMemoryMiB(horizon)).toEqual({ limit: 1760, request: 480 });
    expect(defaultWorkerResources(horizon)).toEqual({ requests: { cpu: '300m', memory: '480Mi' }, limits: { memory: '1760Mi' } });
    expect(defaultWorkerResources({ mode: 'queue-work', timeout: 60, memory: 128 })).toEqual({ requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '384Mi' } });
    expect(defaultWorkerResources({ mode: 'queue-work', timeout: 60, memory: 512 })).toEqual({ requests: { cpu: '100m', memory: '544Mi' }, limits: { memory: '544Mi' } });
    expect(quantityMiB('1Gi')).toBe(1024);
  });

  test("Horizon's prefix is derived as Horizon derives it from APP_NAME", () => {
    expect(horizonPrefix('pembayaran')).toBe('pembayaran_horizon:');
    expect(horizonPrefix('acme-pay')).toBe('acme_pay_horizon:');
  });

  test('the artisan command of each mode', () => {
    expect(workerArtisanCommand({ mode: 'horizon', queues: ['a'], timeout: 1, tries: 1, memory: 1, sleep: 1, backoff: 1, maxJobs: 1, maxTime: 1 })).toEqual(['php', 'artisan', 'horizon']);
  });
});

describe('a pool added in code', () => {
  test('throws early when Horizon has no supervisor size or retry_after would let a job run twice', () => {
    const config = structuredClone(shippedConfig('production'));
    const pool = { ...config.workers[0], name: 'extra' };
    // A config built in code goes through the config checks (resolveEnvironment), with the key path.
    expect(() => objectsOf({ ...config, workers: [{ ...pool, mode: 'horizon' }] })).toThrow('workers[0].horizon.maxProcesses: is required with mode horizon');
    expect(() => objectsOf({ ...config, workers: [{ ...pool, retryAfter: pool.timeout }] })).toThrow(`set at least ${pool.timeout + 16}`);
  });

  test('a config with retryAfter set renders it', () => {
    const config = parseEnvironment('config/production.yaml', withChanges('production', (d) => (d.workers[0].retryAfter = 400)));
    const worker = container(podSpecOf(find(objectsOf(config), 'Deployment', 'pembayaran-worker-default')), 'worker');
    expect(envOf(worker).REDIS_QUEUE_RETRY_AFTER).toBe('400');
  });
});

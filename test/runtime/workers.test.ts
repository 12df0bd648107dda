/**
 * Queue workers against real Redis: the command of every queue:work pool of every shipped environment
 * starts, processes a job dispatched by the app on each of its queues, and its liveness probe passes while
 * healthy and fails once the worker is stuck (blocked for good in a system call, which "the worker is
 * running or sleeping", still the startup probe, never notices). The worker runs under the restart loop
 * (lib/laravel/process-supervision.ts): the probe judges the process whose PID the loop writes. Horizon
 * pools need Horizon, which Debian does not package; their signal handling is proven with a stand-in by
 * the queues issue (#17).
 */
import { SUPERVISION_FILES } from '../../lib/laravel/process-supervision';
import { WORKER_PROGRESS_FILE, workerStallSeconds } from '../../lib/laravel/queue-workers';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { sleep, waitFor } from './harness/processes';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment, waitForJobResult } from './laravel';

jest.setTimeout(180000);

/**
 * Liveness as the kubelet judges it: the container is restarted only after `failureThreshold` failures in a
 * row. On a loaded machine one probe can fail for reasons outside the worker (it outlives its timeout, the
 * worker is briefly in disk sleep); the progress check itself must never call a healthy worker stuck.
 */
async function expectLive(worker: Pod, kind: 'liveness' | 'startup' = 'liveness'): Promise<void> {
  const threshold = Math.min(4, worker.containerSpec('worker')[`${kind}Probe`].failureThreshold);
  const failures: string[] = [];
  for (let i = 0; i < threshold; i++) {
    const result = await worker.probe('worker', kind);
    expect(result.detail).not.toMatch(/made no progress/);
    if (result.ok) return;
    failures.push(result.detail);
  }
  throw new Error(`${kind} failed ${threshold} times in a row: ${failures.join(' | ')}`);
}

describe.each(['production', 'staging'] as const)('the queue:work pools of %s', (environment) => {
  describeRuntime(`the queue:work pools of ${environment}, against real Redis`, () => {
    let env: LaravelEnvironment;
    let web: Pod;
    beforeAll(async () => {
      env = await startLaravelEnvironment({ environment });
      web = await env.webPod();
    });
    afterAll(async () => env?.stop());

    test('every pool starts, processes a job on each of its queues, and stays live', async () => {
      const pools = env.config.workers.filter((w) => w.mode === 'queue-work');
      expect(pools.length).toBeGreaterThan(0);
      for (const pool of pools) {
        const worker = await env.cluster.runPod(env.object('Deployment', `worker-${pool.name}`));
        try {
          await expectLive(worker);
          for (const queue of pool.queues) {
            const token = `${pool.name}-${queue}-${Date.now()}`;
            expect((await env.cluster.http({ url: `http://${web.ip}:8080/dispatch?token=${token}&queue=${queue}`, headers: hostHeader(env.config) })).status).toBe(202);
            const result = await waitForJobResult(env, web, token);
            expect(result).toMatchObject({ worker: worker.name, queue });
          }
          expect(worker.logs('worker')).toMatch(/App\\Jobs\\RecordJob/);
          await expectLive(worker);
        } finally {
          await worker.kill();
        }
      }
    });

    if (environment === 'production') {
      test('a worker the restart loop starts anew (queue:restart) is sampled afresh and stays live', async () => {
        const worker = await env.cluster.runPod(env.object('Deployment', 'worker-default'));
        const pidOf = async () => (await worker.exec('worker', ['cat', SUPERVISION_FILES.queueWorker])).stdout.trim();
        try {
          await expectLive(worker);
          const first = await pidOf();
          expect((await worker.exec('worker', ['php', 'artisan', 'queue:restart'])).code).toBe(0);
          const second = await waitFor('the loop to start a new worker', async () => {
            const pid = await pidOf();
            return pid && pid !== first ? pid : undefined;
          }, { timeoutMs: 60000, intervalMs: 500 });
          await expectLive(worker);
          expect((await worker.exec('worker', ['cat', WORKER_PROGRESS_FILE])).stdout).toMatch(new RegExp(`^${second} `));
          expect(worker.container('worker').running).toBe(true);
        } finally {
          await worker.kill();
        }
      });

      test('a stuck worker fails liveness: healthy while idle and busy, failing once no progress was made for the stall limit', async () => {
        const timeout = 3;
        const sleepSeconds = 1;
        const stall = workerStallSeconds({ timeout, sleep: sleepSeconds });
        // The same cluster and web pod; the default pool with a short timeout and sleep, so the test waits seconds, not minutes.
        const shortPool = env.variant((doc) => {
          doc.workers = doc.workers.map((w: any) => (w.name === 'default' ? { ...w, timeout, sleep: sleepSeconds } : w));
          // A 3 s job cannot wait for FastAPI (notificationCalls.requestTimeoutSeconds): here only payments calls it.
          doc.notificationCalls = { pools: ['payments'] };
        });
        const deployment = shortPool.find((o) => o.kind === 'Deployment' && o.metadata.name === `${env.config.appName}-worker-default`)!;
        expect(deployment.spec.template.spec.containers[0].command).toEqual(expect.arrayContaining([`--timeout=${timeout}`, `--sleep=${sleepSeconds}`]));
        const worker = await env.cluster.runPod(deployment);
        // Idle longer than the stall limit: the worker keeps polling Redis, which is progress.
        for (let elapsed = 0; elapsed <= stall + 2; elapsed += 3) {
          await expectLive(worker);
          await sleep(3000);
        }
        expect((await env.cluster.http({ url: `http://${web.ip}:8080/stuck?queue=default`, headers: hostHeader(env.config) })).status).toBe(202);
        await waitFor('the stuck job to start', () => /Processing:\s+App\\Jobs\\StuckJob/.test(worker.logs('worker')));
        // The worker's own --timeout alarm cannot end the job: it is still there, "sleeping".
        const failed = await waitFor('liveness to fail for want of progress', async () => {
          const result = await worker.probe('worker', 'liveness');
          return !result.ok && /made no progress/.test(result.detail) ? result : undefined;
        }, { timeoutMs: (stall + 30) * 1000, intervalMs: 1000 });
        expect(failed.detail).toMatch(new RegExp(`made no progress for \\d+ s \\(limit ${stall} s\\)`));
        expect(worker.container('worker').running).toBe(true);
        // "Running or sleeping" alone (the startup probe) sees nothing wrong: the worker sleeps in the kernel.
        await expectLive(worker, 'startup');
        await worker.kill();
      });
    }
  });
});

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
          expect(await worker.probe('worker', 'liveness')).toMatchObject({ ok: true });
          for (const queue of pool.queues) {
            const token = `${pool.name}-${queue}-${Date.now()}`;
            expect((await env.cluster.http({ url: `http://${web.ip}:8080/dispatch?token=${token}&queue=${queue}`, headers: hostHeader(env.config) })).status).toBe(202);
            const result = await waitForJobResult(env, web, token);
            expect(result).toMatchObject({ worker: worker.name, queue });
          }
          expect(worker.logs('worker')).toMatch(/App\\Jobs\\RecordJob/);
          expect(await worker.probe('worker', 'liveness')).toMatchObject({ ok: true });
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
          expect(await worker.probe('worker', 'liveness')).toMatchObject({ ok: true });
          const first = await pidOf();
          expect((await worker.exec('worker', ['php', 'artisan', 'queue:restart'])).code).toBe(0);
          const second = await waitFor('the loop to start a new worker', async () => {
            const pid = await pidOf();
            return pid && pid !== first ? pid : undefined;
          }, { timeoutMs: 60000, intervalMs: 500 });
          expect(await worker.probe('worker', 'liveness')).toMatchObject({ ok: true });
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
        });
        const deployment = shortPool.find((o) => o.kind === 'Deployment' && o.metadata.name === `${env.config.appName}-worker-default`)!;
        expect(deployment.spec.template.spec.containers[0].command).toEqual(expect.arrayContaining([`--timeout=${timeout}`, `--sleep=${sleepSeconds}`]));
        const worker = await env.cluster.runPod(deployment);
        // Idle longer than the stall limit: the worker keeps polling Redis, which is progress.
        for (let elapsed = 0; elapsed <= stall + 2; elapsed += 3) {
          expect(await worker.probe('worker', 'liveness')).toMatchObject({ ok: true });
          await sleep(3000);
        }
        expect((await env.cluster.http({ url: `http://${web.ip}:8080/stuck?queue=default`, headers: hostHeader(env.config) })).status).toBe(202);
        await waitFor('the stuck job to start', () => /Processing:\s+App\\Jobs\\StuckJob/.test(worker.logs('worker')));
        // The worker's own --timeout alarm cannot end the job: it is still there, "sleeping".
        const failed = await waitFor('liveness to fail', async () => {
          const result = await worker.probe('worker', 'liveness');
          return result.ok ? undefined : result;
        }, { timeoutMs: (stall + 30) * 1000, intervalMs: 1000 });
        expect(failed.detail).toMatch(new RegExp(`made no progress for \\d+ s \\(limit ${stall} s\\)`));
        expect(worker.container('worker').running).toBe(true);
        // "Running or sleeping" alone (the startup probe) sees nothing wrong: the worker sleeps in the kernel.
        expect(await worker.probe('worker', 'startup')).toMatchObject({ ok: true });
        await worker.kill();
      });
    }
  });
});

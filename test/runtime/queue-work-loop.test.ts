/**
 * A `queue:work` pool's pod, run for real against Redis. Its PID 1 is the restart loop
 * (lib/laravel/process-supervision.ts, QUEUE_WORKER_LOOP): a worker that exits on --max-jobs is replaced
 * inside the same container (no kubelet restart, so no CrashLoopBackOff), and the image's stop signal
 * (SIGQUIT) reaches queue:work as SIGTERM, so the job in flight finishes and no other job is taken.
 * Each case also runs what the manifests had before, to show the test fails without the fix.
 */
import * as fs from 'fs';
import { SUPERVISION_FILES } from '../../lib/laravel/process-supervision';
import { workerArtisanCommand } from '../../lib/laravel/queue-workers';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { LaravelEnvironment, redisKey, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

/** Small enough that a few jobs make the worker exit, as --max-jobs=1000 does on a busy queue. */
const MAX_JOBS = 2;

describeRuntime('queue:work under its restart loop', () => {
  let env: LaravelEnvironment;

  beforeAll(async () => {
    env = await startLaravelEnvironment({
      environment: 'production',
      change: (doc) => {
        const pool = doc.workers.find((w: any) => w.name === 'default');
        pool.maxJobs = MAX_JOBS;
        pool.sleep = 1;
      },
    });
  });
  afterAll(async () => env?.stop());
  // Jobs a case leaves queued (on purpose, or when it fails) must not reach the next case's worker.
  beforeEach(async () => env.redisCli('DEL', redisKey(env, 'queues:default')));

  const deployment = () => JSON.parse(JSON.stringify(env.object('Deployment', 'worker-default')));
  /** Queues a fixture job from inside the pod, as the application does. */
  const dispatch = async (pod: Pod, job: 'hold', token: string) => {
    const result = await pod.exec('worker', ['php', 'artisan', 'fixture:dispatch', job, token, '--queue=default']);
    expect(result).toEqual({ code: 0, signal: null, stdout: 'queued\n', stderr: '' });
  };
  const release = (token: string) => env.redisCli('SET', redisKey(env, `fixture:release:${token}`), '1');
  /** What HoldJob recorded (`started` or `finished`): the worker's host name and PID. */
  const record = async (token: string, state: 'started' | 'finished') => {
    const value = (await env.redisCli('GET', redisKey(env, `fixture:hold:${token}:${state}`))).trim();
    return value ? JSON.parse(value) : undefined;
  };
  const waitForRecord = (token: string, state: 'started' | 'finished') => waitFor(`job ${token} ${state}`, () => record(token, state), { timeoutMs: 60000, intervalMs: 200 });
  /** For commands that write no PID file: started once PID 1 is in the application directory (exec runs there). */
  const IN_APP_DIR = { exec: { command: ['test', '-f', 'artisan'] }, periodSeconds: 1, failureThreshold: 30 };
  const queueLength = async () => Number((await env.redisCli('LLEN', redisKey(env, 'queues:default'))).trim());

  test('a worker that exits on --max-jobs is replaced in the same container: same PID 1, a new queue:work, no restart', async () => {
    const pod = await env.cluster.runPod(deployment());
    const pid1 = await pod.container('worker').hostPid();
    try {
      const worker = pod.container('worker');
      expect(worker.launch.argv.join(' ')).toContain(`--max-jobs=${MAX_JOBS}`);
      const tokens = ['mj-1', 'mj-2', 'mj-3'];
      for (const token of tokens) await release(token);
      for (const token of tokens) await dispatch(pod, 'hold', token);
      const [first, second, third] = await Promise.all(tokens.map((t) => waitForRecord(t, 'finished')));

      // The first worker did MAX_JOBS jobs and exited 0; the loop started another in the same pod.
      expect(second).toMatchObject({ worker: pod.name, pid: first.pid });
      expect(third.worker).toBe(pod.name);
      expect(third.pid).not.toBe(first.pid);
      expect(worker.running).toBe(true);
      const processes = await worker.processes();
      expect(processes.map((p) => p.pid)).toContain(pid1);
      expect(processes.find((p) => p.pid === pid1)!.cmdline).toMatch(/^\/bin\/sh -c .* queue-worker php artisan queue:work /s);
      expect((await pod.exec('worker', ['cat', SUPERVISION_FILES.queueWorker])).stdout.trim()).toBe(String(third.pid));
      expect(pod.logs('worker')).toContain('queue:work exited with 0 (--max-jobs, --max-time, --memory or queue:restart); starting a new worker');
      // The probe follows the new worker.
      expect(await pod.probe('worker', 'liveness')).toMatchObject({ ok: true });
    } finally {
      await pod.kill();
    }
    // kill() ends PID 1 itself, not only the runtime around it: nothing of the pod takes the next case's jobs.
    const state = () => (fs.existsSync(`/proc/${pid1}/stat`) ? /\) (\w) /.exec(fs.readFileSync(`/proc/${pid1}/stat`, 'utf8'))?.[1] : 'gone');
    // SIGKILL is delivered asynchronously: wait for it (without the fix PID 1 sleeps on and this gives up).
    await waitFor('PID 1 to be gone', () => ['gone', 'Z', 'X'].includes(state()!), { timeoutMs: 10000, intervalMs: 100 });
  });

  test('without the loop (the previous command), the container exits 0 after --max-jobs: the kubelet restarts it, with back-off', async () => {
    const bare = deployment();
    const container = bare.spec.template.spec.containers[0];
    container.command = workerArtisanCommand({ mode: 'queue-work', queues: ['default'], timeout: 90, tries: 3, memory: 128, sleep: 1, backoff: 0, maxJobs: MAX_JOBS, maxTime: 3600 });
    container.startupProbe = IN_APP_DIR;
    delete container.livenessProbe;
    const pod = await env.cluster.runPod(bare);
    try {
      for (const token of ['bare-1', 'bare-2']) {
        await release(token);
        await dispatch(pod, 'hold', token);
      }
      const exits = await pod.waitForCompletion(60000);
      expect(exits.worker).toEqual({ code: 0, signal: null });
    } finally {
      await pod.kill();
    }
  });

  test('deleting the pod lets the job in flight finish: SIGQUIT reaches queue:work as SIGTERM, it takes no other job, the loop exits 0', async () => {
    const pod = await env.cluster.runPod(deployment());
    await dispatch(pod, 'hold', 'in-flight');
    const started = await waitForRecord('in-flight', 'started');
    await dispatch(pod, 'hold', 'behind');
    const terminating = pod.terminate();
    // The loop has handed the stop signal on (it logs after its kill): only now may the job finish.
    await waitFor('the stop signal to reach the worker', () => pod.logs('worker').includes('stop signal: queue:work finishes its job'), { timeoutMs: 30000, intervalMs: 100 });
    expect(await record('in-flight', 'finished')).toBeUndefined();
    await release('in-flight');
    const report = await terminating;

    expect(await record('in-flight', 'finished')).toEqual(started);
    expect(report.containers.worker).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    expect(report.containers.worker.exitedAt - report.startedAt).toBeLessThan(report.gracePeriodSeconds * 1000);
    // The worker quit after its job: the next one waits in Redis for another pod, and no new worker started.
    expect(await record('behind', 'started')).toBeUndefined();
    expect(await queueLength()).toBe(1);
    expect(pod.logs('worker')).not.toContain('starting a new worker');
  });

  test('with a loop that does not hand the signal on, SIGQUIT is ignored by the shell as PID 1: SIGKILL ends the job mid-flight', async () => {
    const naive = deployment();
    const container = naive.spec.template.spec.containers[0];
    const artisan = container.command.slice(container.command.indexOf('queue-worker') + 1);
    container.command = ['/bin/sh', '-c', 'while :; do "$@" || exit; done', 'queue-worker', ...artisan];
    container.startupProbe = IN_APP_DIR;
    delete container.livenessProbe;
    const pod = await env.cluster.runPod(naive);
    await dispatch(pod, 'hold', 'naive');
    await waitForRecord('naive', 'started');
    const report = await pod.terminate({ gracePeriodSeconds: 3 });
    expect(report.containers.worker.killed).toBe(true);
    expect(await record('naive', 'finished')).toBeUndefined();
  });
});

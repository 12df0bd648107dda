/**
 * `scheduler.mode: work`, run for real: the scheduler Deployment's pod runs Laravel's `schedule:work`
 * (Debian's Laravel 8.83, the same loop as Laravel 12's: a `schedule:run` process at each minute boundary)
 * under its supervising shell (lib/laravel/process-supervision.ts, SCHEDULE_WORK_SUPERVISOR). Deleting the
 * pod while a task runs: the shell starts no new minute, broadcasts `schedule:interrupt` (a fixture stand-in
 * of Laravel 10+'s command) and exits only once the task has finished, within the grace period. Beside it,
 * a pod running schedule:work bare as PID 1, as a Deployment without the supervisor would: it handles no
 * stop signal, so the kubelet's SIGKILL ends the task mid-flight. Both pods run the same minute: the test
 * waits for one minute boundary, not two.
 */
import { SUPERVISION_FILES } from '../../lib/laravel/process-supervision';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { LaravelEnvironment, redisKey, startLaravelEnvironment } from './laravel';

jest.setTimeout(240000);

/** Scheduled only when set: HoldScheduledTask, in flight until the test releases it. */
const HOLD = { '*': { FIXTURE_SCHEDULE_HOLD: '1' } };
const IN_APP_DIR = { exec: { command: ['test', '-f', 'artisan'] }, periodSeconds: 1, failureThreshold: 30 };

describeRuntime('schedule:work (scheduler.mode work)', () => {
  let env: LaravelEnvironment;
  let scheduler: Pod;
  let bare: Pod;

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
    const deployment = env.object('Deployment', 'scheduler');
    const unsupervised = JSON.parse(JSON.stringify(deployment));
    const container = unsupervised.spec.template.spec.containers[0];
    container.command = ['php', 'artisan', 'schedule:work', '--no-interaction'];
    container.startupProbe = IN_APP_DIR;
    delete container.livenessProbe;
    [scheduler, bare] = await Promise.all([env.cluster.runPod(deployment, { env: HOLD }), env.cluster.runPod(unsupervised, { env: HOLD })]);
  });
  afterAll(async () => {
    await Promise.all([scheduler, bare].map((p) => p?.kill()));
    await env?.stop();
  });

  const record = async (pod: Pod, state: 'started' | 'finished') => {
    const value = (await env.redisCli('GET', redisKey(env, `fixture:scheduled-hold:${pod.name}:${state}`))).trim();
    return value ? JSON.parse(value) : undefined;
  };
  const release = (pod: Pod) => env.redisCli('SET', redisKey(env, `fixture:release:scheduled-hold:${pod.name}`), '1');
  const nextMinute = { timeoutMs: 90000, intervalMs: 250 };

  test('schedule:work starts schedule:run at the minute boundary, in the same pod, and the task runs there', async () => {
    const [started] = await Promise.all([scheduler, bare].map((pod) => waitFor(`the task in ${pod.name}`, () => record(pod, 'started'), nextMinute)));
    expect(started.host).toBe(scheduler.name);
    const processes = await scheduler.container('schedule-work').processes();
    const cmdlines = processes.map((p) => p.cmdline);
    expect(cmdlines).toEqual(expect.arrayContaining([expect.stringMatching(/artisan schedule:work/), expect.stringMatching(/artisan schedule:run/)]));
    // The task runs in the schedule:run child, not in schedule:work itself.
    expect((await scheduler.exec('schedule-work', ['cat', SUPERVISION_FILES.scheduleWork])).stdout.trim()).not.toBe(String(started.pid));
    expect(await scheduler.probe('schedule-work', 'liveness')).toMatchObject({ ok: true });
  });

  test('deleting the pod: no new minute, schedule:interrupt, the running task finishes, then the container exits 0 within the grace period', async () => {
    expect(await record(scheduler, 'started')).toBeDefined();
    const terminating = scheduler.terminate();
    await waitFor('the scheduler to drain', () => scheduler.logs('schedule-work').includes('stopping: no new schedule:run'), { timeoutMs: 30000, intervalMs: 100 });
    // Draining on purpose passes liveness (schedule:work is frozen, so its own state would fail it).
    expect(await scheduler.probe('schedule-work', 'liveness')).toMatchObject({ ok: true });
    await waitFor('schedule:interrupt', async () => (await env.redisCli('-n', env.object('ConfigMap', 'laravel').data.REDIS_CACHE_DB ?? '1', '--scan', '--pattern', '*illuminate:schedule:interrupt')).trim() !== '', { timeoutMs: 30000, intervalMs: 200 });
    expect(scheduler.container('schedule-work').running).toBe(true);
    expect(await record(scheduler, 'finished')).toBeUndefined();
    await release(scheduler);
    const report = await terminating;

    expect(await record(scheduler, 'finished')).toMatchObject({ host: scheduler.name });
    const worker = report.containers['schedule-work'];
    expect(worker).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    expect(worker.exitedAt - report.startedAt).toBeLessThan(report.gracePeriodSeconds * 1000);
    expect(scheduler.logs('schedule-work')).toContain('every scheduled task has finished; exiting');
  });

  test('without the supervisor, schedule:work as PID 1 ignores the stop signal: SIGKILL at the end of the grace period ends the task mid-flight', async () => {
    expect(await record(bare, 'started')).toBeDefined();
    const report = await bare.terminate({ gracePeriodSeconds: 4 });
    expect(report.containers['schedule-work']).toMatchObject({ killed: true });
    expect(await record(bare, 'finished')).toBeUndefined();
  });
});

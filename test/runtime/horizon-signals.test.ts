/**
 * A Horizon pool's pod (`mode: horizon`), run for real against Redis. Horizon itself is not packaged in
 * Debian and Packagist is not reachable here, so `php artisan horizon` is the fixture's stand-in
 * (fixtures/laravel-app/app/Console/Commands/HorizonCommand.php) for Horizon's master process: it handles
 * signals exactly as Horizon's ListensForSignals does (SIGTERM terminate, SIGUSR1 restart, SIGUSR2 pause,
 * SIGCONT continue; no SIGQUIT), writes its heartbeat as RedisMasterSupervisorRepository::update does,
 * terminates as MasterSupervisor::terminate() does, and runs real `queue:work` workers with the
 * supervisor's options from config/horizon.php (the README's lines, fed by the pod's HORIZON_* variables).
 * It runs as PID 1 of the container's own PID namespace (the harness's `unshare --pid`), as in a pod.
 */
import { HORIZON_PRE_STOP } from '../../lib/laravel/process-supervision';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { LaravelEnvironment, redisKey, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

describeRuntime('Horizon: stopped by SIGTERM, judged by its own master', () => {
  let env: LaravelEnvironment;
  let prefix: string;

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
    prefix = env.object('ConfigMap', 'laravel').data.HORIZON_PREFIX;
  });
  afterAll(async () => env?.stop());
  // Jobs a case leaves queued (on purpose, or when it fails) must not reach the next case's worker.
  beforeEach(async () => env.redisCli('DEL', redisKey(env, 'queues:payments')));

  const deployment = () => JSON.parse(JSON.stringify(env.object('Deployment', 'worker-payments')));
  const dispatch = async (pod: Pod, token: string) => {
    expect(await pod.exec('worker', ['php', 'artisan', 'fixture:dispatch', 'hold', token, '--queue=payments'])).toMatchObject({ code: 0 });
  };
  const release = (token: string) => env.redisCli('SET', redisKey(env, `fixture:release:${token}`), '1');
  const record = async (token: string, state: 'started' | 'finished') => {
    const value = (await env.redisCli('GET', redisKey(env, `fixture:hold:${token}:${state}`))).trim();
    return value ? JSON.parse(value) : undefined;
  };
  const waitForRecord = (token: string, state: 'started' | 'finished') => waitFor(`job ${token} ${state}`, () => record(token, state), { timeoutMs: 60000, intervalMs: 200 });
  /** Names of the masters Horizon lists in Redis (`<prefix>masters`). */
  const masters = async () => (await env.redisCli('ZRANGE', `${prefix}masters`, '0', '-1')).split('\n').map((s) => s.trim()).filter(Boolean);
  const masterOf = async (pod: Pod) => waitFor(`the master of ${pod.name}`, async () => (await masters()).find((m) => m.startsWith(`${pod.name}-`)), { timeoutMs: 30000, intervalMs: 200 });

  test("the preStop's SIGTERM (Horizon's terminate) lets the job in flight finish; the master exits 0 before the image's SIGQUIT", async () => {
    const pod = await env.cluster.runPod(deployment());
    const master = await masterOf(pod);
    // The supervisor's settings reached Horizon's workers through config/horizon.php.
    const workers = (await pod.container('worker').processes()).filter((p) => p.cmdline.includes('queue:work'));
    expect(workers.length).toBeGreaterThanOrEqual(1);
    expect(workers[0].cmdline).toContain('--queue=payments,webhooks --timeout=120 --tries=5 --memory=256');

    await dispatch(pod, 'h-in-flight');
    const started = await waitForRecord('h-in-flight', 'started');
    await dispatch(pod, 'h-behind');
    const terminating = pod.terminate();
    // MasterSupervisor::terminate() forgets the master, then signals its workers (the stand-in logs after).
    await waitFor('Horizon to terminate', () => pod.logs('worker').includes('Horizon is terminating'), { timeoutMs: 30000, intervalMs: 100 });
    expect(await masters()).not.toContain(master);
    expect(await record('h-in-flight', 'finished')).toBeUndefined();
    await release('h-in-flight');
    const report = await terminating;

    expect(await record('h-in-flight', 'finished')).toEqual(started);
    const worker = report.containers.worker;
    expect(worker).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    // The master ended by itself during the preStop (which ends with it), not by the image's SIGQUIT after it.
    expect(worker.preStop).toBeDefined();
    expect(worker.exitedAt).toBeLessThanOrEqual(worker.preStop!.endedAt + 1000);
    expect(worker.exitedAt - report.startedAt).toBeLessThan(report.gracePeriodSeconds * 1000);
    expect(await record('h-behind', 'started')).toBeUndefined();
    expect(pod.containerSpec('worker').lifecycle.preStop.exec.command).toEqual(HORIZON_PRE_STOP);
  });

  test("without the preStop, the image's SIGQUIT never reaches Horizon as PID 1 (no handler): SIGKILL ends the job mid-flight", async () => {
    const previous = deployment();
    delete previous.spec.template.spec.containers[0].lifecycle;
    const pod = await env.cluster.runPod(previous);
    await masterOf(pod);
    await dispatch(pod, 'h-killed');
    await waitForRecord('h-killed', 'started');
    const report = await pod.terminate({ gracePeriodSeconds: 4 });
    expect(report.containers.worker.signalledAt).toBeDefined();
    expect(report.containers.worker.killed).toBe(true);
    expect(await record('h-killed', 'finished')).toBeUndefined();
  });

  test("liveness judges this pod's own master: it passes while Horizon is paused, and fails when this master stops even while another pod's master is alive", async () => {
    const pod = await env.cluster.runPod(deployment());
    try {
      const master = await masterOf(pod);
      expect(await pod.probe('worker', 'liveness')).toMatchObject({ ok: true });

      // SIGUSR2 is Horizon's pause (what `horizon:pause` asks every master for): the master keeps its heartbeat.
      await pod.container('worker').signal('SIGUSR2');
      await waitFor('the master to pause', async () => (await env.redisCli('HGET', `${prefix}master:${master}`, 'status')).trim() === 'paused', { timeoutMs: 30000, intervalMs: 200 });
      expect(await pod.probe('worker', 'liveness')).toMatchObject({ ok: true });

      // Another pod's master, alive: `horizon:status` would count it; this probe must not.
      const other = 'pembayaran-worker-payments-5d8f7c9b4-x2k9q-Ab12';
      await env.redisCli('HSET', `${prefix}master:${other}`, 'name', other, 'status', 'running');
      await env.redisCli('EXPIRE', `${prefix}master:${other}`, '600');
      await env.redisCli('ZADD', `${prefix}masters`, String(Math.floor(Date.now() / 1000) + 600), other);

      // This pod's master hangs (frozen from outside): its record expires, the probe fails.
      await pod.container('worker').signal('SIGSTOP');
      const failed = await waitFor('liveness to fail', async () => {
        const result = await pod.probe('worker', 'liveness');
        return result.ok ? undefined : result;
      }, { timeoutMs: 40000, intervalMs: 1000 });
      expect(failed.detail).toContain(`no live Horizon master of ${pod.name}`);
      expect(await masters()).toContain(other);

      await pod.container('worker').signal('SIGCONT');
      await waitFor('liveness to pass again', async () => (await pod.probe('worker', 'liveness')).ok, { timeoutMs: 30000, intervalMs: 500 });
    } finally {
      await pod.kill();
    }
  });
});

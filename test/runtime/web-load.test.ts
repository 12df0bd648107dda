/**
 * The web pod under load: readiness and liveness with every php-fpm child busy, and nginx sized to its
 * container (workers from its CPU, requests in progress bounded by its memory limit).
 */
import * as os from 'os';
import { DEFAULT_RESOURCES, PORTS, PROBES } from '../../lib/core/defaults';
import { memoryBytes, nginxMaxActiveRequests, nginxWorkerProcesses } from '../../lib/laravel/web-server-config';
import { holdConnections } from './harness/load';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { hostHeader, LaravelEnvironment, redisKey, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

describeRuntime('the web pod under load', () => {
  let env: LaravelEnvironment;
  let web: Pod;
  const fpmStatus = async (pod: Pod) => (await pod.debug(['curl', '-sS', `http://127.0.0.1:${PORTS.nginxLocalStatus}/fpm-status`])).stdout;

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
    web = await env.webPod();
  });
  afterAll(async () => env?.stop());

  test('with every php-fpm child busy on slow requests, liveness stays green and the pod stays ready', async () => {
    const children = env.config.web.phpFpm.maxChildren;
    const held = Array.from({ length: children + 4 }, () =>
      env.cluster.http({ url: `http://${web.ip}:8080/hold?key=saturate&max=90`, headers: hostHeader(env.config), timeoutSeconds: 120 }),
    );
    // The status listener answers while the pool is full: every child busy, the rest queued.
    const status = await waitFor('a saturated pool', async () => {
      const s = await fpmStatus(web);
      return /^active processes:\s+(\d+)/m.exec(s)?.[1] === String(children) && Number(/^listen queue:\s+(\d+)/m.exec(s)?.[1]) >= 1 ? s : undefined;
    }, { timeoutMs: 60000, intervalMs: 250 });
    expect(status).toMatch(/max children reached:\s+[1-9]/);

    // The saturation is real: the public route through the main pool gets no answer within a probe's timeout.
    const throughMainPool = await env.cluster.http({ url: `http://${web.ip}:8080${env.config.web.readinessPath}`, headers: hostHeader(env.config), timeoutSeconds: PROBES.readiness.timeoutSeconds });
    expect(throughMainPool.status).toBe(0);

    expect(await web.probe('php-fpm', 'liveness')).toMatchObject({ ok: true });
    expect(await web.probe('nginx', 'liveness')).toMatchObject({ ok: true });
    expect(await web.readiness()).toEqual({ 'php-fpm': expect.objectContaining({ ok: true }), nginx: expect.objectContaining({ ok: true }) });

    await env.redisCli('SET', redisKey(env, 'fixture:release:saturate'), '1');
    const responses = await Promise.all(held);
    expect(responses.map((r) => r.status)).toEqual(held.map(() => 200));
  });

  test("nginx runs one worker per CPU of its container (its limit, else its request), not of the node's", async () => {
    const resources = env.config.web.resources.nginx ?? DEFAULT_RESOURCES.nginx;
    const expected = nginxWorkerProcesses(resources);
    expect(expected).toBe(1);
    const processes = await web.container('nginx').processes();
    const workers = processes.filter((p) => p.cmdline.includes('worker process'));
    expect(workers).toHaveLength(expected);
    // `worker_processes auto` would have started one per CPU of this machine.
    expect(os.cpus().length).toBeGreaterThanOrEqual(expected);
    expect(env.object('ConfigMap', 'web-server').data['nginx.conf']).toContain(`worker_processes ${expected};`);
  });

  test('nginx stays under its memory limit with every request slot holding a large gzipped page for a slow client; the rest get 503', async () => {
    const resources = env.config.web.resources.nginx ?? DEFAULT_RESOURCES.nginx;
    const maxActive = nginxMaxActiveRequests(resources, nginxWorkerProcesses(resources));
    const limit = memoryBytes(resources.limits.memory);
    const before = await web.container('nginx').memory();
    // Waves, so the earlier pages are generated (php-fpm's children freed) before the next clients come.
    const clients = await holdConnections(env.cluster, {
      host: web.ip,
      port: PORTS.nginxHttp,
      path: '/large?kb=1024',
      headers: [`Host: ${env.config.laravel.host}`, 'Accept-Encoding: gzip'],
      count: maxActive + 40,
      batch: 10,
      pauseSeconds: 0.3,
    });
    try {
      expect(clients.summary.statuses).toEqual({ 200: maxActive, 503: 40 });
      const during = await web.container('nginx').memory();
      expect(during.rssKb - before.rssKb).toBeGreaterThan((maxActive * 128) / 2);
      expect(during.rssKb * 1024).toBeLessThan(limit);
      // Liveness has request slots of its own: a full server is busy, not dead.
      expect(await web.probe('nginx', 'liveness')).toMatchObject({ ok: true });
      expect(await web.probe('nginx', 'readiness')).toMatchObject({ ok: true });
    } finally {
      await clients.close();
    }
  });
});

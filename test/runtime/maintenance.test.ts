/**
 * Maintenance mode across pods: `php artisan down` in one web pod takes every pod down (the flag lives
 * in Redis: APP_MAINTENANCE_DRIVER=cache, APP_MAINTENANCE_STORE=redis), while Laravel's health route
 * keeps every pod ready (so the edge shows the app's 503 page, not its own), with routes cached.
 */
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

describeRuntime('maintenance mode is cluster-wide', () => {
  let env: LaravelEnvironment;
  let a: Pod;
  let b: Pod;
  const get = (pod: Pod, urlPath: string) => env.cluster.http({ url: `http://${pod.ip}:8080${urlPath}`, headers: hostHeader(env.config) });

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
    [a, b] = await Promise.all([env.webPod(), env.webPod()]);
  });
  afterAll(async () => env?.stop());

  test('the generated settings use the cache driver on the shared Redis store', () => {
    expect(env.object('ConfigMap', 'laravel').data).toMatchObject({ APP_MAINTENANCE_DRIVER: 'cache', APP_MAINTENANCE_STORE: 'redis', CACHE_STORE: 'redis' });
  });

  test('down in one pod: every pod answers 503, stays ready, and /up stays 200 under route:cache; up in another pod lifts it', async () => {
    for (const pod of [a, b]) {
      const seen = JSON.parse((await get(pod, '/x')).text);
      expect(seen).toMatchObject({ routes_cached: true, config_cached: true, maintenance_driver: 'cache' });
    }
    const down = await a.exec('php-fpm', ['php', 'artisan', 'down', '--retry=60']);
    expect([down.code, down.stdout]).toEqual([0, expect.stringContaining('Application is now in maintenance mode.')]);

    for (const pod of [a, b]) {
      const page = await get(pod, '/');
      expect(page.status).toBe(503);
      expect(page.headers['retry-after']).toBe('60');
      expect((await get(pod, env.config.web.readinessPath)).status).toBe(200);
      expect(await pod.isReady()).toBe(true);
    }

    const up = await b.exec('php-fpm', ['php', 'artisan', 'up']);
    expect([up.code, up.stdout]).toEqual([0, expect.stringContaining('Application is now live.')]);
    for (const pod of [a, b]) expect((await get(pod, '/')).status).toBe(200);
  });

  test("with the file driver (Laravel's default) the same `down` marks only the pod it ran in", async () => {
    const fileDriver = { '*': { APP_MAINTENANCE_DRIVER: 'file' } };
    const [c, d] = await Promise.all([env.webPod({ env: fileDriver }), env.webPod({ env: fileDriver })]);
    try {
      expect((await c.exec('php-fpm', ['php', 'artisan', 'down'])).code).toBe(0);
      expect((await get(c, '/')).status).toBe(503);
      expect((await get(d, '/')).status).toBe(200);
    } finally {
      await Promise.all([c.kill(), d.kill()]);
    }
  });
});

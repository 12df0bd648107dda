/**
 * The web pod as synthesized, run for real: the generated nginx.conf and php-fpm pool on Debian's nginx
 * and php-fpm, the `prepare` init container's artisan caches on the Laravel fixture, Redis with the
 * secret's password, unprivileged, with only the pod's volumes writable.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PORTS } from '../../lib/core/defaults';
import { HEADERS_NOT_PASSED_TO_PHP } from '../../lib/laravel/web-server-config';
import { LARAVEL_CACHE_VARIABLES } from '../../lib/laravel/laravel-settings';
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { LARAVEL_FIXTURE } from './harness/images';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

const SECURITY_HEADERS = ['x-frame-options', 'x-content-type-options', 'referrer-policy', 'permissions-policy', 'strict-transport-security'];

describeRuntime('the web pod of production, run for real', () => {
  let env: LaravelEnvironment;
  let web: Pod;
  const get = (urlPath: string, extra: { headers?: Record<string, string>; gzip?: boolean; port?: number } = {}) =>
    env.cluster.http({ url: `http://${web.ip}:${extra.port ?? PORTS.nginxHttp}${urlPath}`, headers: { ...hostHeader(env.config), ...extra.headers }, gzip: extra.gzip });

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
    web = await env.webPod();
  });
  afterAll(async () => env?.stop());

  describe('configuration and start-up', () => {
    test('nginx -t and php-fpm -t accept the generated configs; php-fpm runs the generated pools', async () => {
      const nginxTest = await web.exec('nginx', ['nginx', '-t']);
      expect(nginxTest.stderr).toContain('test is successful');
      expect(nginxTest.code).toBe(0);
      const fpmTest = await web.exec('php-fpm', ['php-fpm', '-t']);
      expect(fpmTest.stderr).toContain('test is successful');
      expect(fpmTest.code).toBe(0);
      // -tt prints the configuration php-fpm ended up with, image files and ours merged.
      const dump = (await web.exec('php-fpm', ['php-fpm', '-tt'])).stderr;
      expect(dump).toMatch(/\[www\][\s\S]*listen = 127\.0\.0\.1:9000/);
      expect(dump).toMatch(/\[health\][\s\S]*listen = 127\.0\.0\.1:9001/);
      expect(dump).not.toMatch(/listen = 9000\b/);
    });

    test('the prepare init container ran to completion: storage tree, every artisan cache, public/ with the storage link', () => {
      const volumes = path.join(web.dir, 'volumes');
      const caches = fs.readdirSync(path.join(volumes, 'bootstrap-cache')).sort();
      for (const variable of ['APP_CONFIG_CACHE', 'APP_ROUTES_CACHE', 'APP_EVENTS_CACHE', 'APP_SERVICES_CACHE', 'APP_PACKAGES_CACHE']) {
        expect(caches).toContain(path.basename(LARAVEL_CACHE_VARIABLES[variable]));
      }
      expect(fs.readdirSync(path.join(volumes, 'storage', 'framework', 'views')).length).toBeGreaterThan(0);
      for (const dir of ['app/public', 'framework/cache/data', 'framework/sessions', 'logs']) expect(fs.existsSync(path.join(volumes, 'storage', dir))).toBe(true);
      expect(fs.readFileSync(path.join(volumes, 'public', 'build', 'manifest.json'), 'utf8')).toContain('assets/app-4f9c2a1b.js');
      expect(fs.readlinkSync(path.join(volumes, 'public', 'storage'))).toBe('/var/www/html/storage/app/public');
      expect(web.logs('prepare')).toMatch(/Configuration cached successfully[\s\S]*Routes cached successfully[\s\S]*Blade templates cached successfully[\s\S]*Events cached successfully/);
    });

    test('the app reads the cached config and routes: a variable changed after caching is not seen', async () => {
      const changed = await env.webPod({ env: { 'php-fpm': { APP_NAME: 'changed-after-caching' } } });
      try {
        const seen = JSON.parse((await env.cluster.http({ url: `http://${changed.ip}:8080/x`, headers: hostHeader(env.config) })).text);
        expect(seen.env_app_name).toBe('changed-after-caching');
        expect(seen.app_name).toBe('pembayaran');
        expect(seen).toMatchObject({
          config_cached: true,
          routes_cached: true,
          events_cached: true,
          config_cache_path: LARAVEL_CACHE_VARIABLES.APP_CONFIG_CACHE,
          routes_cache_path: LARAVEL_CACHE_VARIABLES.APP_ROUTES_CACHE,
          events_cache_path: LARAVEL_CACHE_VARIABLES.APP_EVENTS_CACHE,
          view_compiled_path: LARAVEL_CACHE_VARIABLES.VIEW_COMPILED_PATH,
        });
      } finally {
        await changed.kill();
      }
    });

    test('the containers run as the pod user with only their volumes writable', async () => {
      const write = async (container: string, file: string) => (await web.exec(container, ['/bin/sh', '-c', `: > ${file}`])).code === 0;
      expect((await web.exec('php-fpm', ['id', '-u'])).stdout.trim()).toBe('10001');
      expect((await web.exec('php-fpm', ['id', '-G'])).stdout.trim().split(' ')).toContain('10001');
      expect(await write('php-fpm', '/var/www/html/routes/x.php')).toBe(false);
      expect(await write('php-fpm', '/var/www/html/public/x.php')).toBe(false);
      expect(await write('php-fpm', '/etc/x')).toBe(false);
      expect(await write('php-fpm', '/usr/local/etc/php-fpm.d/x.conf')).toBe(false);
      expect(await write('php-fpm', '/var/www/html/storage/logs/ok')).toBe(true);
      expect(await write('php-fpm', '/var/www/html/bootstrap/cache/ok')).toBe(true);
      expect(await write('php-fpm', '/tmp/ok')).toBe(true);
      expect(await write('nginx', '/var/www/html/public/x.php')).toBe(false);
      expect(await write('nginx', '/var/www/html/storage/app/public/x.php')).toBe(false);
      expect(await write('nginx', '/etc/nginx/nginx.conf')).toBe(false);
      expect(await write('nginx', '/tmp/ok')).toBe(true);
      // No capability survives the user change.
      expect((await web.exec('nginx', ['grep', 'CapEff', '/proc/self/status'])).stdout).toMatch(/CapEff:\s+0+\n/);
    });
  });

  describe('through nginx on 8080', () => {
    test("/up, the home page (through the web group's Redis session) and a built asset with its cache headers", async () => {
      expect((await get('/up')).status).toBe(200);
      const home = await get('/');
      expect(home.status).toBe(200);
      expect(home.text).toContain('pembayaran payments');
      expect(home.headers['set-cookie']).toMatch(/secure; httponly; samesite=lax/i);
      const asset = await get('/build/assets/app-4f9c2a1b.js');
      expect(asset.status).toBe(200);
      expect(asset.text).toBe(fs.readFileSync(path.join(LARAVEL_FIXTURE, 'public/build/assets/app-4f9c2a1b.js'), 'utf8'));
      expect(asset.headers['cache-control']).toContain('public, immutable');
      expect(asset.headers['cache-control']).toContain('max-age=31536000');
      expect((await get('/build/assets/missing-0000.js')).status).toBe(404);
    });

    test('/storage/... is served through the public/storage link from the storage volume', async () => {
      expect((await web.exec('php-fpm', ['/bin/sh', '-c', 'echo uploaded-receipt > storage/app/public/receipt.txt'])).code).toBe(0);
      const file = await get('/storage/receipt.txt');
      expect(file.status).toBe(200);
      expect(file.text).toBe('uploaded-receipt\n');
    });

    test('dotfiles are denied; /.well-known/ is served', async () => {
      for (const dotfile of ['/.hidden', '/.env', '/.git/config', '/build/.secret', '/storage/.htaccess']) {
        const response = await get(dotfile);
        expect([dotfile, response.status]).toEqual([dotfile, 403]);
      }
      const wellKnown = await get('/.well-known/security.txt');
      expect(wellKnown.status).toBe(200);
      expect(wellKnown.text).toContain('Contact: mailto:security@pembayaran.example.com');
    });

    test('no PHP file other than the front controller runs, path tricks included', async () => {
      // A "picture" that is PHP, uploaded to the public disk, and a stray PHP file there.
      await web.exec('php-fpm', ['/bin/sh', '-c', "printf '<?php echo \"UPLOAD\" . \"ED PHP RAN\";' > storage/app/public/avatar.jpg && cp storage/app/public/avatar.jpg storage/app/public/evil.php"]);
      const tricks = [
        '/info.php',
        '/info.php/',
        '/INFO.PHP',
        '/index.php/../info.php',
        '/./info.php',
        '/info.php%00.jpg',
        '/info.php/x.jpg',
        '/build/../info.php',
        '/storage/evil.php',
        '/storage/avatar.jpg/x.php',
        '/storage/avatar.jpg/index.php',
        '/index.php/info.php',
      ];
      for (const trick of tricks) {
        const response = await get(trick);
        expect([trick, response.text]).not.toEqual([trick, expect.stringMatching(/STRAY PHP RAN|UPLOADED PHP RAN/)]);
        expect([trick, response.status]).toEqual([trick, expect.any(Number)]);
        expect([trick, [400, 403, 404].includes(response.status)]).toEqual([trick, true]);
      }
      // The upload is a file to nginx, never a script.
      const picture = await get('/storage/avatar.jpg');
      expect(picture.status).toBe(200);
      expect(picture.text).toContain('<?php');
      expect(picture.headers['content-type']).toBe('image/jpeg');
    });

    test('security headers on application and nginx responses, errors included', async () => {
      for (const urlPath of ['/', '/x', '/robots.txt', '/build/assets/app-7d3e8c05.css', '/info.php', '/.hidden', '/nginx-health', '/no-such-page']) {
        const response = await get(urlPath);
        for (const header of SECURITY_HEADERS) expect([urlPath, header, response.headers[header]]).toEqual([urlPath, header, expect.any(String)]);
        expect(response.headers['x-powered-by']).toBeUndefined();
        expect(response.headers.server).toBe('nginx');
      }
    });

    test('gzip for large text responses, from PHP and from disk; not for small ones', async () => {
      const page = await get('/', { gzip: true });
      expect(page.headers['content-encoding']).toBe('gzip');
      expect(page.headers.vary).toMatch(/Accept-Encoding/);
      expect(require('zlib').gunzipSync(page.body).toString()).toContain('pembayaran payments');
      expect((await get('/build/assets/app-4f9c2a1b.js', { gzip: true })).headers['content-encoding']).toBe('gzip');
      expect((await get('/robots.txt', { gzip: true })).headers['content-encoding']).toBeUndefined();
    });

    test('the body-size limit: nginx refuses a larger upload with 413 before PHP sees it', async () => {
      const limit = env.config.web.clientMaxBodySize;
      expect(limit).toBe('20m');
      const upload = (bytes: number) => env.cluster.http({ url: `http://${web.ip}:8080/upload`, method: 'POST', headers: hostHeader(env.config), body: Buffer.alloc(bytes, 'a') });
      const small = await upload(1024 * 1024);
      expect(small.status).toBe(200);
      expect(small.text).toBe(`received ${1024 * 1024}\n`);
      expect((await upload(21 * 1024 * 1024)).status).toBe(413);
    });

    test('PHP never sees forwarded headers, only nginx’s decision (REMOTE_ADDR, HTTPS)', async () => {
      const headers = Object.fromEntries(HEADERS_NOT_PASSED_TO_PHP.map((h) => [h, h === 'Forwarded' ? 'for=198.51.100.7;proto=https' : '198.51.100.7']));
      headers['X-Forwarded-Proto'] = 'https';
      const seen = JSON.parse((await get('/x', { headers })).text);
      expect(seen.forwarded_headers).toEqual([]);
      // The node's address is inside the trusted 10.0.0.0/8: nginx took the client and the scheme from it.
      expect(seen).toMatchObject({ remote_addr: '198.51.100.7', https: 'on', secure: true });
    });
  });

  describe('what stays inside the pod', () => {
    test('/nginx-health answers by nginx alone; status and ping only on loopback, not on the public server', async () => {
      const health = await get('/nginx-health');
      expect([health.status, health.text]).toEqual([200, 'ok\n']);
      expect(await env.cluster.network.canConnect(web.ip, PORTS.nginxLocalStatus)).toBe(false);
      const inPod = async (urlPath: string) => (await web.debug(['curl', '-sS', `http://127.0.0.1:${PORTS.nginxLocalStatus}${urlPath}`])).stdout;
      const status = await inPod('/fpm-status');
      expect(status).toMatch(/pool:\s+www[\s\S]*max children reached/);
      // The status listener answers it: no child of the main pool is busy with the scrape itself.
      expect(status).toMatch(/^active processes:\s+0$/m);
      expect(await inPod('/fpm-ping')).toBe('pong');
      expect(await inPod('/nginx-status')).toContain('Active connections');
      for (const urlPath of ['/fpm-status', '/fpm-ping', '/nginx-status']) {
        const response = await get(urlPath);
        expect([urlPath, response.status]).toEqual([urlPath, 404]);
        expect(response.text).not.toMatch(/pool:|pong|Active connections/);
      }
    });

    test('FastCGI is not reachable from outside the pod: the pod IP refuses 9000 (and the health and status pools)', async () => {
      for (const port of [PORTS.phpFpm, PORTS.phpFpmHealth, PORTS.phpFpmStatus]) {
        expect([port, await env.cluster.network.canConnect(web.ip, port)]).toEqual([port, false]);
        // ... while inside the pod they answer, on loopback only.
        const local = await web.debug(['/usr/bin/python3', '-c', `import socket; socket.create_connection(('127.0.0.1', ${port}), 2)`]);
        expect([port, local.code]).toEqual([port, 0]);
      }
      // The php-fpm container's probes still work: a FastCGI ping answered by its health pool.
      for (const kind of ['startup', 'readiness', 'liveness'] as const) expect(await web.probe('php-fpm', kind)).toMatchObject({ ok: true });
      expect(await web.isReady()).toBe(true);
    });

    test('the health port serves only the health route, on the health pool', async () => {
      const up = await get(env.config.web.readinessPath, { port: PORTS.nginxHealth });
      expect(up.status).toBe(200);
      expect(up.text).toContain('Application up');
      for (const urlPath of ['/', '/x', '/index.php', '/build/assets/app-4f9c2a1b.js']) {
        expect([urlPath, (await get(urlPath, { port: PORTS.nginxHealth })).status]).toEqual([urlPath, 404]);
      }
    });

    test("nginx's liveness does not depend on php-fpm: with php-fpm gone, /nginx-health still answers", async () => {
      const pod = await env.webPod();
      try {
        await pod.container('php-fpm').signal('SIGKILL');
        await pod.container('php-fpm').daemon.exited;
        expect(await pod.probe('nginx', 'liveness')).toMatchObject({ ok: true });
        expect((await pod.readiness()).nginx.ok).toBe(false);
        expect((await env.cluster.http({ url: `http://${pod.ip}:8080/up`, headers: hostHeader(env.config) })).status).toBe(502);
      } finally {
        await pod.kill();
      }
    });
  });
});

describeRuntime('the web pod of staging, run for real', () => {
  let env: LaravelEnvironment;
  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'staging' });
  });
  afterAll(async () => env?.stop());

  test('starts, is ready and serves the app with its own settings', async () => {
    const web = await env.webPod();
    expect(await web.isReady()).toBe(true);
    const seen = JSON.parse((await env.cluster.http({ url: `http://${web.ip}:8080/x`, headers: hostHeader(env.config) })).text);
    expect(seen.url).toBe(`http://${env.config.laravel.host}/x`);
    expect(seen.config_cached).toBe(true);
  });
});

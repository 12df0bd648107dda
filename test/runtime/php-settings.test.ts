/**
 * The php.ini settings of web.php, as the real php-fpm reports them: the fixture's /php-settings route
 * answers with ini_get(), opcache_get_configuration() and opcache_get_status() from inside a request, so
 * the file, its mount into the image's conf.d and its precedence over the image's own settings are all
 * proved at once. The stand-in scans /usr/local/etc/php/conf.d as the official image's PHP does.
 */
import { requestTimeoutChain } from '../../lib/laravel/request-timeouts';
import { MIN_PHP_MEMORY_LIMIT_MIB, PHP_INI_DIR, PHP_INI_FILE } from '../../lib/laravel/php-settings';
import { describeRuntime } from './harness/preflight';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

const MIB = 1024 * 1024;

async function phpSettings(env: LaravelEnvironment, ip: string): Promise<any> {
  const response = await env.cluster.http({ url: `http://${ip}:8080/php-settings`, headers: hostHeader(env.config) });
  expect(response.status).toBe(200);
  return JSON.parse(response.text);
}

describeRuntime('PHP settings from web.php, as php-fpm reports them', () => {
  describe('production: the defaults', () => {
    let env: LaravelEnvironment;
    beforeAll(async () => {
      env = await startLaravelEnvironment({ environment: 'production' });
    });
    afterAll(async () => env?.stop());

    test('memory_limit is the container limit less OPcache, shared among the children; limits follow the timeout chain and the body size', async () => {
      const web = await env.webPod();
      const reported = await phpSettings(env, web.ip);
      expect(reported.sapi).toBe('fpm-fcgi');
      expect(reported.scanned_files).toContain(`${PHP_INI_DIR}/${PHP_INI_FILE}`);
      // production.yaml: php limit 768Mi, 16 + 2 (health pool) children, 128 MiB OPcache: (768 - 128) / 18 = 35.
      expect(reported.ini.memory_limit).toBe('35M');
      const chain = requestTimeoutChain(env.config.web.requestTimeoutSeconds);
      expect(reported.ini.max_execution_time).toBe(String(chain.application));
      expect(reported.ini.max_input_time).toBe(String(chain.application));
      // nginx's client_max_body_size (20m): a body nginx accepts is not dropped by PHP's 8M default.
      expect(reported.ini.post_max_size).toBe('20M');
      expect(reported.ini.upload_max_filesize).toBe('20M');
      expect(reported.ini.expose_php).toBe('');
      expect(reported.ini.display_errors).toBe('Off');
      expect(reported.ini['zend.assertions']).toBe('-1');
    });

    test('OPcache is on, never checks timestamps, and the JIT is off', async () => {
      const web = await env.webPod();
      const reported = await phpSettings(env, web.ip);
      expect(reported.opcache_enabled).toBe(true);
      const directives = reported.opcache_directives;
      expect(directives['opcache.enable']).toBe(true);
      expect(directives['opcache.validate_timestamps']).toBe(false);
      expect(directives['opcache.memory_consumption']).toBe(128 * MIB);
      expect(directives['opcache.interned_strings_buffer']).toBe(16);
      expect(directives['opcache.max_accelerated_files']).toBeGreaterThanOrEqual(20000);
      expect(directives['opcache.jit']).toBe('disable');
      expect(directives['opcache.jit_buffer_size']).toBe(0);
      expect(reported.jit).toMatchObject({ enabled: false, on: false });
      // The floor the config checks keep memory_limit above is more than a request of the framework needs.
      expect(reported.peak_memory).toBeLessThan(MIN_PHP_MEMORY_LIMIT_MIB * MIB);
    });

    test('the ini file is mounted read-only, and a request past memory_limit ends that request, not the pod', async () => {
      const web = await env.webPod();
      const mounts = await web.exec('php-fpm', ['cat', '/proc/self/mounts']);
      const iniMount = mounts.stdout.split('\n').find((line) => line.split(' ')[1] === `${PHP_INI_DIR}/${PHP_INI_FILE}`);
      expect(iniMount?.split(' ')[3].split(',')).toContain('ro');
      const write = await web.exec('php-fpm', ['/bin/sh', '-c', `echo memory_limit=-1 >> ${PHP_INI_DIR}/${PHP_INI_FILE}`]);
      expect(write.code).not.toBe(0);
      const tooMuch = await env.cluster.http({ url: `http://${web.ip}:8080/allocate?mib=64`, headers: hostHeader(env.config) });
      expect(tooMuch.status).toBe(500);
      expect(web.logs('php-fpm')).toMatch(/Allowed memory size of 36700160 bytes exhausted/);
      const fits = await env.cluster.http({ url: `http://${web.ip}:8080/allocate?mib=8`, headers: hostHeader(env.config) });
      expect(fits.status).toBe(200);
      expect(await web.probe('php-fpm', 'liveness')).toMatchObject({ ok: true });
    });
  });

  describe('staging with the JIT on and an explicit memory_limit', () => {
    let env: LaravelEnvironment;
    beforeAll(async () => {
      env = await startLaravelEnvironment({
        environment: 'staging',
        change: (doc) => {
          doc.web.php = { memoryLimit: '20M', opcache: { jit: 'tracing', jitBufferSize: 32, memoryConsumption: 64 }, ini: { 'date.timezone': 'Asia/Jakarta' } };
        },
      });
    });
    afterAll(async () => env?.stop());

    test('PHP reports the configured values', async () => {
      const web = await env.webPod();
      const reported = await phpSettings(env, web.ip);
      expect(reported.ini.memory_limit).toBe('20M');
      expect(reported.opcache_directives['opcache.jit']).toBe('tracing');
      expect(reported.opcache_directives['opcache.jit_buffer_size']).toBe(32 * MIB);
      expect(reported.opcache_directives['opcache.memory_consumption']).toBe(64 * MIB);
      expect(reported.jit).toMatchObject({ enabled: true, on: true });
      // PHP reserves a few bytes of the buffer for itself.
      expect(reported.jit.buffer_size).toBeGreaterThan(31 * MIB);
      const tz = await web.exec('php-fpm', ['php', '-r', 'echo ini_get("date.timezone");']);
      expect(tz.stdout).toBe('Asia/Jakarta');
    });
  });
});

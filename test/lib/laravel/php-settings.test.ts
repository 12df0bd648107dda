import { parseEnvironment } from '../../../lib/config/load';
import { requestTimeoutChain } from '../../../lib/laravel/request-timeouts';
import { MIN_PHP_MEMORY_LIMIT_MIB, PHP_INI_DIR, PHP_INI_FILE, phpMemoryLimitMib, renderPhpIni } from '../../../lib/laravel/php-settings';
import { container, find, objectsOf, podSpecOf, rejectionsOf, shippedConfig, shippedObjects, PHP_FPM_ENVIRONMENTS, withChanges } from '../../helpers';

/** The directives of a rendered ini file, name -> value. */
function directives(ini: string): Record<string, string> {
  return Object.fromEntries(
    ini
      .split('\n')
      .filter((l) => l && !l.startsWith(';'))
      .map((l) => l.split(' = ') as [string, string]),
  );
}

const problemsOf = (env: string, change: (d: any) => void) => rejectionsOf(`config/${env}.yaml`, withChanges(env, change)).map((p) => `${p.path}: ${p.message}`);

// The sandbox's Octane web tier: test/lib/laravel/octane.test.ts.
describe.each(PHP_FPM_ENVIRONMENTS)('php.ini of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const ini = directives(find(objects, 'ConfigMap', 'pembayaran-web-server').data[PHP_INI_FILE]);

  test("is mounted read-only into the image's conf.d of the php-fpm container, from the ConfigMap that rolls the pods", () => {
    const php = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-web')), 'php-fpm');
    const mount = php.volumeMounts.find((m: any) => m.mountPath === `${PHP_INI_DIR}/${PHP_INI_FILE}`);
    expect(mount).toEqual({ name: 'web-server-config', mountPath: '/usr/local/etc/php/conf.d/zz-pembayaran.ini', subPath: PHP_INI_FILE, readOnly: true });
  });

  test('memory_limit x every php-fpm child + OPcache fits the php container; limits follow the timeout chain and the body size', () => {
    const limitMib = Number(ini.memory_limit.replace(/M$/, ''));
    const containerMib = Number(config.web.resources.php?.limits.memory.replace(/Mi$/, '') ?? 512);
    const children = config.web.phpFpm.maxChildren + 2;
    expect(limitMib * children + Number(ini['opcache.memory_consumption'])).toBeLessThanOrEqual(containerMib);
    expect(limitMib).toBeGreaterThanOrEqual(MIN_PHP_MEMORY_LIMIT_MIB);
    const chain = requestTimeoutChain(config.web.requestTimeoutSeconds);
    expect(ini.max_execution_time).toBe(String(chain.application));
    expect(ini.max_input_time).toBe(String(chain.application));
    expect(ini.post_max_size).toBe(config.web.clientMaxBodySize.toUpperCase());
    expect(ini.upload_max_filesize).toBe(config.web.clientMaxBodySize.toUpperCase());
  });

  test('OPcache on, timestamps never validated, JIT off; errors logged, never shown; CLI without OPcache', () => {
    expect(ini).toMatchObject({
      'opcache.enable': '1',
      'opcache.enable_cli': '0',
      'opcache.validate_timestamps': '0',
      'opcache.jit': 'disable',
      'opcache.jit_buffer_size': '0',
      display_errors: 'Off',
      log_errors: 'On',
      expose_php: 'Off',
    });
  });
});

describe('web.php settings', () => {
  test('production: memory_limit is (768 MiB - 128 MiB OPcache) / (16 + 2) children = 35M', () => {
    const config = shippedConfig('production');
    expect(phpMemoryLimitMib(config.web.php, { processes: 18, containerMemoryLimit: '768Mi' })).toBe(35);
  });

  test('configured values are rendered; extra directives are added and may replace the fixed ones', () => {
    const config = parseEnvironment(
      'config/staging.yaml',
      withChanges('staging', (d) => {
        d.web.php = { memoryLimit: '18M', opcache: { jit: 'tracing', jitBufferSize: 32, maxAcceleratedFiles: 40000 }, ini: { 'date.timezone': 'Asia/Jakarta', expose_php: 'On' } };
      }),
    );
    const ini = directives(find(objectsOf(config), 'ConfigMap', 'pembayaran-web-server').data[PHP_INI_FILE]);
    expect(ini).toMatchObject({ memory_limit: '18M', 'opcache.jit': 'tracing', 'opcache.jit_buffer_size': '32M', 'opcache.max_accelerated_files': '40000', 'date.timezone': 'Asia/Jakarta', expose_php: 'On' });
    // One line per directive: a replaced one is not written twice.
    expect(renderPhpIni({ settings: config.web.php, budget: { processes: 18, containerMemoryLimit: '512Mi' }, maxExecutionSeconds: 60, maxBodySize: '20m' }).match(/^expose_php/gm)).toHaveLength(1);
  });

  test('refuses memory_limit x children + OPcache above the container limit, with the key path and the largest that fits', () => {
    expect(problemsOf('production', (d) => (d.web.php = { memoryLimit: '64M' }))).toEqual([
      "web.php.memoryLimit: is 64M; 18 PHP processes at 64M plus 128 MiB OPcache shared memory is 1280 MiB, above the container's memory limit 768Mi (768 MiB), so the kernel would kill the container with every request in it: lower it to at most 35M, or raise the limit",
    ]);
    // The JIT's buffer counts too.
    expect(problemsOf('production', (d) => (d.web.php = { memoryLimit: '35M', opcache: { jit: 'tracing' } }))[0]).toMatch(/^web\.php\.memoryLimit: is 35M; 18 PHP processes at 35M plus 192 MiB OPcache/);
  });

  test('refuses a default memory_limit too small to serve, naming what to change', () => {
    expect(problemsOf('staging', (d) => (d.web.phpFpm = { maxChildren: 64, startServers: 4, minSpareServers: 2, maxSpareServers: 6 }))).toEqual([
      expect.stringMatching(/^web\.php\.memoryLimit: is left to the default, \(512 MiB container limit - 128 MiB OPcache\) \/ 66 PHP processes = 5M, below the 16M PHP needs/),
    ]);
  });

  test('production refuses validated timestamps; staging may validate them', () => {
    expect(problemsOf('production', (d) => (d.web.php = { opcache: { validateTimestamps: true } }))).toEqual([
      'web.php.opcache.validateTimestamps: is true; the code in an image never changes, and checking timestamps costs a stat per file on every request: production sets false',
    ]);
    expect(parseEnvironment('config/staging.yaml', withChanges('staging', (d) => (d.web.php = { opcache: { validateTimestamps: true } })))).toBeDefined();
  });

  test('refuses in web.php.ini the directives other keys set, and malformed names or values', () => {
    expect(problemsOf('staging', (d) => (d.web.php = { ini: { memory_limit: '1G', max_execution_time: '0', 'opcache.jit': 'tracing' } }))).toEqual([
      'web.php.ini.memory_limit: is set from web.php.memoryLimit; set it there, so the checks that depend on it see it',
      'web.php.ini.max_execution_time: is set from web.requestTimeoutSeconds; set it there, so the checks that depend on it see it',
      'web.php.ini["opcache.jit"]: is set from web.php.opcache.jit; set it there, so the checks that depend on it see it',
    ]);
    expect(problemsOf('staging', (d) => (d.web.php = { ini: { 'date.timezone': 'UTC\nmemory_limit = -1' } }))[0]).toMatch(/^web\.php\.ini\["date\.timezone"\]: expected a value matching/);
    expect(problemsOf('staging', (d) => (d.web.php = { ini: { 'Bad Name': '1' } }))[0]).toMatch(/^web\.php\.ini/);
  });
});

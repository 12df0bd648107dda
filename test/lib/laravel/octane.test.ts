/**
 * web.runtime octane. Octane, FrankenPHP, RoadRunner and Swoole are not installable on this machine (no
 * Packagist, no frankenphp or rr binary, no swoole extension), so no runtime test runs them: these tests
 * check the manifests (what the pod runs, probes, shutdown, php.ini, the Service, policies and alerts
 * that follow the runtime) and the refusals. The php.ini file itself is proved on real PHP by
 * test/runtime/php-settings.test.ts.
 */
import { App, Chart } from 'cdk8s';
import { parseEnvironment } from '../../../lib/config/load';
import { OCTANE_CONTAINER } from '../../../lib/laravel/laravel-web';
import { OCTANE_PORT, OCTANE_SERVERS } from '../../../lib/laravel/octane-servers';
import { PHP_INI_FILE } from '../../../lib/laravel/php-settings';
import { requestTimeoutChain } from '../../../lib/laravel/request-timeouts';
import { PembayaranStack } from '../../../lib';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { container, find, gateFindings, K8sObject, objectsOf, podSpecOf, rejectionsOf, shippedConfig, withChanges } from '../../helpers';

const octaneConfig = (change: (d: any) => void = () => undefined) =>
  parseEnvironment(
    'config/production.yaml',
    withChanges('production', (d) => {
      d.web.runtime = 'octane';
      // Production's KEDA trigger reads php-fpm; Octane scales on CPU.
      delete d.web.autoscaling.phpFpm;
      change(d);
    }),
  );

const iniOf = (objects: K8sObject[]) =>
  Object.fromEntries(
    find(objects, 'ConfigMap', 'pembayaran-web-server')
      .data[PHP_INI_FILE].split('\n')
      .filter((l: string) => l && !l.startsWith(';'))
      .map((l: string) => l.split(' = ')),
  );

// Production switched to Octane, and the shipped sandbox, which runs it; with each one's php.ini memory_limit:
// (container memory limit - 128 MiB OPcache) / 4 workers.
const OCTANE_ENVIRONMENTS: Array<[string, EnvironmentConfig, string]> = [
  ['production switched to octane', octaneConfig(), '160M'],
  ['the shipped sandbox', shippedConfig('sandbox'), '224M'],
];

describe.each(OCTANE_ENVIRONMENTS)('web.runtime octane (FrankenPHP by default): %s', (_name, config, memoryLimit) => {
  const objects = objectsOf(config);
  const deployment = find(objects, 'Deployment', 'pembayaran-web');
  const spec = podSpecOf(deployment);
  const octane = container(spec, OCTANE_CONTAINER);
  const chain = requestTimeoutChain(config.web.requestTimeoutSeconds);

  test('one container runs octane:start on every address of the pod, with the port, workers and max requests from config', () => {
    expect(spec.containers.map((c: any) => c.name)).toEqual([OCTANE_CONTAINER]);
    expect(octane.image).toBe(`${config.laravel.image.repository}:${config.laravel.image.tag}`);
    expect(octane.command).toEqual(['php', 'artisan', 'octane:start', '--server=frankenphp', '--host=0.0.0.0', `--port=${OCTANE_PORT}`, '--workers=4', '--max-requests=500']);
    expect(octane.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    // Caddy's state goes to the writable /tmp volume, not the read-only root.
    expect(octane.env).toEqual(expect.arrayContaining([{ name: 'XDG_CONFIG_HOME', value: '/tmp/caddy/config' }, { name: 'XDG_DATA_HOME', value: '/tmp/caddy/data' }]));
  });

  test("readiness is Laravel's health route through the server, with the public host; liveness is the server's own status", () => {
    const health = { path: config.web.readinessPath, port: 'http', httpHeaders: [{ name: 'Host', value: config.laravel.host }] };
    expect(octane.readinessProbe.httpGet).toEqual(health);
    expect(octane.startupProbe.httpGet).toEqual(health);
    expect(octane.livenessProbe.exec.command).toEqual(['/bin/sh', '-c', 'exec php artisan octane:status --server=frankenphp']);
  });

  test('graceful stop: drain, octane:stop, wait for the server to be gone; the grace period covers drain and the longest request', () => {
    expect(octane.lifecycle.preStop.exec.command[2]).toBe(
      `sleep ${config.web.drainSeconds}; php artisan octane:stop --server=frankenphp; while php artisan octane:status --server=frankenphp >/dev/null 2>&1; do sleep 1; done`,
    );
    expect(spec.terminationGracePeriodSeconds).toBe(config.web.drainSeconds + chain.phpFpm + 15);
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(config.web.drainSeconds + chain.application);
  });

  test("static assets: the init container's public/ copy (storage link, FrankenPHP's worker script) mounted read-only; same caches and read-only root", () => {
    const mounts = Object.fromEntries(octane.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/var/www/html/public']).toMatchObject({ name: 'public', readOnly: true });
    expect(mounts['/var/www/html/bootstrap/cache']).toMatchObject({ name: 'bootstrap-cache' });
    expect(mounts['/var/www/html/storage']).toMatchObject({ name: 'storage' });
    expect(mounts[`/usr/local/etc/php/conf.d/${PHP_INI_FILE}`]).toMatchObject({ readOnly: true, subPath: PHP_INI_FILE });
    expect(octane.securityContext.readOnlyRootFilesystem).toBe(true);
    const script = container({ containers: spec.initContainers }, 'prepare').command[2];
    expect(script).toContain('php artisan config:cache');
    expect(script).toContain('ln -sfn /var/www/html/storage/app/public /shared-public/storage');
    expect(script).toContain('cp /var/www/html/vendor/laravel/octane/src/Commands/stubs/frankenphp-worker.php /shared-public/');
  });

  test('php.ini: memory_limit shares the container among the workers; FrankenPHP runs its own SAPI, so no CLI OPcache', () => {
    const ini = iniOf(objects);
    expect(ini.memory_limit).toBe(memoryLimit);
    expect(ini['opcache.enable_cli']).toBe('0');
    expect(ini.max_execution_time).toBe(String(chain.application));
    expect(find(objects, 'ConfigMap', 'pembayaran-web-server').data['nginx.conf']).toBeUndefined();
  });

  test('the Service, the edge and the NetworkPolicy follow the runtime: port http (8000), the edge timeout of the chain', () => {
    expect(find(objects, 'Service', 'pembayaran-web').spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const fromEdge = objects.find((o) => o.kind === 'NetworkPolicy' && /^pembayaran-allow-web-from-/.test(o.metadata.name))!;
    expect(fromEdge.spec.ingress.flatMap((r: any) => r.ports)).toEqual([{ port: OCTANE_PORT, protocol: 'TCP' }]);
    const route = find(objects, 'HTTPRoute', 'pembayaran-web');
    expect(route.spec.rules.every((r: any) => r.timeouts.request === `${chain.edge}s`)).toBe(true);
  });

  test('no php-fpm or nginx exporter, PodMonitor or php-fpm alert; the always-running alerts watch the octane container', () => {
    expect(objects.filter((o) => o.kind === 'PodMonitor').map((o) => o.metadata.name)).not.toContain('pembayaran-web');
    const rules = find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);
    expect(rules.filter((r: any) => /PhpFpm|Nginx/.test(r.alert))).toEqual([]);
    expect(rules.map((r: any) => r.alert)).toContain('PembayaranWebDown');
    expect(JSON.stringify(rules)).not.toContain('container="php-fpm"');
    expect(objects.filter((o) => o.kind === 'ScaledObject' && o.metadata.name === 'pembayaran-web')).toEqual([]);
  });

  test('the gate passes it: Pod Security restricted, probes, graceful stop, policy coverage', () => {
    expect(gateFindings(config.name, objects)).toEqual([]);
  });
});

describe('Octane servers', () => {
  test('RoadRunner: a mounted rr.yaml (Octane would touch one in the read-only root), the RPC port, OPcache for the CLI workers', () => {
    const objects = objectsOf(octaneConfig((d) => (d.web.octane = { server: 'roadrunner', workers: 6 })));
    const octane = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-web')), OCTANE_CONTAINER);
    expect(octane.command).toEqual(expect.arrayContaining(['--server=roadrunner', '--workers=6', '--rr-config=/etc/octane/rr.yaml', '--rpc-port=6001']));
    expect(octane.volumeMounts).toContainEqual({ name: 'web-server-config', mountPath: '/etc/octane/rr.yaml', subPath: 'rr.yaml', readOnly: true });
    expect(find(objects, 'ConfigMap', 'pembayaran-web-server').data['rr.yaml']).toContain("version: '3'");
    expect(octane.livenessProbe.exec.command[2]).toBe('exec php artisan octane:status --server=roadrunner');
    expect(iniOf(objects)['opcache.enable_cli']).toBe('1');
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('Swoole: as many task workers as workers, both counted in the memory budget', () => {
    const objects = objectsOf(octaneConfig((d) => (d.web.octane = { server: 'swoole', workers: 4 })));
    const octane = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-web')), OCTANE_CONTAINER);
    expect(octane.command).toEqual(expect.arrayContaining(['--server=swoole', '--workers=4', '--task-workers=4']));
    expect(OCTANE_SERVERS.swoole.phpProcesses(4)).toBe(8);
    expect(iniOf(objects).memory_limit).toBe('80M');
  });
});

describe('refusals with web.runtime octane', () => {
  const problems = (change: (d: any) => void) =>
    rejectionsOf(
      'config/production.yaml',
      withChanges('production', (d) => {
        d.web.runtime = 'octane';
        change(d);
      }),
    ).map((p) => `${p.path}: ${p.message}`);

  test('php-fpm pool settings, the nginx image and resources, and the php-fpm KEDA trigger are refused at their keys', () => {
    expect(
      problems((d) => {
        d.web.phpFpm = { maxChildren: 8 };
        d.web.nginxImage = { repository: 'nginx', tag: '1.27' };
        d.web.resources.nginx = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } };
      }),
    ).toEqual([
      'web.phpFpm: applies to web.runtime php-fpm only; Octane runs no php-fpm pool and no nginx: remove it (Octane: web.octane.workers and web.octane.maxRequests, its container web.resources.php)',
      'web.nginxImage: applies to web.runtime php-fpm only; Octane runs no php-fpm pool and no nginx: remove it (Octane: web.octane.workers and web.octane.maxRequests, its container web.resources.php)',
      'web.resources.nginx: applies to web.runtime php-fpm only; Octane runs no php-fpm pool and no nginx: remove it (Octane: web.octane.workers and web.octane.maxRequests, its container web.resources.php)',
      "web.autoscaling.phpFpm.enabled: is true, but web.runtime is octane: the trigger reads php-fpm's busy children, and Octane has no php-fpm pool or exporter: set false (CPU and memory scale Octane)",
    ]);
  });

  test('Octane settings without web.runtime octane are refused', () => {
    expect(rejectionsOf('config/staging.yaml', withChanges('staging', (d) => (d.web.octane = { workers: 8 }))).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'web.octane: applies to web.runtime octane only (web.runtime is php-fpm): set web.runtime: octane, or remove it',
    ]);
  });

  test('memory_limit x Octane workers above the container limit is refused; an unknown server is a schema error', () => {
    expect(
      problems((d) => {
        delete d.web.autoscaling.phpFpm;
        d.web.octane = { workers: 16 };
        d.web.php = { memoryLimit: '64M' };
      }),
    ).toEqual([expect.stringMatching(/^web\.php\.memoryLimit: is 64M; 16 PHP processes at 64M plus 128 MiB OPcache shared memory is 1152 MiB, above the container's memory limit 768Mi/)]);
    expect(problems((d) => (d.web.octane = { server: 'nginx-unit' }))[0]).toMatch(/^web\.octane\.server: /);
  });

  test('the construct refuses the php-fpm scaling trigger with Octane, naming why', () => {
    const config = octaneConfig();
    const trigger = { enabled: true, targetUtilization: 70, prometheusAddress: 'http://prometheus:9090' };
    const mutated = { ...config, web: { ...config.web, autoscaling: { ...config.web.autoscaling, phpFpm: trigger } } };
    const chart = new Chart(new App(), 'c');
    // Built in code, the config goes through the config checks first (resolveEnvironment), which name the key.
    expect(() => new PembayaranStack(chart, 's', mutated)).toThrow(/autoscaling\.phpFpm needs php-fpm|web\.autoscaling\.phpFpm\.enabled: is true, but web\.runtime is octane/);
  });
});

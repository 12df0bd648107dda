import { renderNginxConfig, renderPhpFpmPool } from '../../../lib/laravel/web-server-config';
import { requestTimeoutChain } from '../../../lib/laravel/request-timeouts';
import { LARAVEL_CACHE_VARIABLES } from '../../../lib/laravel/laravel-settings';
import { autoscalerOf, container, edgeBackends, edgeTimeouts, find, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';

describe.each(SHIPPED_ENVIRONMENTS)('web tier of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const deployment = find(objects, 'Deployment', 'pembayaran-web');
  const spec = podSpecOf(deployment);
  const php = container(spec, 'php-fpm');
  const nginx = container(spec, 'nginx');
  const prepare = container(spec, 'prepare');

  test('one pod runs php-fpm and nginx side by side, after an init container from the same image', () => {
    expect(spec.containers.map((c: any) => c.name)).toEqual(expect.arrayContaining(['php-fpm', 'nginx']));
    expect(php.image).toBe(`${config.laravel.image.repository}:${config.laravel.image.tag}`);
    expect(prepare.image).toBe(php.image);
    expect(nginx.image).toBe('docker.io/nginxinc/nginx-unprivileged:1.27.3-alpine');
    expect(php.ports).toEqual([{ name: 'fastcgi', containerPort: 9000, protocol: 'TCP' }]);
    expect(nginx.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
  });

  test('liveness is cheap: a TCP connect to the php-fpm master and nginx answering by itself', () => {
    expect(php.livenessProbe.tcpSocket).toEqual({ port: 'fastcgi' });
    expect(nginx.livenessProbe.httpGet).toEqual({ path: '/nginx-health', port: 'http' });
    for (const c of [php, nginx]) {
      expect(c.livenessProbe.timeoutSeconds).toBeGreaterThanOrEqual(5);
      expect(c.livenessProbe.failureThreshold * c.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(60);
      expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(120);
    }
  });

  test("readiness is Laravel's /up through nginx, sent with the public host", () => {
    expect(nginx.readinessProbe.httpGet).toEqual({ path: '/up', port: 'http', httpHeaders: [{ name: 'Host', value: config.laravel.host }] });
    expect(php.readinessProbe.tcpSocket).toEqual({ port: 'fastcgi' });
  });

  test('endpoints drain before nginx and php-fpm stop, and the grace period covers drain plus the longest request', () => {
    expect(nginx.lifecycle.preStop.exec.command.join(' ')).toMatch(/^\/bin\/sh -c sleep 10; nginx -s quit;/);
    expect(php.lifecycle.preStop.exec.command).toEqual(['sleep', '10']);
    expect(spec.terminationGracePeriodSeconds).toBe(10 + 70 + 15);
  });

  test('the init container builds the storage tree and every artisan cache, and copies public/ with the storage link', () => {
    const script = prepare.command[2];
    expect(prepare.command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    for (const dir of ['framework/cache/data', 'framework/sessions', 'framework/views', 'logs', 'app/public']) {
      expect(script).toContain(`storage/${dir}`);
    }
    for (const cache of ['config:cache', 'route:cache', 'view:cache', 'event:cache']) expect(script).toContain(`php artisan ${cache}`);
    expect(script).toContain('cp -R /var/www/html/public/. /shared-public/');
    expect(script).toContain('ln -sfn /var/www/html/storage/app/public /shared-public/storage');
  });

  test('the caches land on a volume the app container really reads, at the paths Laravel is told', () => {
    const cacheMount = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === '/var/www/html/bootstrap/cache');
    expect(cacheMount(prepare).name).toBe('bootstrap-cache');
    expect(cacheMount(php).name).toBe('bootstrap-cache');
    const configMap = find(objects, 'ConfigMap', 'pembayaran-laravel');
    for (const [name, file] of Object.entries(LARAVEL_CACHE_VARIABLES)) expect(configMap.data[name]).toBe(file);
    expect(configMap.data.APP_CONFIG_CACHE.startsWith('/var/www/html/bootstrap/cache/')).toBe(true);
    expect(php.envFrom).toEqual(prepare.envFrom);
    const volume = spec.volumes.find((v: any) => v.name === 'bootstrap-cache');
    expect(volume.emptyDir.medium).toBe('Memory');
  });

  test('nginx serves the copied assets and sees storage/ for the public/storage link; every writable path is a volume', () => {
    const mounts = Object.fromEntries(nginx.volumeMounts.map((m: any) => [m.mountPath, m]));
    expect(mounts['/var/www/html/public']).toMatchObject({ name: 'public', readOnly: true });
    expect(mounts['/var/www/html/storage']).toMatchObject({ name: 'storage', readOnly: true });
    expect(mounts['/tmp'].name).toBe('tmp');
    expect(mounts['/etc/nginx/nginx.conf']).toMatchObject({ subPath: 'nginx.conf', readOnly: true });
    const phpMounts = php.volumeMounts.map((m: any) => m.mountPath);
    expect(phpMounts).toEqual(expect.arrayContaining(['/var/www/html/storage', '/var/www/html/bootstrap/cache', '/tmp']));
  });

  test('a ClusterIP Service the edge routes to (lib/edge/ builds the edge itself)', () => {
    const service = find(objects, 'Service', 'pembayaran-web');
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    // Every route of the edge ends at this Service, on its one port (by number or by name).
    expect(edgeBackends(objects).length).toBeGreaterThan(0);
    for (const backend of edgeBackends(objects)) expect([80, 'http']).toContain(backend.port);
    expect(new Set(edgeBackends(objects).map((b) => b.name))).toEqual(new Set(['pembayaran-web']));
  });

  test('HPA, PDB, topology spread and a rollout that never drops below the serving minimum', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(autoscalerOf(objects, 'pembayaran-web')).toMatchObject({
      min: config.web.replicas,
      max: config.web.autoscaling.maxReplicas,
      cpuUtilization: config.web.autoscaling.targetCpuUtilization,
    });
    const pdb = find(objects, 'PodDisruptionBudget', 'pembayaran-web');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('config and server config changes roll the pods', () => {
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations['checksum/laravel-config']).toMatch(/^[0-9a-f]{64}$/);
    expect(annotations['checksum/web-server-config']).toMatch(/^[0-9a-f]{64}$/);
  });
});

test('each layer of a web request times out a step after the one inside it', () => {
  expect(requestTimeoutChain(60)).toEqual({ application: 60, phpFpm: 65, nginx: 70, edge: 75 });
});

describe.each(SHIPPED_ENVIRONMENTS)('request timeouts of %s', (env) => {
  const objects = shippedObjects(env);
  const serverConfig = find(objects, 'ConfigMap', 'pembayaran-web-server').data;
  const chain = requestTimeoutChain(shippedConfig(env).web.requestTimeoutSeconds);
  test('php-fpm < nginx < the edge, as rendered', () => {
    expect(serverConfig['zz-pembayaran.conf']).toContain(`request_terminate_timeout = ${chain.phpFpm}s`);
    expect(serverConfig['nginx.conf']).toContain(`fastcgi_read_timeout ${chain.nginx}s;`);
    // The site route waits exactly the chain's edge timeout; webhook routes may wait longer, never less.
    expect(edgeTimeouts(objects).find((t) => t.route === 'pembayaran-web')!.seconds).toBe(chain.edge);
    for (const t of edgeTimeouts(objects)) expect(t.seconds).toBeGreaterThanOrEqual(chain.edge);
    expect(chain.phpFpm).toBeLessThan(chain.nginx);
    expect(chain.nginx).toBeLessThan(chain.edge);
  });
});

describe('web server configuration', () => {
  const nginx = renderNginxConfig({ clientMaxBodySize: '20m', fastcgiReadTimeoutSeconds: 70, trustedProxies: '10.0.0.0/8,192.168.0.0/16' });
  test('FastCGI to php-fpm for the front controller only, document root public/', () => {
    expect(nginx).toContain('root /var/www/html/public;');
    expect(nginx).toMatch(/location = \/index\.php \{\s+fastcgi_pass 127\.0\.0\.1:9000;/);
    expect(nginx).toMatch(/location ~ \\\.php\$ \{\s+return 404;/);
    expect(nginx).toContain('fastcgi_read_timeout 70s;');
  });
  test('gzip, security headers, body limit, real client IP, dotfiles denied', () => {
    expect(nginx).toContain('gzip on;');
    for (const header of ['X-Frame-Options', 'X-Content-Type-Options', 'Referrer-Policy', 'Strict-Transport-Security']) expect(nginx).toContain(header);
    expect(nginx).toContain('client_max_body_size 20m;');
    expect(nginx).toContain('set_real_ip_from 10.0.0.0/8;');
    expect(nginx).toContain('set_real_ip_from 192.168.0.0/16;');
    expect(nginx).toContain('real_ip_header X-Forwarded-For;');
    expect(nginx).toMatch(/location ~ \/\\\.\(\?!well-known\)\.\* \{\s+deny all;/);
  });
  test('php-fpm status and ping only on a loopback listener', () => {
    expect(nginx).toMatch(/listen 127\.0\.0\.1:8081;[\s\S]*location = \/fpm-status[\s\S]*location = \/fpm-ping/);
    const publicServer = nginx.split('listen 127.0.0.1:8081;')[0];
    expect(publicServer).not.toContain('fpm-status');
    expect(publicServer).not.toContain('fpm-ping');
  });
  test('a read-only root filesystem: pid and temp files in /tmp', () => {
    expect(nginx).toContain('pid /tmp/nginx.pid;');
    expect(nginx).toContain('client_body_temp_path /tmp/client_body;');
  });
  test('php-fpm keeps the environment and exposes status and ping', () => {
    const pool = renderPhpFpmPool({ maxChildren: 16, startServers: 4, minSpareServers: 2, maxSpareServers: 6, maxRequests: 500, terminateTimeoutSeconds: 65 });
    expect(pool).toContain('clear_env = no');
    expect(pool).toContain('pm.status_path = /fpm-status');
    expect(pool).toContain('ping.path = /fpm-ping');
    expect(pool).toContain('listen = 9000');
    expect(pool).toContain('request_terminate_timeout = 65s');
  });
});

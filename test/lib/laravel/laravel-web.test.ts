import {
  cpuCores,
  HEADERS_NOT_PASSED_TO_PHP,
  memoryBytes,
  NGINX_REQUEST_MEMORY_KIB,
  nginxMaxActiveRequests,
  nginxWorkerProcesses,
  phpFpmPingCommand,
  renderNginxConfig,
  renderPhpFpmPool,
} from '../../../lib/laravel/web-server-config';
import { DEFAULT_RESOURCES } from '../../../lib/core/defaults';
import { requestTimeoutChain } from '../../../lib/laravel/request-timeouts';
import { LARAVEL_CACHE_VARIABLES } from '../../../lib/laravel/laravel-settings';
import { autoscalerOf, container, edgeBackends, edgeTimeouts, find, podSpecOf, shippedConfig, shippedObjects, PHP_FPM_ENVIRONMENTS } from '../../helpers';

// The sandbox's Octane web tier: test/lib/laravel/octane.test.ts.
describe.each(PHP_FPM_ENVIRONMENTS)('web tier of %s', (env) => {
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
    // php-fpm listens on loopback only, so it declares no port.
    expect(php.ports).toBeUndefined();
    expect(nginx.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'health', containerPort: 8082, protocol: 'TCP' },
    ]);
  });

  test("liveness is cheap and never waits for a busy pool: a FastCGI ping on php-fpm's health pool, nginx answering by itself", () => {
    expect(php.livenessProbe.exec.command).toEqual(phpFpmPingCommand());
    expect(php.startupProbe.exec.command).toEqual(phpFpmPingCommand());
    expect(nginx.livenessProbe.httpGet).toEqual({ path: '/nginx-health', port: 'http' });
    for (const c of [php, nginx]) {
      expect(c.livenessProbe.timeoutSeconds).toBeGreaterThanOrEqual(5);
      expect(c.livenessProbe.failureThreshold * c.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(60);
      expect(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds).toBeGreaterThanOrEqual(120);
    }
  });

  test("readiness is Laravel's /up on nginx's health port (php-fpm's health pool), sent with the public host", () => {
    expect(nginx.readinessProbe.httpGet).toEqual({ path: '/up', port: 'health', httpHeaders: [{ name: 'Host', value: config.laravel.host }] });
    expect(php.readinessProbe.exec.command).toEqual(phpFpmPingCommand());
    const service = find(objects, 'Service', 'pembayaran-web');
    expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual(['http']);
  });

  test('endpoints drain, nginx stops accepting, php-fpm serves until nginx has gone; the grace period covers drain plus the longest request', () => {
    expect(nginx.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', 'sleep 10; nginx -s quit; while [ -e /tmp/nginx.pid ]; do sleep 1; done']);
    expect(php.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', 'sleep 10; while [ -e /tmp/nginx.pid ]; do sleep 1; done']);
    // The pid file lives on the volume both containers mount at /tmp.
    const tmpOf = (c: any) => c.volumeMounts.find((m: any) => m.mountPath === '/tmp').name;
    expect(tmpOf(php)).toBe(tmpOf(nginx));
    expect(spec.terminationGracePeriodSeconds).toBe(10 + 70 + 15);
  });

  test('nginx is sized to its container: workers from its CPU, requests in progress from its memory limit', () => {
    const nginxConf = find(objects, 'ConfigMap', 'pembayaran-web-server').data['nginx.conf'];
    const resources = config.web.resources.nginx ?? DEFAULT_RESOURCES.nginx;
    expect(nginxConf).toContain('worker_processes 1;');
    expect(nginxConf).not.toContain('worker_processes auto');
    expect(nginxConf).toContain(`limit_conn active_requests ${nginxMaxActiveRequests(resources, 1)};`);
    expect(nginxMaxActiveRequests(resources, 1)).toBe(142);
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
    // Every route of the edge ends at this Service on its one port (by number or by name), but Reverb's
    // websocket route, which ends at the Reverb Service.
    const backends = edgeBackends(objects);
    expect(backends.length).toBeGreaterThan(0);
    for (const backend of backends) expect([80, 'http']).toContain(backend.port);
    expect(new Set(backends.map((b) => b.name))).toEqual(new Set(['pembayaran-web', 'pembayaran-reverb']));
    expect(find(objects, 'Service', 'pembayaran-reverb').spec.ports).toEqual([expect.objectContaining({ port: 80 })]);
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

describe.each(PHP_FPM_ENVIRONMENTS)('request timeouts of %s', (env) => {
  const objects = shippedObjects(env);
  const serverConfig = find(objects, 'ConfigMap', 'pembayaran-web-server').data;
  const chain = requestTimeoutChain(shippedConfig(env).web.requestTimeoutSeconds);
  test('PHP < php-fpm < nginx < the edge, as rendered', () => {
    expect(serverConfig['zz-pembayaran.ini']).toContain(`max_execution_time = ${chain.application}\n`);
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
  const nginx = renderNginxConfig({ clientMaxBodySize: '20m', fastcgiReadTimeoutSeconds: 70, trustedProxies: '10.0.0.0/8,192.168.0.0/16', maxActiveRequests: 100 });
  const publicServer = nginx.slice(nginx.indexOf('listen 8080;'), nginx.indexOf('listen 8082;'));
  const healthServer = nginx.slice(nginx.indexOf('listen 8082;'), nginx.indexOf('listen 127.0.0.1:8081;'));
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
    expect(nginx).toContain('real_ip_recursive on;');
    expect(nginx).toMatch(/location ~ \/\\\.\(\?!well-known\)\.\* \{\s+deny all;/);
  });
  test('PHP gets nginx’s decision: the client address, and HTTPS with port 443 only when a trusted peer says so', () => {
    // The peer before real_ip decides, with the same addresses real_ip trusts.
    expect(nginx).toMatch(/geo \$realip_remote_addr \$from_trusted_proxy \{\s+default 0;\s+10\.0\.0\.0\/8 1;\s+192\.168\.0\.0\/16 1;\s+\}/);
    expect(nginx).toMatch(/map "\$from_trusted_proxy:\$http_x_forwarded_proto" \$forwarded_https \{\s+default "";\s+"~\*\^1:https\$" on;/);
    for (const line of ['fastcgi_param REMOTE_ADDR $remote_addr;', 'fastcgi_param HTTPS $forwarded_https if_not_empty;', 'fastcgi_param SERVER_PORT $forwarded_port;', 'fastcgi_param REQUEST_SCHEME $forwarded_scheme;']) {
      expect(publicServer).toContain(line);
      expect(healthServer).toContain(line);
    }
    // Written out once each: the image's fastcgi_params would set them a second time.
    expect(nginx).not.toContain('include fastcgi_params');
    for (const header of HEADERS_NOT_PASSED_TO_PHP) {
      expect(publicServer).toContain(`fastcgi_param HTTP_${header.toUpperCase().replace(/-/g, '_')} "" if_not_empty;`);
    }
    expect(HEADERS_NOT_PASSED_TO_PHP).toEqual(expect.arrayContaining(['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'Forwarded', 'Proxy']));
  });
  test("`*` trusts every peer, for real_ip and the scheme alike", () => {
    const all = renderNginxConfig({ clientMaxBodySize: '1m', fastcgiReadTimeoutSeconds: 70, trustedProxies: '*', maxActiveRequests: 10 });
    expect(all).toContain('set_real_ip_from 0.0.0.0/0;');
    expect(all).toMatch(/default 0;\s+0\.0\.0\.0\/0 1;/);
  });
  test("the kubelet's health server: only the health route, on php-fpm's health pool", () => {
    expect(healthServer).toMatch(/location = \/up \{\s+fastcgi_pass 127\.0\.0\.1:9001;/);
    expect(healthServer).toContain('fastcgi_param SCRIPT_FILENAME $realpath_root/index.php;');
    expect(healthServer).toMatch(/location \/ \{\s+return 404;/);
    expect(publicServer).not.toContain('9001');
    const custom = renderNginxConfig({ clientMaxBodySize: '1m', fastcgiReadTimeoutSeconds: 70, trustedProxies: '10.0.0.0/8', maxActiveRequests: 10, readinessPath: '/healthz' });
    expect(custom).toContain('location = /healthz {');
  });
  test('requests in progress are bounded, and liveness has slots of its own', () => {
    expect(publicServer).toContain('limit_conn active_requests 100;');
    expect(publicServer).toMatch(/location = \/nginx-health \{\s+limit_conn liveness 16;/);
    expect(nginx).toContain('limit_conn_status 503;');
    expect(nginx).toContain('fastcgi_buffers 8 16k;');
    expect(nginx).toContain('gzip_buffers 32 4k;');
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
  test('php-fpm listens on loopback only, keeps the environment, and has a status listener and a health pool', () => {
    const pool = renderPhpFpmPool({ maxChildren: 16, startServers: 4, minSpareServers: 2, maxSpareServers: 6, maxRequests: 500, terminateTimeoutSeconds: 65 });
    const [www, health] = pool.split('[health]');
    expect(www).toContain('listen = 127.0.0.1:9000');
    expect(pool).not.toMatch(/^listen = 9000$/m);
    expect(www).toContain('pm.status_path = /fpm-status');
    expect(www).toContain('pm.status_listen = 127.0.0.1:9002');
    expect(www).toContain('request_terminate_timeout = 65s');
    // PHP's own limit is the php.ini file's (test/lib/laravel/php-settings.test.ts); only the health pool overrides it.
    expect(www).not.toContain('php_value[max_execution_time]');
    expect(health).toContain('php_value[max_execution_time] = 5');
    expect(health).toContain('listen = 127.0.0.1:9001');
    expect(health).toMatch(/pm = static\npm\.max_children = 2\n/);
    expect(health).toContain('ping.path = /fpm-ping');
    expect(health).toContain('request_terminate_timeout = 10s');
    for (const part of [www, health]) expect(part).toContain('clear_env = no');
  });
  test("php-fpm's probe is a FastCGI ping of the health pool, run with the image's php", () => {
    const [php, flag, script] = phpFpmPingCommand();
    expect([php, flag]).toEqual(['php', '-r']);
    expect(script).toContain("tcp://127.0.0.1:9001");
    expect(script).toContain("'SCRIPT_NAME' => '/fpm-ping'");
    // Kubernetes expands $(VAR) in commands: the script must contain none.
    expect(script).not.toMatch(/\$\([A-Za-z_]/);
  });
  test('CPU and memory quantities, and the sizes derived from them', () => {
    expect([cpuCores('50m'), cpuCores('1'), cpuCores('1.5'), cpuCores('2500m')]).toEqual([0.05, 1, 1.5, 2.5]);
    expect(() => cpuCores('lots')).toThrow(/not a CPU quantity/);
    expect([memoryBytes('128Mi'), memoryBytes('1Gi'), memoryBytes('500M'), memoryBytes('1024')]).toEqual([134217728, 1073741824, 500000000, 1024]);
    expect(() => memoryBytes('128 megs')).toThrow(/not a memory quantity/);
    const resources = (cpu: string, limit?: string) => ({ requests: { cpu, memory: '64Mi' }, limits: { memory: '128Mi', ...(limit ? { cpu: limit } : {}) } });
    expect(nginxWorkerProcesses(resources('50m'))).toBe(1);
    expect(nginxWorkerProcesses(resources('1500m'))).toBe(2);
    expect(nginxWorkerProcesses(resources('100m', '4'))).toBe(4);
    expect(NGINX_REQUEST_MEMORY_KIB).toBe(16 + 128 + 128 + 264 + 100);
    const big = { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '512Mi' } };
    expect(nginxMaxActiveRequests(big, 1)).toBeGreaterThan(nginxMaxActiveRequests(resources('50m'), 1) * 3);
    expect(nginxMaxActiveRequests({ requests: { cpu: '50m', memory: '8Mi' }, limits: { memory: '8Mi' } }, 1)).toBe(0);
  });
});

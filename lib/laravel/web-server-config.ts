import { Resources } from '../config/types.generated';
import { APP_ROOT, PHP_FPM_HEALTH_POOL, PORTS } from '../core/defaults';

/** Where nginx writes its pid (the shared /tmp volume): its preStop and php-fpm's wait for it to go. */
export const NGINX_PID_FILE = '/tmp/nginx.pid';

/** Connections per nginx worker, clients and FastCGI upstreams together; idle keep-alive ones cost ~1 KiB. */
export const NGINX_WORKER_CONNECTIONS = 1024;

/** nginx's per-request buffers, as rendered below (KiB). */
export const NGINX_BUFFERS_KIB = { fastcgiBufferSize: 16, fastcgiBuffers: [8, 16], gzipBuffers: [32, 4] } as const;

/**
 * The most memory one request in progress can hold (KiB): the FastCGI buffers, gzip's output buffers and
 * zlib's deflate state at nginx's defaults (window 32K, memLevel 8: 2 x 128 KiB + 8 KiB), plus pools,
 * headers and the client body buffer (measured: ~620 KiB per slow client of a large gzipped PHP response).
 */
export const NGINX_REQUEST_MEMORY_KIB =
  NGINX_BUFFERS_KIB.fastcgiBufferSize +
  NGINX_BUFFERS_KIB.fastcgiBuffers[0] * NGINX_BUFFERS_KIB.fastcgiBuffers[1] +
  NGINX_BUFFERS_KIB.gzipBuffers[0] * NGINX_BUFFERS_KIB.gzipBuffers[1] +
  264 +
  100;

/** nginx's own memory: the master and each worker with its idle connections (KiB, measured ~10 MiB for one). */
const NGINX_BASE_MEMORY_KIB = { master: 8192, perWorker: 6144 } as const;

/** Share of the container's memory limit the worst case may use. */
const NGINX_MEMORY_HEADROOM = 0.8;

/** Bytes of a Kubernetes memory quantity (`128Mi`, `1Gi`, `500M`, `1048576`). */
export function memoryBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`"${quantity}" is not a memory quantity (e.g. 128Mi)`);
  const factors: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(match[1]) * factors[match[2] ?? ''];
}

/**
 * Requests nginx lets be in progress at once (`limit_conn`), so that even when every one holds its full
 * buffers (slow clients of large, gzipped pages) nginx stays under its container's memory limit. More
 * get 503 at once instead of an OOM kill of the whole pod; idle keep-alive connections do not count.
 */
export function nginxMaxActiveRequests(resources: Resources, workers: number): number {
  const budgetKib = (memoryBytes(resources.limits.memory) / 1024) * NGINX_MEMORY_HEADROOM - NGINX_BASE_MEMORY_KIB.master - workers * NGINX_BASE_MEMORY_KIB.perWorker;
  return Math.max(0, Math.floor(budgetKib / NGINX_REQUEST_MEMORY_KIB));
}

export interface NginxConfigProps {
  /** client_max_body_size, e.g. `20m`. */
  readonly clientMaxBodySize: string;
  /** fastcgi_read_timeout in seconds: longer than php-fpm's, see requestTimeoutChain. */
  readonly fastcgiReadTimeoutSeconds: number;
  /** Addresses whose X-Forwarded-For and X-Forwarded-Proto are trusted (comma-separated CIDRs, or `*`). */
  readonly trustedProxies: string;
  /** worker_processes: one per CPU of the nginx container, see nginxWorkerProcesses. @default 1 */
  readonly workerProcesses?: number;
  /** Laravel's health route, served to the kubelet on the health port. @default '/up' */
  readonly readinessPath?: string;
  /** limit_conn of the public server: requests in progress, see nginxMaxActiveRequests. */
  readonly maxActiveRequests: number;
}

const SECURITY_HEADERS = [
  'add_header X-Frame-Options "SAMEORIGIN" always;',
  'add_header X-Content-Type-Options "nosniff" always;',
  'add_header Referrer-Policy "strict-origin-when-cross-origin" always;',
  'add_header Permissions-Policy "camera=(), microphone=(), geolocation=()" always;',
  'add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;',
];

/** Request headers PHP never sees: nginx has already decided what they may say (REMOTE_ADDR, HTTPS). */
export const HEADERS_NOT_PASSED_TO_PHP = ['X-Forwarded-For', 'X-Forwarded-Proto', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'Forwarded', 'X-Real-IP', 'Proxy'];

/** CPU cores of a Kubernetes quantity (`250m`, `1`, `1.5`). */
export function cpuCores(quantity: string): number {
  const millis = /^(\d+)m$/.exec(quantity);
  if (millis) return Number(millis[1]) / 1000;
  const cores = Number(quantity);
  if (!Number.isFinite(cores) || cores <= 0) throw new Error(`"${quantity}" is not a CPU quantity (e.g. 500m or 2)`);
  return cores;
}

/**
 * nginx workers for its container: one per CPU the container may use (its limit, else its request),
 * rounded up, at least one. `worker_processes auto` counts the node's CPUs instead: 64 workers, each with
 * its connections and buffers, under a 128Mi limit on a 64-core node.
 */
export function nginxWorkerProcesses(resources: Resources): number {
  return Math.max(1, Math.ceil(cpuCores(resources.limits.cpu ?? resources.requests.cpu)));
}

/**
 * The FastCGI parameters PHP gets, written out instead of the image's `fastcgi_params`, so each is set
 * once: the client's address (REMOTE_ADDR, after real_ip) and the scheme and port the edge received
 * (HTTPS, SERVER_PORT, REQUEST_SCHEME, from a trusted peer only). The forwarded headers themselves are not
 * passed, so no application setting (TrustProxies) can be fooled by what a client sends.
 */
function fastcgiParams(indent: string, overrides: Readonly<Record<string, string>> = {}): string {
  const params: Record<string, string> = {
    QUERY_STRING: '$query_string',
    REQUEST_METHOD: '$request_method',
    CONTENT_TYPE: '$content_type',
    CONTENT_LENGTH: '$content_length',
    SCRIPT_NAME: '$fastcgi_script_name',
    SCRIPT_FILENAME: '$realpath_root$fastcgi_script_name',
    REQUEST_URI: '$request_uri',
    DOCUMENT_URI: '$document_uri',
    DOCUMENT_ROOT: '$realpath_root',
    SERVER_PROTOCOL: '$server_protocol',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: 'nginx',
    REMOTE_ADDR: '$remote_addr',
    REMOTE_PORT: '$remote_port',
    SERVER_ADDR: '$server_addr',
    SERVER_NAME: '$server_name',
    REDIRECT_STATUS: '200',
    REQUEST_SCHEME: '$forwarded_scheme',
    SERVER_PORT: '$forwarded_port',
    ...overrides,
  };
  const lines = Object.entries(params).map(([k, v]) => `fastcgi_param ${k} ${v};`);
  lines.push('fastcgi_param HTTPS $forwarded_https if_not_empty;');
  // A fastcgi_param named after a header replaces it; empty with if_not_empty, it is not sent at all.
  for (const header of HEADERS_NOT_PASSED_TO_PHP) lines.push(`fastcgi_param HTTP_${header.toUpperCase().replace(/-/g, '_')} "" if_not_empty;`);
  return lines.map((l) => indent + l).join('\n');
}

/**
 * nginx in front of php-fpm in the same pod. Runs unprivileged with a read-only root filesystem (all
 * temporary files in /tmp), serves the built Vite assets copied from the application image, and passes
 * only the front controller to php-fpm. Three servers: the public one (8080), the kubelet's readiness
 * (health port, Laravel's health route on php-fpm's health pool), and php-fpm's status and ping with
 * nginx's own status on loopback only.
 * @see https://laravel.com/docs/12.x/deployment#nginx
 */
export function renderNginxConfig(props: NginxConfigProps): string {
  const cidrs = props.trustedProxies
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((cidr) => (cidr === '*' ? '0.0.0.0/0' : cidr));
  const headers = (indent: string) => SECURITY_HEADERS.map((h) => indent + h).join('\n');
  const readinessPath = props.readinessPath ?? '/up';
  return `# Generated by pembayaran-k8s (lib/laravel/web-server-config.ts).
# One worker per CPU of this container, not of the node.
worker_processes ${props.workerProcesses ?? 1};
pid ${NGINX_PID_FILE};
error_log /dev/stderr warn;

events {
  worker_connections ${NGINX_WORKER_CONNECTIONS};
}

http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  server_tokens off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;

  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;

  # The real client address comes from the ingress controller's X-Forwarded-For, from trusted peers only.
${cidrs.map((c) => `  set_real_ip_from ${c};`).join('\n')}
  real_ip_header X-Forwarded-For;
  real_ip_recursive on;

  # nginx decides whom to trust and hands PHP the decision: HTTPS and port 443 when a trusted peer (the
  # address before real_ip) says the edge received HTTPS; a client talking to nginx directly cannot.
  geo $realip_remote_addr $from_trusted_proxy {
    default 0;
${cidrs.map((c) => `    ${c} 1;`).join('\n')}
  }
  map "$from_trusted_proxy:$http_x_forwarded_proto" $forwarded_https {
    default "";
    "~*^1:https$" on;
  }
  map $forwarded_https $forwarded_scheme {
    on https;
    default $scheme;
  }
  map $forwarded_https $forwarded_port {
    on 443;
    default $server_port;
  }

  log_format json escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr","request_id":"$http_x_request_id",'
    '"method":"$request_method","uri":"$request_uri","status":$status,"bytes":$body_bytes_sent,'
    '"duration":$request_time,"upstream_duration":"$upstream_response_time","user_agent":"$http_user_agent"}';
  access_log /dev/stdout json;

  gzip on;
  gzip_comp_level 5;
  gzip_min_length 1024;
  gzip_proxied any;
  gzip_vary on;
  gzip_types text/plain text/css text/javascript application/javascript application/json application/xml image/svg+xml;

  client_max_body_size ${props.clientMaxBodySize};

  # At most ${props.maxActiveRequests} requests in progress: each may hold ~${NGINX_REQUEST_MEMORY_KIB} KiB of buffers and gzip state, and
  # all of them together must fit the container's memory limit. More get 503 at once, not an OOM kill.
  limit_conn_zone $server_port zone=active_requests:1m;
  limit_conn_zone $server_port zone=liveness:1m;
  limit_conn_status 503;
  limit_conn_log_level warn;
  gzip_buffers ${NGINX_BUFFERS_KIB.gzipBuffers[0]} ${NGINX_BUFFERS_KIB.gzipBuffers[1]}k;

  server {
    listen ${PORTS.nginxHttp};
    server_name _;
    root ${APP_ROOT}/public;
    index index.php;
    charset utf-8;
    limit_conn active_requests ${props.maxActiveRequests};

${headers('    ')}

    # Liveness of nginx itself: never touches php-fpm, so a busy pool cannot fail it, and it has request
    # slots of its own (a limit_conn here replaces the server's), so a full server cannot either.
    location = /nginx-health {
      limit_conn liveness 16;
      access_log off;
      default_type text/plain;
      return 200 "ok\\n";
    }

    # Fingerprinted Vite assets never change under the same name.
    location /build/ {
      expires 1y;
      add_header Cache-Control "public, immutable";
${headers('      ')}
      try_files $uri =404;
    }

    location = /favicon.ico { access_log off; log_not_found off; }
    location = /robots.txt  { access_log off; log_not_found off; }

    location / {
      try_files $uri $uri/ /index.php?$query_string;
    }

    # Only the front controller runs PHP.
    location = /index.php {
      fastcgi_pass 127.0.0.1:${PORTS.phpFpm};
${fastcgiParams('      ')}
      fastcgi_hide_header X-Powered-By;
      fastcgi_read_timeout ${props.fastcgiReadTimeoutSeconds}s;
      fastcgi_buffers ${NGINX_BUFFERS_KIB.fastcgiBuffers[0]} ${NGINX_BUFFERS_KIB.fastcgiBuffers[1]}k;
      fastcgi_buffer_size ${NGINX_BUFFERS_KIB.fastcgiBufferSize}k;
    }

    location ~ \\.php$ {
      return 404;
    }

    # Dotfiles (.env, .git) are never served; .well-known stays reachable for ACME and friends.
    location ~ /\\.(?!well-known).* {
      deny all;
    }
  }

  # The kubelet's readiness probe: Laravel's health route on php-fpm's health pool, which a saturated main
  # pool cannot hold up. On the pod IP for the kubelet; no Service or NetworkPolicy admits it.
  server {
    listen ${PORTS.nginxHealth};
    server_name _;
    root ${APP_ROOT}/public;
    access_log off;
    location = ${readinessPath} {
      fastcgi_pass 127.0.0.1:${PORTS.phpFpmHealth};
${fastcgiParams('      ', { SCRIPT_NAME: '/index.php', SCRIPT_FILENAME: '$realpath_root/index.php' })}
      fastcgi_hide_header X-Powered-By;
      fastcgi_read_timeout ${PHP_FPM_HEALTH_POOL.requestTimeoutSeconds}s;
    }
    location / {
      return 404;
    }
  }

  # php-fpm status and ping, and nginx's own status: bound to loopback, so only containers of this pod reach them.
  server {
    listen 127.0.0.1:${PORTS.nginxLocalStatus};
    access_log off;
    location = /fpm-status {
      fastcgi_pass 127.0.0.1:${PORTS.phpFpmStatus};
${fastcgiParams('      ', { SCRIPT_NAME: '/fpm-status', SCRIPT_FILENAME: '/fpm-status' })}
    }
    location = /fpm-ping {
      fastcgi_pass 127.0.0.1:${PORTS.phpFpmHealth};
${fastcgiParams('      ', { SCRIPT_NAME: '/fpm-ping', SCRIPT_FILENAME: '/fpm-ping' })}
    }
    location = /nginx-status {
      stub_status;
    }
  }
}
`;
}

export interface PhpFpmPoolProps {
  readonly maxChildren: number;
  readonly startServers: number;
  readonly minSpareServers: number;
  readonly maxSpareServers: number;
  readonly maxRequests: number;
  /** request_terminate_timeout in seconds: longer than PHP's own limit, see requestTimeoutChain. */
  readonly terminateTimeoutSeconds: number;
}

/** Loaded after the image's own pool files (zz- sorts last, after the image's zz-docker.conf), so these settings win. */
export const PHP_FPM_POOL_FILE = 'zz-pembayaran.conf';

/**
 * php-fpm pool overrides. Every listener is on 127.0.0.1: nginx is in the same pod, so the pod IP refuses
 * FastCGI whatever NetworkPolicy says. `clear_env = no` keeps the pod's environment visible to PHP
 * (php-fpm clears it by default); the master finishes in-flight requests on SIGQUIT, the php image's stop
 * signal. A second pool, `health`, serves Laravel's health route and the ping on children of its own.
 * @see https://www.php.net/manual/en/install.fpm.configuration.php
 */
export function renderPhpFpmPool(props: PhpFpmPoolProps): string {
  const common = ['clear_env = no', 'catch_workers_output = yes', 'decorate_workers_output = no', '; nginx writes the access log.', 'access.log = /dev/null'];
  return `; Generated by pembayaran-k8s (lib/laravel/web-server-config.ts).
[global]
error_log = /proc/self/fd/2
log_limit = 8192
process_control_timeout = ${props.terminateTimeoutSeconds}s

[www]
; Loopback only (the image's zz-docker.conf says 9000, all interfaces): only nginx in this pod connects.
listen = 127.0.0.1:${PORTS.phpFpm}
pm = dynamic
pm.max_children = ${props.maxChildren}
pm.start_servers = ${props.startServers}
pm.min_spare_servers = ${props.minSpareServers}
pm.max_spare_servers = ${props.maxSpareServers}
pm.max_requests = ${props.maxRequests}
pm.status_path = /fpm-status
; A hidden pool answers the status page while every child is busy (the exporter reads it here).
pm.status_listen = 127.0.0.1:${PORTS.phpFpmStatus}
request_terminate_timeout = ${props.terminateTimeoutSeconds}s
; PHP's own limit, max_execution_time (CPU time on Linux), comes from the php.ini file (lib/laravel/php-settings.ts):
; it ends runaway code first, with Laravel's error handling.
${common.join('\n')}

[health]
; Laravel's health route (readiness) and the ping (liveness) only, on children of their own.
listen = 127.0.0.1:${PORTS.phpFpmHealth}
pm = static
pm.max_children = ${PHP_FPM_HEALTH_POOL.children}
pm.max_requests = ${props.maxRequests}
ping.path = /fpm-ping
request_terminate_timeout = ${PHP_FPM_HEALTH_POOL.requestTimeoutSeconds}s
php_value[max_execution_time] = ${PHP_FPM_HEALTH_POOL.maxExecutionSeconds}
${common.join('\n')}
`;
}

/**
 * The php-fpm container's probe, run in the container: a FastCGI request for the health pool's ping.
 * It proves the master answers and manages its children, without going through nginx (whose own probes
 * cover it) or the main pool (busy is not dead). php-fpm listens on loopback, out of the kubelet's reach
 * for a TCP probe.
 */
export function phpFpmPingCommand(): string[] {
  const script = [
    `$s = @stream_socket_client('tcp://127.0.0.1:${PORTS.phpFpmHealth}', $errno, $error, 2);`,
    'if (!$s) { fwrite(STDERR, "php-fpm: $error\\n"); exit(1); }',
    'stream_set_timeout($s, 3);',
    "$params = ''; foreach (['SCRIPT_NAME' => '/fpm-ping', 'SCRIPT_FILENAME' => '/fpm-ping', 'REQUEST_METHOD' => 'GET'] as $k => $v) { $params .= chr(strlen($k)) . chr(strlen($v)) . $k . $v; }",
    "$record = fn ($type, $body) => pack('CCnnCx', 1, $type, 1, strlen($body), 0) . $body;",
    "fwrite($s, $record(1, pack('nCx5', 1, 0)) . $record(4, $params) . $record(4, '') . $record(5, ''));",
    "$reply = (string) stream_get_contents($s);",
    "if (!str_contains($reply, 'pong')) { fwrite(STDERR, 'php-fpm ping: no pong'); exit(1); }",
  ].join(' ');
  return ['php', '-r', script];
}

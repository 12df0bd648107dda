/**
 * Image stand-ins: for each image the manifests name, what runs instead, built from Debian's packages on
 * this machine. A stand-in is the host's root file system (read-only) plus a few directories layered over
 * it at the paths the real image uses, and the image's configuration (ENV, WORKDIR, ENTRYPOINT, CMD,
 * STOPSIGNAL). Where Debian's version differs from the image in a way the manifests meet, a small wrapper
 * on the PATH adapts it and says why; the product never changes for the stand-in.
 *
 * To add an image: add an entry to IMAGE_STAND_INS (the first whose `matches` accepts the reference wins).
 */
import * as fs from 'fs';
import * as path from 'path';

export const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures');
export const LARAVEL_FIXTURE = path.join(FIXTURES_DIR, 'laravel-app');

/** The PATH of the Debian-based official images. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ImageConfig {
  /** Container path → host directory, mounted read-only over the host's root. */
  readonly layers: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The image's STOPSIGNAL: what the kubelet sends to PID 1 after the preStop hook. */
  readonly stopSignal: NodeJS.Signals;
}

export interface ImageStandIn {
  /** What the stand-in is, for messages and the README's table. */
  readonly name: string;
  readonly matches: (imageRef: string) => boolean;
  /** Builds the image's layers under `dir` (once per cluster) and returns its configuration. */
  readonly build: (dir: string) => ImageConfig;
}

const repositoryOf = (ref: string) => ref.replace(/@sha256:.*$/, '').replace(/:[^/:]+$/, '');

function writeFiles(dir: string, files: Readonly<Record<string, string | { text: string; mode: number }>>): string {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const { text, mode } = typeof content === 'string' ? { text: content, mode: 0o644 } : content;
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
  }
  fs.chmodSync(dir, 0o755);
  return dir;
}

const script = (text: string) => ({ text, mode: 0o755 });

/**
 * The official php:*-fpm layout (Debian variant): /usr/local/etc/php-fpm.conf including php-fpm.d/*.conf,
 * with the image's docker.conf, www.conf and zz-docker.conf (which sets `listen = 9000`), and `php-fpm` on
 * the PATH. Debian's php-fpm8.2 runs it with the image's prefix, so `include=etc/php-fpm.d/*.conf` resolves
 * as in the image. Debian's php.ini stays in use (the image ships none); the pool and the generated php.ini
 * file in conf.d set what matters.
 */
function buildLaravelImage(dir: string): ImageConfig {
  const etc = writeFiles(path.join(dir, 'usr-local-etc'), {
    'php-fpm.conf': '[global]\ninclude=etc/php-fpm.d/*.conf\n',
    'php-fpm.d/docker.conf': [
      '[global]',
      'error_log = /proc/self/fd/2',
      'log_limit = 8192',
      '',
      '[www]',
      'access.log = /proc/self/fd/2',
      'clear_env = no',
      'catch_workers_output = yes',
      'decorate_workers_output = no',
      '',
    ].join('\n'),
    'php-fpm.d/www.conf': [
      '[www]',
      'user = www-data',
      'group = www-data',
      'listen = 127.0.0.1:9000',
      'pm = dynamic',
      'pm.max_children = 5',
      'pm.start_servers = 2',
      'pm.min_spare_servers = 1',
      'pm.max_spare_servers = 3',
      '',
    ].join('\n'),
    'php-fpm.d/zz-docker.conf': '[global]\ndaemonize = no\n\n[www]\nlisten = 9000\n',
  });
  const bin = writeFiles(path.join(dir, 'usr-local-bin'), {
    'php-fpm': script('#!/bin/sh\n# The image\'s php-fpm: its config file and prefix.\nexec /usr/sbin/php-fpm8.2 --fpm-config /usr/local/etc/php-fpm.conf --prefix /usr/local "$@"\n'),
    'docker-php-entrypoint': script('#!/bin/sh\nset -e\nif [ "${1#-}" != "$1" ]; then set -- php-fpm "$@"; fi\nexec "$@"\n'),
  });
  return {
    layers: { '/var/www/html': LARAVEL_FIXTURE, '/usr/local/etc': etc, '/usr/local/bin': bin },
    // The image's PHP scans /usr/local/etc/php/conf.d (compiled in); Debian's scans its own conf.d (the
    // extensions) and, with the leading ':', this one after it.
    env: { PATH: DEFAULT_PATH, PHP_INI_DIR: '/usr/local/etc/php', PHP_INI_SCAN_DIR: ':/usr/local/etc/php/conf.d' },
    workingDir: '/var/www/html',
    entrypoint: ['docker-php-entrypoint'],
    cmd: ['php-fpm'],
    stopSignal: 'SIGQUIT',
  };
}

/**
 * nginxinc/nginx-unprivileged: Debian's nginx has the same binary and config paths (/etc/nginx/mime.types).
 * The image's entrypoint only runs /docker-entrypoint.d scripts that touch conf.d (not included by the
 * generated nginx.conf), so the stand-in runs CMD directly.
 */
function buildNginxImage(): ImageConfig {
  return {
    layers: {},
    env: { PATH: DEFAULT_PATH },
    workingDir: '/',
    entrypoint: [],
    cmd: ['nginx', '-g', 'daemon off;'],
    stopSignal: 'SIGQUIT',
  };
}

/** docker.io/library/mysql: bash, gzip and the client, here Debian's MariaDB client. */
function buildMysqlClientImage(dir: string): ImageConfig {
  const bin = writeFiles(path.join(dir, 'usr-local-bin'), {
    // MariaDB's mysqldump rejects --set-gtid-purged, a MySQL option the real image's mysqldump needs
    // against a GTID-enabled server; the stand-in drops it and passes everything else unchanged.
    mysqldump: script('#!/bin/bash\nargs=()\nfor a in "$@"; do case "$a" in --set-gtid-purged=*) ;; *) args+=("$a") ;; esac; done\nexec /usr/bin/mysqldump "${args[@]}"\n'),
  });
  return { layers: { '/usr/local/bin': bin }, env: { PATH: DEFAULT_PATH }, workingDir: '/', entrypoint: [], cmd: ['mysqld'], stopSignal: 'SIGTERM' };
}

/** docker.io/library/postgres: the client of the major version on the PATH, as the image does. */
function buildPostgresClientImage(): ImageConfig {
  const versions = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  const bin = versions.length ? `/usr/lib/postgresql/${versions[0]}/bin:` : '';
  return { layers: {}, env: { PATH: `${bin}${DEFAULT_PATH}` }, workingDir: '/', entrypoint: [], cmd: ['postgres'], stopSignal: 'SIGINT' };
}

/** amazon/aws-cli: Debian's awscli. */
function buildAwsCliImage(dir: string): ImageConfig {
  const bin = writeFiles(path.join(dir, 'usr-local-bin'), {
    // aws-cli 2.13+ reads the S3 endpoint from AWS_ENDPOINT_URL_S3; Debian's 2.9 does not, so the
    // stand-in passes it as --endpoint-url, which is what the newer CLI does with the variable.
    aws: script('#!/bin/sh\nif [ -n "${AWS_ENDPOINT_URL_S3:-}" ]; then\n  case "$1" in s3|s3api) exec /usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL_S3" "$@" ;; esac\nfi\nexec /usr/bin/aws "$@"\n'),
  });
  // The image's WORKDIR /aws exists (empty) in the real image; the host has none.
  const workdir = path.join(dir, 'aws');
  fs.mkdirSync(workdir, { recursive: true });
  fs.chmodSync(workdir, 0o755);
  return { layers: { '/usr/local/bin': bin, '/aws': workdir }, env: { PATH: DEFAULT_PATH }, workingDir: '/aws', entrypoint: ['/usr/local/bin/aws'], cmd: [], stopSignal: 'SIGTERM' };
}

/** The FastAPI notification image: Debian's python3 with fastapi and uvicorn, and a tiny app as main:app. */
function buildFastApiImage(dir: string): ImageConfig {
  const bin = writeFiles(path.join(dir, 'usr-local-bin'), {
    // Debian's uvicorn 0.17 predates --timeout-graceful-shutdown (0.20); it waits for open requests
    // without a bound, so the stand-in drops the flag. The product keeps it for the image's uvicorn.
    uvicorn: script('#!/bin/sh\nfor a in "$@"; do shift; case "$a" in --timeout-graceful-shutdown=*) ;; *) set -- "$@" "$a" ;; esac; done\nexec /usr/bin/python3 -m uvicorn "$@"\n'),
  });
  return {
    layers: { '/app': path.join(FIXTURES_DIR, 'fastapi-app'), '/usr/local/bin': bin },
    env: { PATH: DEFAULT_PATH, PYTHONDONTWRITEBYTECODE: '1' },
    workingDir: '/app',
    entrypoint: [],
    cmd: ['uvicorn', 'main:app'],
    stopSignal: 'SIGTERM',
  };
}

/**
 * The WhatsApp gateway image: a Node.js process honouring the gateway's contract (fixtures/wa-gateway), run
 * by the Node.js that runs the tests (its installation is layered in when it lives outside /usr).
 */
function buildWaGatewayImage(): ImageConfig {
  const node = fs.realpathSync(process.execPath);
  const visible = /^\/(usr|bin|sbin|lib|opt)\//.test(node) && !node.startsWith('/opt/');
  const installation = path.dirname(path.dirname(node));
  return {
    layers: { '/app': path.join(FIXTURES_DIR, 'wa-gateway'), ...(visible ? {} : { '/usr/local/lib/test-node': installation }) },
    env: { PATH: DEFAULT_PATH, NODE_ENV: 'production' },
    workingDir: '/app',
    entrypoint: [],
    cmd: [visible ? node : path.join('/usr/local/lib/test-node', path.relative(installation, node)), 'server.js'],
    stopSignal: 'SIGTERM',
  };
}

export const IMAGE_STAND_INS: readonly ImageStandIn[] = [
  { name: 'laravel (php:8.2-fpm layout, Debian php8.2, fixtures/laravel-app)', matches: (ref) => /\/pembayaran$/.test(repositoryOf(ref)), build: buildLaravelImage },
  { name: 'nginx (Debian nginx)', matches: (ref) => /nginx-unprivileged$|\/nginx$/.test(repositoryOf(ref)), build: buildNginxImage },
  { name: 'mysql client (Debian mariadb-client)', matches: (ref) => /(^|\/)(library\/)?mysql$/.test(repositoryOf(ref)), build: buildMysqlClientImage },
  { name: 'postgres client (Debian postgresql)', matches: (ref) => /(^|\/)(library\/)?postgres$/.test(repositoryOf(ref)), build: buildPostgresClientImage },
  { name: 'aws-cli (Debian awscli)', matches: (ref) => /aws-cli$/.test(repositoryOf(ref)), build: buildAwsCliImage },
  { name: 'fastapi (Debian python3-fastapi, python3-uvicorn, fixtures/fastapi-app)', matches: (ref) => /pembayaran-notification$/.test(repositoryOf(ref)), build: buildFastApiImage },
  { name: 'wa gateway (node, fixtures/wa-gateway)', matches: (ref) => /pembayaran-wa-gateway$/.test(repositoryOf(ref)), build: buildWaGatewayImage },
];

/** Builds image configurations on demand, once per cluster. */
export class ImageRegistry {
  private readonly built = new Map<string, ImageConfig>();

  constructor(private readonly dir: string) {}

  /** The stand-in for an image reference; throws naming the image when there is none. */
  resolve(imageRef: string): ImageConfig {
    const standIn = IMAGE_STAND_INS.find((s) => s.matches(imageRef));
    if (!standIn) {
      throw new Error(`no stand-in for image ${imageRef}: add one to IMAGE_STAND_INS (test/runtime/harness/images.ts) or skip the container`);
    }
    let config = this.built.get(standIn.name);
    if (!config) {
      const dir = path.join(this.dir, String(this.built.size));
      fs.mkdirSync(dir, { recursive: true });
      config = standIn.build(dir);
      this.built.set(standIn.name, config);
    }
    return config;
  }

  has(imageRef: string): boolean {
    return IMAGE_STAND_INS.some((s) => s.matches(imageRef));
  }
}

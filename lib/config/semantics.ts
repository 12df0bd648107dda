import { kubernetesValueProblems } from './kubernetes-values';
import { formatKeyPath, showValue } from './messages';
import { scanSecrets } from './secret-scan';
import { EnvironmentConfig, Image } from './types.generated';
import { INGRESS_CONTROLLERS } from '../edge/ingress-controller';
import { requestTimeoutChain } from '../laravel/request-timeouts';
import { minimumRetryAfter, quantityMiB, retryAfterOf, workerMemoryMiB } from '../laravel/queue-budgets';
import { CALL_CHAIN_MARGIN_SECONDS, fastapiGatewayTimeoutSeconds, gatewayRetryBudgetSeconds, idempotencyWindowSeconds, minimumJobTimeout, retryDelays } from '../notifications/call-budgets';
import { indexByDefinition, valuesOf } from './walk';
import { DEFAULT_RESOURCES, PHP_FPM_HEALTH_POOL, RETRY_AFTER, WORKER_MEMORY_MIB } from '../core/defaults';
import { MANAGED_PHP_DIRECTIVES, phpMemoryProblem } from '../laravel/php-settings';
import { OCTANE_SERVERS } from '../laravel/octane-servers';
import { NGINX_REQUEST_MEMORY_KIB, nginxMaxActiveRequests, nginxWorkerProcesses } from '../laravel/web-server-config';

/** Ingress annotations that set the edge's backend timeouts (ingress-nginx). */
export const EDGE_TIMEOUT_ANNOTATIONS = ['nginx.ingress.kubernetes.io/proxy-read-timeout', 'nginx.ingress.kubernetes.io/proxy-send-timeout'];

/** A problem the schema cannot express: cross-field rules and production safety. */
export interface SemanticProblem {
  readonly path: string;
  readonly message: string;
}

const PRODUCTION_LOG_LEVELS = ['info', 'notice', 'warning', 'error'];

/** Keys that configure one web runtime only (`web.runtime`). */
export const RUNTIME_ONLY_KEYS: ReadonlyArray<{ readonly path: readonly string[]; readonly runtime: 'php-fpm' | 'octane' }> = [
  { path: ['web', 'phpFpm'], runtime: 'php-fpm' },
  { path: ['web', 'nginxImage'], runtime: 'php-fpm' },
  { path: ['web', 'resources', 'nginx'], runtime: 'php-fpm' },
  { path: ['web', 'octane'], runtime: 'octane' },
];

/** Which RUNTIME_ONLY_KEYS the file itself writes: read before validation fills in the defaults. */
export function writtenRuntimeKeys(document: unknown): Set<string> {
  const written = new Set<string>();
  for (const { path } of RUNTIME_ONLY_KEYS) {
    let node: unknown = document;
    for (const segment of path) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    if (node !== undefined) written.add(path.join('.'));
  }
  return written;
}

/** Every cross-field and safety problem of a schema-valid config; `written` are the runtime-only keys the file sets (writtenRuntimeKeys). */
export function checkSemantics(config: EnvironmentConfig, written: ReadonlySet<string> = new Set()): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const production = config.tier === 'production';
  const byDefinition = indexByDefinition(config);
  const add = (path: string, message: string) => problems.push({ path, message });

  for (const [path, image] of byDefinition<Image>('image')) {
    if (!image.tag && !image.digest) {
      add(path, `image ${showValue(image.repository).slice(1, -1)} has no tag or digest; pin it, e.g. tag: "1.4.2" or digest: "sha256:..."`);
    } else if (production && !image.digest && image.tag === 'latest') {
      add(`${path}.tag`, `"latest" is not a pinned version; production needs an immutable tag or a digest`);
    }
  }

  if (production) {
    if (config.laravel.debug) {
      add('laravel.debug', 'is true; APP_DEBUG shows stack traces and secrets to visitors: set false in production');
    }
    if (config.laravel.url && !config.laravel.url.startsWith('https://')) {
      add('laravel.url', `is ${showValue(config.laravel.url).slice(1, -1)}; production must be served over HTTPS (secure cookies need it)`);
    }
    if (!PRODUCTION_LOG_LEVELS.includes(config.laravel.logLevel)) {
      add('laravel.logLevel', `is "${config.laravel.logLevel}"; production logs at ${PRODUCTION_LOG_LEVELS.join(', ')}`);
    }
    config.laravel.corsAllowedOrigins.forEach((origin, i) => {
      if (!origin.startsWith('https://')) add(`laravel.corsAllowedOrigins[${i}]`, `${showValue(origin)} is not HTTPS; production allows only https:// origins`);
    });
  }

  // Every string of the config, not a list of fields: a key added later is scanned too. Other checks of
  // a key holding a secret are left out: the secret is the problem to fix there.
  const secrets = scanSecrets(config);
  for (const finding of secrets) add(finding.path, finding.message);
  const secretPaths = new Set(secrets.map((s) => s.path));
  problems.push(...kubernetesValueProblems(config, byDefinition).filter((p) => !secretPaths.has(p.path)));

  if ('REDIS_DB' in config.laravel.env) {
    add('laravel.env.REDIS_DB', 'sets the Redis database behind the queue exporter and KEDA triggers, which would keep reading database 0: set redis.database instead');
  }

  for (const service of ['fastapi', 'waGateway'] as const) {
    const type = config[service].serviceType;
    if (type !== 'ClusterIP') {
      const port = service === 'fastapi' ? 8001 : 3001;
      add(`${service}.serviceType`, `is ${type}; port ${port} must stay inside the cluster (Laravel reaches it through the ClusterIP Service): set ClusterIP`);
    }
  }
  const waProbes = config.waGateway.probes;
  if (waProbes.liveness.type === 'http' && waProbes.readiness.type === 'http' && waProbes.liveness.path === waProbes.readiness.path) {
    add(
      'waGateway.probes.liveness.path',
      `is ${waProbes.liveness.path}, the readiness path; a logged-out session would fail liveness and restart the gateway in a loop while an operator scans the QR code: use a path that does not consult the session, or type tcp`,
    );
  }
  if (production && config.fastapi.replicas > 1 && config.fastapi.maxUnavailable >= config.fastapi.replicas) {
    add('fastapi.maxUnavailable', `is ${config.fastapi.maxUnavailable} with ${config.fastapi.replicas} replicas; a node drain could evict every notification replica at once: lower it below replicas`);
  }
  if (config.waGateway.replicas > 1) {
    add('waGateway.replicas', `is ${config.waGateway.replicas}; a WhatsApp session can be open in only one process: set 1`);
  }

  const seenPools = new Set<string>();
  config.workers.forEach((pool, i) => {
    if (seenPools.has(pool.name)) add(`workers[${i}].name`, `${showValue(pool.name)} is used by another pool; pool names must be unique`);
    seenPools.add(pool.name);
    if (pool.autoscaling.enabled && pool.autoscaling.maxReplicas < pool.replicas) {
      add(`workers[${i}].autoscaling.maxReplicas`, `is ${pool.autoscaling.maxReplicas}, below replicas (${pool.replicas})`);
    }
    if (production && pool.replicas > 1 && pool.maxUnavailable >= pool.replicas) {
      add(`workers[${i}].maxUnavailable`, `is ${pool.maxUnavailable} with ${pool.replicas} replicas; a node drain could evict the whole pool at once: lower it below replicas`);
    }
    problems.push(...workerPoolProblems(pool, `workers[${i}]`));
  });
  problems.push(...notificationCallProblems(config));
  for (const name of POOL_VARIABLES) {
    if (name in config.laravel.env) add(`laravel.env.${name}`, `is set by each worker pool from its workers[] settings (${name === 'REDIS_QUEUE_RETRY_AFTER' ? 'retryAfter' : 'the horizon supervisor'}); remove it and set it there`);
  }

  const web = config.web;
  if (web.autoscaling.enabled && web.autoscaling.maxReplicas < web.replicas) {
    add('web.autoscaling.maxReplicas', `is ${web.autoscaling.maxReplicas}, below web.replicas (${web.replicas})`);
  }
  if (web.maxUnavailable >= web.replicas && production) {
    add('web.maxUnavailable', `is ${web.maxUnavailable} with ${web.replicas} replicas; a drain could take the whole site down: raise web.replicas`);
  }
  // The request-timeout chain: an Ingress annotation may replace the edge's timeout, but never below nginx's.
  const chain = requestTimeoutChain(web.requestTimeoutSeconds);
  const annotationSets: Array<[string, Readonly<Record<string, string>> | undefined]> = [
    ['web.ingress.annotations', web.ingress?.annotations],
    ['web.edge.ingress.annotations', web.edge.ingress.annotations],
    ['web.edge.ingress.webhookAnnotations', web.edge.ingress.webhookAnnotations],
    ['web.edge.ingress.operatorAnnotations', web.edge.ingress.operatorAnnotations],
  ];
  for (const [path, annotations] of annotationSets) {
    for (const name of EDGE_TIMEOUT_ANNOTATIONS) {
      const value = annotations?.[name];
      if (value !== undefined && !(Number(value) > chain.nginx)) {
        add(
          `${path}.${name}`,
          `is "${value}"; the edge must wait longer than nginx (fastcgi_read_timeout ${chain.nginx} s, from web.requestTimeoutSeconds ${web.requestTimeoutSeconds}) or it cuts responses nginx is still sending: remove it (default ${chain.edge}) or set more than ${chain.nginx}`,
        );
      }
    }
  }
  const octane = web.runtime === 'octane';
  for (const { path, runtime } of RUNTIME_ONLY_KEYS) {
    const key = path.join('.');
    if (!written.has(key) || runtime === web.runtime) continue;
    add(
      key,
      runtime === 'php-fpm'
        ? 'applies to web.runtime php-fpm only; Octane runs no php-fpm pool and no nginx: remove it (Octane: web.octane.workers and web.octane.maxRequests, its container web.resources.php)'
        : `applies to web.runtime octane only (web.runtime is ${web.runtime}): set web.runtime: octane, or remove it`,
    );
  }
  if (octane && web.autoscaling.phpFpm.enabled) {
    add('web.autoscaling.phpFpm.enabled', "is true, but web.runtime is octane: the trigger reads php-fpm's busy children, and Octane has no php-fpm pool or exporter: set false (CPU and memory scale Octane)");
  }
  // nginx's memory limit bounds the requests it holds at once; fewer than php-fpm can answer wastes the pool.
  const nginxResources = web.resources.nginx ?? DEFAULT_RESOURCES.nginx;
  const maxActive = nginxMaxActiveRequests(nginxResources, nginxWorkerProcesses(nginxResources));
  if (!octane && maxActive < web.phpFpm.maxChildren) {
    add(
      'web.resources.nginx.limits.memory',
      `is ${nginxResources.limits.memory}; nginx can hold only ${maxActive} requests in progress in it (up to ${NGINX_REQUEST_MEMORY_KIB} KiB each), fewer than web.phpFpm.maxChildren (${web.phpFpm.maxChildren}): raise it`,
    );
  }
  const fpmScaling = web.autoscaling.phpFpm;
  if (fpmScaling.enabled && !octane) {
    if (!web.autoscaling.enabled) add('web.autoscaling.phpFpm.enabled', 'is true but web.autoscaling.enabled is false: enable autoscaling, or turn the php-fpm trigger off');
    if (!fpmScaling.prometheusAddress) add('web.autoscaling.phpFpm.prometheusAddress', 'is missing; KEDA needs the Prometheus URL to read php-fpm saturation, e.g. http://prometheus-operated.monitoring.svc:9090');
    if (!config.observability.metrics.enabled) add('web.autoscaling.phpFpm.enabled', 'is true but observability.metrics.enabled is false: the php-fpm exporter the trigger reads would not run');
  }
  const fpm = web.phpFpm;
  if (!octane && (fpm.minSpareServers > fpm.maxSpareServers || fpm.startServers < fpm.minSpareServers || fpm.startServers > fpm.maxSpareServers || fpm.maxSpareServers > fpm.maxChildren)) {
    add('web.phpFpm', 'php-fpm needs minSpareServers <= startServers <= maxSpareServers <= maxChildren');
  }

  problems.push(...phpSettingsProblems(config));

  const uptime = config.observability.uptime;
  if (uptime.enabled && !uptime.proberUrl) {
    add('observability.uptime.proberUrl', 'is missing; the uptime check needs the blackbox exporter Prometheus scrapes, host:port, e.g. prometheus-blackbox-exporter.monitoring.svc:9115');
  }
  if (production) {
    (uptime.targets ?? []).forEach((target, i) => {
      if (!target.startsWith('https://')) add(`observability.uptime.targets[${i}]`, `${showValue(target)} is not HTTPS; production is served over HTTPS only, so probe what visitors use`);
    });
  }

  problems.push(...edgeProblems(config));
  const dnsBlocks = config.networkPolicy.dns.ipBlocks;
  dnsBlocks.forEach((cidr, i) => {
    if (cidr.endsWith('/0')) add(`networkPolicy.dns.ipBlocks[${i}]`, `"${cidr}" opens port 53 to every address (a DNS tunnel out of the cluster); give the node-local cache's address, e.g. 169.254.20.10/32`);
  });

  const backup = config.backup;
  if (backup.enabled) {
    const bucket = backup.bucket ?? `${config.objectStorage.bucket}-backups`;
    if (production && bucket === config.objectStorage.bucket && !backup.sharedBucketWithPrefixPolicy) {
      add(
        'backup.bucket',
        `is the uploads bucket ${bucket}; the application's S3 keys, or whoever takes them over, could delete the backups: use a bucket of its own (the default is ${bucket}-backups), or set backup.sharedBucketWithPrefixPolicy once a bucket policy denies the application's keys on ${backup.prefix}`,
      );
    }
    if (backup.serverSideEncryption.kmsKeyId && backup.serverSideEncryption.type !== 'aws:kms') {
      add('backup.serverSideEncryption.kmsKeyId', `is set but type is ${backup.serverSideEncryption.type}; a KMS key needs type aws:kms`);
    }
    for (const [path, refs, allowed] of [
      ['backup.remoteRefs', backup.remoteRefs, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DB_USERNAME', 'DB_PASSWORD']],
      ['backup.restoreCheck.remoteRefs', backup.restoreCheck.remoteRefs, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']],
    ] as const) {
      for (const name of Object.keys(refs)) {
        if (!(allowed as readonly string[]).includes(name)) add(`${path}.${name}`, `is not a variable of this job; expected one of: ${allowed.join(', ')}`);
      }
    }
  }

  const migrations = config.migrations;
  if (production && migrations.backoffLimit > 0) {
    add(
      'migrations.backoffLimit',
      `is ${migrations.backoffLimit}; MySQL DDL is not transactional, so a retry re-runs a half-applied migration against a changed schema: set 0 and follow the failed-migration runbook (docs/operations.md)`,
    );
  }
  if (migrations.activeDeadlineSeconds > ISOLATED_LOCK_SECONDS) {
    add(
      'migrations.activeDeadlineSeconds',
      `is ${migrations.activeDeadlineSeconds}; migrate --isolated holds its lock for ${ISOLATED_LOCK_SECONDS} s, so a longer run would let a second migration start beside it: set at most ${ISOLATED_LOCK_SECONDS}`,
    );
  }

  for (const [path, schedule] of [
    ['scheduler.schedule', config.scheduler.schedule],
    ['backup.schedule', config.backup.schedule],
    ['backup.restoreCheck.schedule', config.backup.restoreCheck.schedule],
  ]) {
    const problem = cronProblem(schedule);
    if (problem) add(path, `${showValue(schedule)} is not a valid cron schedule: ${problem}`);
  }
  return problems;
}

/** `web.php`: memory_limit x PHP processes within the container's memory, production's OPcache, directives owned by other keys. */
export function phpSettingsProblems(config: EnvironmentConfig): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const web = config.web;
  const php = web.php;
  const memory = phpMemoryProblem(php, {
    // Every child of both php-fpm pools, or every Octane worker, may reach memory_limit at once.
    processes: web.runtime === 'octane' ? OCTANE_SERVERS[web.octane.server].phpProcesses(web.octane.workers) : web.phpFpm.maxChildren + PHP_FPM_HEALTH_POOL.children,
    containerMemoryLimit: (web.resources.php ?? DEFAULT_RESOURCES.php).limits.memory,
  });
  if (memory) problems.push({ path: 'web.php.memoryLimit', message: memory });
  if (config.tier === 'production' && php.opcache.validateTimestamps) {
    problems.push({ path: 'web.php.opcache.validateTimestamps', message: 'is true; the code in an image never changes, and checking timestamps costs a stat per file on every request: production sets false' });
  }
  for (const name of Object.keys(php.ini)) {
    const owner = MANAGED_PHP_DIRECTIVES[name];
    if (owner) problems.push({ path: formatKeyPath(['web', 'php', 'ini', name]), message: `is set from ${owner}; set it there, so the checks that depend on it see it` });
  }
  return problems;
}

/** Seconds Laravel's `--isolated` lock lasts (Command::isolationLockExpiresAt, one hour). */
export const ISOLATED_LOCK_SECONDS = 3600;

/** Variables each worker pool sets in its pods; laravel.env must not set them for everyone. */
const POOL_VARIABLES = [
  'REDIS_QUEUE_RETRY_AFTER',
  ...['CONNECTION', 'QUEUES', 'BALANCE', 'MIN_PROCESSES', 'MAX_PROCESSES', 'TIMEOUT', 'TRIES', 'MEMORY', 'BACKOFF', 'SLEEP', 'MAX_JOBS', 'MAX_TIME', 'MEMORY_LIMIT'].map((v) => `HORIZON_${v}`),
];

/** The rules of one worker pool: the mode's own settings, retry_after against the timeout, memory against the limit. */
export function workerPoolProblems(pool: EnvironmentConfig['workers'][number], path: string): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (key: string, message: string) => problems.push({ path: `${path}.${key}`, message });
  if (pool.mode === 'horizon' && !pool.horizon) {
    add('horizon.maxProcesses', 'is required with mode horizon: how many workers the Horizon supervisor may run (it sizes the pod\'s memory), e.g. horizon: { maxProcesses: 3 }');
  }
  if (pool.mode === 'queue-work' && pool.horizon) add('horizon', 'applies to mode horizon only; remove it, or set mode: horizon');
  if (pool.horizon && pool.horizon.minProcesses > pool.horizon.maxProcesses) {
    add('horizon.minProcesses', `is ${pool.horizon.minProcesses}, above horizon.maxProcesses (${pool.horizon.maxProcesses})`);
  }
  const retryAfter = retryAfterOf(pool);
  if (retryAfter < minimumRetryAfter(pool.timeout)) {
    add(
      'retryAfter',
      `is ${retryAfter}; Redis hands a job still reserved after retry_after to another worker, so a job running up to the timeout (${pool.timeout} s) would run twice: ` +
        `retryAfter must exceed timeout by more than ${RETRY_AFTER.marginSeconds} s: set at least ${minimumRetryAfter(pool.timeout)}, or leave it out (timeout + ${RETRY_AFTER.defaultExtraSeconds})`,
    );
  }
  const limit = pool.resources ? quantityMiB(pool.resources.limits.memory) : undefined;
  const need = workerMemoryMiB(pool);
  if (limit !== undefined && limit < need.limit) {
    const what =
      pool.mode === 'horizon'
        ? `Horizon runs its master (horizon.masterMemory ${pool.horizon?.masterMemory ?? 64} MB), a supervisor and up to horizon.maxProcesses (${pool.horizon?.maxProcesses ?? 1}) workers of up to memory (${pool.memory} MB) each, ${WORKER_MEMORY_MIB.processOverhead} MiB more per process`
        : `the worker restarts itself only above memory (${pool.memory} MB) and its process needs ${WORKER_MEMORY_MIB.processOverhead} MiB more`;
    add('resources.limits.memory', `is ${pool.resources!.limits.memory}; ${what}, so it would be OOM-killed mid-job first: set at least ${Math.ceil(need.limit)}Mi, or lower memory`);
  }
  return problems;
}

/** Every image setting with its key path: every value the schema validates as an image, wherever it is. */
export function imagesOf(config: EnvironmentConfig): Array<[string, Image]> {
  return valuesOf<Image>(config, 'image');
}

const CRON_FIELDS: Array<{ name: string; min: number; max: number; names?: string[] }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];
const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Why a schedule is not one the Kubernetes CronJob controller accepts, or undefined when it is. */
export function cronProblem(schedule: string): string | undefined {
  if (CRON_MACROS.includes(schedule.trim())) return undefined;
  const fields = schedule.trim().split(/\s+/);
  if (fields.length !== 5) return `expected 5 fields (minute hour day-of-month month day-of-week), found ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i];
    for (const part of fields[i].split(',')) {
      const match = /^(\*|\?|([0-9A-Za-z]+)(?:-([0-9A-Za-z]+))?)(?:\/([0-9]+))?$/.exec(part);
      if (!match) return `${spec.name} field ${showValue(fields[i])} is malformed`;
      const value = (token: string) => {
        const index = spec.names?.indexOf(token.toUpperCase()) ?? -1;
        if (index >= 0) return index + spec.min;
        return /^[0-9]+$/.test(token) ? Number(token) : NaN;
      };
      for (const token of [match[2], match[3]].filter((t): t is string => t !== undefined)) {
        const n = value(token);
        if (!(n >= spec.min && n <= spec.max)) return `${spec.name} ${showValue(token)} is outside ${spec.min}-${spec.max}`;
      }
      if (match[2] && match[3] && value(match[2]) > value(match[3])) return `${spec.name} range ${showValue(part)} runs backwards`;
      if (match[4] !== undefined && Number(match[4]) === 0) return `${spec.name} step must be at least 1`;
    }
  }
  return undefined;
}

/** Gateway API refuses these in PathPrefix values (CEL rules of the HTTPRoute CRD); Ingress controllers mishandle them. */
const PATH_FORBIDDEN = ['//', '/./', '/../', '%2f', '%2F', '#'];

/** The `web.edge` rules: hosts, the Gateway or Ingress settings of the chosen kind, paths, and the timeout order. */
export function edgeProblems(config: EnvironmentConfig): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const edge = config.web.edge;

  const hosts = edge.hosts ?? [{ hostname: config.laravel.host }];
  const seenHosts = new Map<string, number>();
  const seenSecrets = new Map<string, string>();
  hosts.forEach((host, i) => {
    if (seenHosts.has(host.hostname)) add(`web.edge.hosts[${i}].hostname`, `"${host.hostname}" is listed twice`);
    if (/^[0-9]+(\.[0-9]+){3}$/.test(host.hostname)) add(`web.edge.hosts[${i}].hostname`, `"${host.hostname}" is an IP address; routes and certificates need a DNS name`);
    seenHosts.set(host.hostname, i);
    if (host.tlsSecretName !== undefined) {
      const owner = seenSecrets.get(host.tlsSecretName);
      if (owner) add(`web.edge.hosts[${i}].tlsSecretName`, `"${host.tlsSecretName}" is also the Secret of ${owner}; each host needs its own certificate Secret`);
      seenSecrets.set(host.tlsSecretName, host.hostname);
    }
  });
  if (!seenHosts.has(config.laravel.host)) {
    add('web.edge.hosts', `does not list laravel.host (${config.laravel.host}); APP_URL and the readiness probe use it: add it`);
  }

  const gateway = edge.gateway;
  const ingress = edge.ingress;
  if (edge.kind === 'gateway') {
    if (gateway.create) {
      if (gateway.parentRefs.length > 0) add('web.edge.gateway.parentRefs', 'is set with create: true; the routes then attach to the Gateway the project creates: remove one of them');
      if (!gateway.className) add('web.edge.gateway.className', 'is required with create: true: the GatewayClass of your Gateway API implementation');
    } else {
      if (gateway.parentRefs.length === 0) {
        add(
          'web.edge.gateway.parentRefs',
          'is empty; web.edge.kind gateway (the default) needs the Gateway listener(s) to attach to (name, namespace, sectionName), ' +
            'or create: true to emit a Gateway; set web.edge.kind: ingress to keep an Ingress',
        );
      } else if (!gateway.parentRefs.some((p) => p.listenerProtocol === 'HTTPS')) {
        add('web.edge.gateway.parentRefs', 'names no HTTPS listener (listenerProtocol: HTTPS); the application is served over HTTPS only, plain HTTP listeners only redirect');
      }
      if (gateway.xffTrustedHops !== undefined) {
        add('web.edge.gateway.xffTrustedHops', "configures the Gateway the project creates (create: true); a shared Gateway's owner sets it on theirs");
      }
    }
    const byParent = new Map<string, number[]>();
    gateway.parentRefs.forEach((p, i) => {
      const key = `${p.namespace ?? config.namespace}/${p.name}`;
      byParent.set(key, [...(byParent.get(key) ?? []), i]);
    });
    for (const [parent, indexes] of byParent) {
      if (indexes.length < 2) continue;
      const sections = new Set<string>();
      for (const i of indexes) {
        const section = gateway.parentRefs[i].sectionName;
        if (section === undefined) add(`web.edge.gateway.parentRefs[${i}].sectionName`, `is required: Gateway ${parent} is named more than once, so each reference must name its listener`);
        else if (sections.has(section)) add(`web.edge.gateway.parentRefs[${i}].sectionName`, `"${section}" of Gateway ${parent} is named twice`);
        else sections.add(section);
      }
    }
    const ingressAnnotations = { annotations: ingress.annotations, webhookAnnotations: ingress.webhookAnnotations, operatorAnnotations: ingress.operatorAnnotations };
    for (const [key, value] of Object.entries(ingressAnnotations)) {
      if (Object.keys(value).length > 0) add(`web.edge.ingress.${key}`, 'applies to web.edge.kind ingress only; Gateway API settings are web.edge.gateway and the implementation\'s policies');
    }
  } else {
    if (gateway.parentRefs.length > 0 || gateway.create || gateway.className !== undefined || gateway.xffTrustedHops !== undefined) {
      add('web.edge.gateway', 'applies to web.edge.kind gateway only; remove it, or set web.edge.kind: gateway');
    }
    const dataPlane = config.networkPolicy.gatewayDataPlane;
    if (dataPlane.namespace !== undefined || dataPlane.podLabels !== undefined) {
      add('networkPolicy.gatewayDataPlane', 'applies to web.edge.kind gateway only; with an Ingress, networkPolicy.ingressController says who reaches the web pods');
    }
    const profile = INGRESS_CONTROLLERS[ingress.controller];
    if (profile && !profile.rateLimits) {
      for (const key of ['rateLimitRps', 'webhookRateLimitRps'] as const) {
        if (edge[key] > 0) {
          add(`web.edge.${key}`, `is ${edge[key]}; the ${profile.name} Ingress profile has no rate-limit annotation: set 0 and give your controller's annotation in web.edge.ingress.annotations`);
        }
      }
    }
    if (profile && !profile.allowLists && edge.operatorPaths.length > 0 && Object.keys(ingress.operatorAnnotations).length === 0) {
      add('web.edge.ingress.operatorAnnotations', `is empty; the ${profile.name} Ingress profile has no allow-list annotation, so the operator paths would be public: give your controller's`);
    }
  }

  const pathLists = { webhookPaths: edge.webhookPaths, operatorPaths: edge.operatorPaths };
  const owners = new Map<string, string>();
  for (const [key, paths] of Object.entries(pathLists)) {
    paths.forEach((path, i) => {
      const where = `web.edge.${key}[${i}]`;
      const bad = PATH_FORBIDDEN.find((part) => path.includes(part));
      if (bad) add(where, `"${path}" contains "${bad}"; a path prefix must be a plain absolute path`);
      else if (path.endsWith('/.') || path.endsWith('/..')) add(where, `"${path}" ends with a dot segment; a path prefix must be a plain absolute path`);
      if (path === '/') {
        add(where, key === 'webhookPaths' ? '"/" would exempt the whole site from the rate limit; list the webhook paths only' : '"/" would put the whole site behind the allow list; list the operator paths only');
      }
      const normalized = path.replace(/\/+$/, '') || '/';
      const owner = owners.get(normalized);
      if (owner) add(where, `"${path}" is already listed at ${owner}; a path belongs to one route`);
      owners.set(normalized, where);
    });
  }
  if (edge.operatorPaths.length > 0 && edge.operatorAllowedCidrs.length === 0) {
    add('web.edge.operatorAllowedCidrs', 'is empty; the operator paths would be public: list the client ranges allowed (VPN, office)');
  }
  if (edge.operatorPaths.length === 0 && edge.operatorAllowedCidrs.length > 0) {
    add('web.edge.operatorAllowedCidrs', 'is set, but web.edge.operatorPaths is empty: list the paths it protects');
  }
  if (edge.webhookPaths.length === 0) {
    if (edge.webhookRateLimitRps > 0) add('web.edge.webhookRateLimitRps', 'is set, but web.edge.webhookPaths is empty: list the webhook paths');
    if (edge.webhookTimeoutSeconds !== undefined) add('web.edge.webhookTimeoutSeconds', 'is set, but web.edge.webhookPaths is empty: list the webhook paths');
  }
  const chain = requestTimeoutChain(config.web.requestTimeoutSeconds);
  if (edge.webhookTimeoutSeconds !== undefined && edge.webhookTimeoutSeconds < chain.edge) {
    add(
      'web.edge.webhookTimeoutSeconds',
      `is ${edge.webhookTimeoutSeconds}; the edge must wait longer than nginx (fastcgi_read_timeout ${chain.nginx} s, from web.requestTimeoutSeconds ${config.web.requestTimeoutSeconds}), ` +
        `or it cuts answers nginx is still sending: set at least ${chain.edge}, or leave it out`,
    );
  }
  return problems;
}

/**
 * Calls out of a job (lib/notifications/call-budgets.ts): each waiter outlasts what it waits for, so no
 * level gives up while the level below still sends, and the idempotency keys outlive every retry.
 */
export function notificationCallProblems(config: EnvironmentConfig): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const calls = config.notificationCalls;
  const retry = config.waGateway.retry;
  const budget = gatewayRetryBudgetSeconds(retry);
  const gatewayWait = fastapiGatewayTimeoutSeconds(calls.requestTimeoutSeconds);
  if (budget >= gatewayWait) {
    const delays = retryDelays(retry);
    add(
      'notificationCalls.requestTimeoutSeconds',
      `is ${calls.requestTimeoutSeconds}; FastAPI waits ${gatewayWait} s for the WA gateway, which may retry a send inline for up to ${budget} s ` +
        `(waGateway.retry: ${retry.attempts} attempts of up to ${retry.attemptTimeoutSeconds} s${delays.length ? `, delays ${delays.join(' + ')} s` : ''}): ` +
        `FastAPI would give up while the gateway still sends, the job would retry and the customer get the message again: set more than ${budget + CALL_CHAIN_MARGIN_SECONDS}, or shorten waGateway.retry`,
    );
  }
  const poolNames = config.workers.map((w) => w.name);
  calls.pools?.forEach((name, i) => {
    if (!poolNames.includes(name)) add(`notificationCalls.pools[${i}]`, `${showValue(name)} is not a worker pool (workers[].name: ${poolNames.join(', ')})`);
  });
  const callers = config.workers.map((pool, i) => ({ pool, i })).filter(({ pool }) => (calls.pools ?? poolNames).includes(pool.name));
  for (const { pool, i } of callers) {
    const least = minimumJobTimeout(calls.requestTimeoutSeconds);
    if (pool.timeout < least) {
      add(
        `workers[${i}].timeout`,
        `is ${pool.timeout}; its jobs call FastAPI and wait up to ${calls.requestTimeoutSeconds} s (notificationCalls.requestTimeoutSeconds): the worker would kill a job still waiting and its retry would send the message again: ` +
          `set at least ${least}, lower notificationCalls.requestTimeoutSeconds, or leave the pool out of notificationCalls.pools`,
      );
    }
  }
  const windows = callers.map(({ pool }) => ({ pool, retryAfter: retryAfterOf(pool), seconds: idempotencyWindowSeconds(pool, retryAfterOf(pool)) }));
  const longest = Math.max(0, ...windows.map((w) => w.seconds));
  if (calls.idempotency.ttlSeconds < longest) {
    const each = windows.map((w, n) => `${n === 0 ? 'a job of pool ' : 'pool '}${w.pool.name} ${n === 0 ? 'may retry its send ' : ''}for up to ${w.seconds} s (tries ${w.pool.tries} x (retryAfter ${w.retryAfter} + backoff ${w.pool.backoff}))`);
    add('notificationCalls.idempotency.ttlSeconds', `is ${calls.idempotency.ttlSeconds}; ${each.join(', ')}: a key forgotten before that lets a late retry send the message again: set at least ${longest}`);
  }
  const seen = new Map<string, string>();
  for (const key of ['requestTimeout', 'gatewayTimeout', 'idempotencyHeader', 'idempotencyTtl'] as const) {
    const name = calls.env[key];
    const other = seen.get(name);
    if (other) add(`notificationCalls.env.${key}`, `is ${name}, the name notificationCalls.env.${other} uses; each setting needs a variable of its own`);
    else seen.set(name, key);
  }
  // What each side reads: variable name, the key that sets its value, and the key that names it.
  const env = calls.env;
  const timeout: [string, string, string] = [env.requestTimeout, 'notificationCalls.requestTimeoutSeconds', 'notificationCalls.env.requestTimeout'];
  const gatewayTimeout: [string, string, string] = [env.gatewayTimeout, 'notificationCalls.requestTimeoutSeconds (less 5 s)', 'notificationCalls.env.gatewayTimeout'];
  const header: [string, string, string] = [env.idempotencyHeader, 'notificationCalls.idempotency.header', 'notificationCalls.env.idempotencyHeader'];
  const ttl: [string, string, string] = [env.idempotencyTtl, 'notificationCalls.idempotency.ttlSeconds', 'notificationCalls.env.idempotencyTtl'];
  const rendered: Array<[string, Readonly<Record<string, string>>, Array<[string, string, string?]>]> = [
    ['laravel', config.laravel.env, [timeout, header]],
    ['fastapi', config.fastapi.env, [gatewayTimeout, header, ttl]],
    ['waGateway', config.waGateway.env, [header, ttl, ['SEND_ATTEMPT_TIMEOUT_SECONDS', 'waGateway.retry.attemptTimeoutSeconds']]],
  ];
  for (const [section, userEnv, variables] of rendered) {
    for (const [name, source, naming] of variables) {
      if (name in userEnv) add(`${section}.env.${name}`, `is set from ${source}; remove it and set that instead${naming ? ` (${naming} renames the variable)` : ''}`);
    }
  }
  return problems;
}

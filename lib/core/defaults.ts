/**
 * Defaults that matter, in one module so that documentation and tests cannot drift from the code.
 * Each is pinned by its own test in test/lib/core/defaults.test.ts.
 */
import { Resources } from '../config/types.generated';

/** Ports inside the pods. nginx-unprivileged listens on 8080; the notification services keep their own ports. */
export const PORTS = {
  nginxHttp: 8080,
  /** nginx server bound to 127.0.0.1 for php-fpm status and ping: reachable from inside the pod only. */
  nginxLocalStatus: 8081,
  /** nginx server for the kubelet's readiness probe: Laravel's health route on php-fpm's health pool. No Service targets it. */
  nginxHealth: 8082,
  /** php-fpm's main pool, on 127.0.0.1 only: the pod IP refuses FastCGI. */
  phpFpm: 9000,
  /** php-fpm's health pool (the health route and the ping), on 127.0.0.1. */
  phpFpmHealth: 9001,
  /** php-fpm's status listener (pm.status_listen): the main pool's status even when every child is busy. */
  phpFpmStatus: 9002,
  fastapi: 8001,
  waGateway: 3001,
  phpFpmExporter: 9253,
  nginxExporter: 9113,
  redisExporter: 9121,
} as const;

/** Where the Laravel application lives inside its image (the official php image's working directory). */
export const APP_ROOT = '/var/www/html';

/** Container resources used when the config names none. Memory limits are always set; CPU limits are not (throttling). */
export const DEFAULT_RESOURCES: Record<
  'php' | 'nginx' | 'init' | 'worker' | 'scheduler' | 'migration' | 'fastapi' | 'waGateway' | 'exporter' | 'backup' | 'restoreDatabase',
  Resources
> = {
  php: { requests: { cpu: '250m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  nginx: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  init: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  worker: { requests: { cpu: '100m', memory: '192Mi' }, limits: { memory: '384Mi' } },
  scheduler: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  migration: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  fastapi: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  waGateway: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '768Mi' } },
  exporter: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
  backup: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
  /** The restore check's scratch database server. */
  restoreDatabase: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
};

/**
 * Probe timings. Liveness is cheap and patient: a php-fpm whose children are all busy still accepts TCP
 * connections on its master socket, so a busy pod is never killed; only a dead master is.
 */
export const PROBES = {
  startup: { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
  readiness: { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1 },
  liveness: { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
} as const;

/**
 * php-fpm's health pool: a few children of their own for Laravel's health route and the ping, so a main
 * pool whose children are all busy never fails readiness or liveness. The route answers in milliseconds;
 * its time limits end a stuck health check long before the probes give up on the pod.
 */
export const PHP_FPM_HEALTH_POOL = { children: 2, requestTimeoutSeconds: 10, maxExecutionSeconds: 5 } as const;

/** Seconds added to the longest in-flight work when computing a grace period. */
export const SHUTDOWN_MARGIN_SECONDS = 15;

/**
 * A queue connection's retry_after must exceed the longest job by more than `marginSeconds` (Laravel: "several
 * seconds"), or Redis hands a job that is still running to a second worker; a pool's default adds `defaultExtraSeconds`.
 */
export const RETRY_AFTER = { marginSeconds: 15, defaultExtraSeconds: 30 } as const;

/**
 * Memory of the PHP processes of a worker pod, MiB. `--memory` (and Horizon's memory options) count PHP's own
 * heap (memory_get_usage(true)); a process needs `processOverhead` more (the binary's data, extensions, the
 * allocations outside the Zend heap). A Horizon pod runs its master (restarting itself above
 * horizon.memory_limit), one supervisor process and up to maxProcesses workers.
 */
export const WORKER_MEMORY_MIB = { processOverhead: 32, horizonSupervisor: 64 } as const;

/** Scheduler and job bookkeeping. */
export const JOB_HISTORY = { successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 5 } as const;

/** Annotation Argo CD reads for ordering; see lib/core/sync-waves.ts. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/**
 * Database client images of the backup dump step, per engine, when `backup.image` is not set. The official
 * images carry the client (mysqldump / pg_dump), bash and gzip; the client must be at least the server's
 * major version (pg_dump 17 dumps PostgreSQL 9.2 to 17, mysqldump 8.4 dumps MySQL 8.0 and 8.4).
 */
export const BACKUP_DUMP_IMAGES = {
  mysql: { repository: 'docker.io/library/mysql', tag: '8.4.3' },
  pgsql: { repository: 'docker.io/library/postgres', tag: '17.2-bookworm' },
} as const;

/* Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. */

/**
 * One deployment environment of pembayaran.
 */
export interface EnvironmentConfig {
  /**
   * Environment name; output goes to dist/<name>/.
   */
  name: string;
  /**
   * `production` refuses unsafe settings; `staging` and `development` allow debugging aids.
   */
  tier: 'production' | 'staging' | 'development';
  /**
   * Kubernetes namespace for every object.
   */
  namespace: string;
  /**
   * Prefix of every object name and the app.kubernetes.io/name label.
   */
  appName: string;
  podSecurity: PodSecurityConfig;
  laravel: LaravelConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  objectStorage: ObjectStorageConfig;
  secrets: SecretsConfig;
  web: WebConfig;
  /**
   * Queue worker pools.
   */
  workers: WorkerPoolConfig[];
  scheduler: SchedulerConfig;
  migrations: MigrationsConfig;
  fastapi: FastapiConfig;
  waGateway: WaGatewayConfig;
  networkPolicy: NetworkPolicyConfig;
  observability: ObservabilityConfig;
  backup: BackupConfig;
  argocd: ArgocdConfig;
}
/**
 * Identity of every pod; the rest of the restricted security context is fixed.
 */
export interface PodSecurityConfig {
  /**
   * Numeric non-root UID every container runs as.
   */
  runAsUser: number;
  /**
   * Numeric GID every container runs as.
   */
  runAsGroup: number;
  /**
   * Group that owns mounted volumes (PVC, emptyDir).
   */
  fsGroup: number;
}
/**
 * The Laravel application shared by web, workers, scheduler and migrations.
 */
export interface LaravelConfig {
  image: Image;
  /**
   * Public host name; APP_URL is https://<host>.
   */
  host: string;
  /**
   * APP_URL override; must be https:// in production. Default: https://<host>.
   */
  url?: string;
  /**
   * APP_DEBUG. Refused in production.
   */
  debug: boolean;
  /**
   * LOG_LEVEL. production allows info, notice, warning, error.
   */
  logLevel: 'debug' | 'info' | 'notice' | 'warning' | 'error';
  /**
   * APP_TIMEZONE.
   */
  timezone: string;
  /**
   * TRUSTED_PROXIES: the ingress controller's addresses (Laravel reads X-Forwarded-* only from them).
   */
  trustedProxies: string;
  /**
   * CORS_ALLOWED_ORIGINS (comma-joined). Empty means only APP_URL.
   */
  corsAllowedOrigins: string[];
  env: EnvMap;
  secretEnv: SecretEnv;
}
/**
 * A container image, pinned by tag or digest.
 */
export interface Image {
  /**
   * Image repository without tag, e.g. ghcr.io/example/pembayaran.
   */
  repository: string;
  /**
   * Pinned image tag; a tag or a digest is required. `latest` is refused in production tiers.
   */
  tag?: string;
  /**
   * Image digest; optional, and when set it pins the exact image (the tag stays for readers).
   */
  digest?: string;
}
/**
 * Extra non-secret environment variables.
 */
export interface EnvMap {
  [k: string]: string;
}
/**
 * Environment variables read from the secret manager: NAME -> remote reference (key defaults to secrets.remoteKey, property to NAME).
 */
export interface SecretEnv {
  [k: string]: {
    /**
     * Remote key in the secret store.
     */
    key?: string;
    /**
     * Property inside the remote key.
     */
    property?: string;
  };
}
/**
 * Production RDBMS (credentials come from the secret manager).
 */
export interface DatabaseConfig {
  /**
   * DB_CONNECTION.
   */
  connection: 'mysql' | 'pgsql';
  /**
   * DB_HOST.
   */
  host: string;
  /**
   * DB_PORT. Default: 3306 for mysql, 5432 for pgsql.
   */
  port?: number;
  /**
   * DB_DATABASE.
   */
  name: string;
  /**
   * Where the database lives, for NetworkPolicy egress.
   *
   * @minItems 1
   */
  peers: [Peer, ...Peer[]];
}
/**
 * A network peer: either `cidr` or `namespace` (with optional `podLabels`).
 */
export interface Peer {
  /**
   * An IPv4 CIDR, e.g. 10.20.0.0/16.
   */
  cidr?: string;
  /**
   * CIDRs inside `cidr` that stay closed.
   */
  except?: string[];
  /**
   * In-cluster peer: its namespace name.
   */
  namespace?: string;
  /**
   * In-cluster peer: its pod labels.
   */
  podLabels?: {
    [k: string]: string;
  };
}
/**
 * Redis for cache, sessions and queues.
 */
export interface RedisConfig {
  /**
   * REDIS_HOST.
   */
  host: string;
  /**
   * REDIS_PORT.
   */
  port: number;
  /**
   * REDIS_PREFIX; queue lists are <prefix>queues:<queue>. Default: <appName>_database_.
   */
  prefix?: string;
  /**
   * Where Redis lives, for NetworkPolicy egress.
   *
   * @minItems 1
   */
  peers: [Peer, ...Peer[]];
}
/**
 * S3/MinIO for uploads (FILESYSTEM_DISK=s3), so every replica sees the same files.
 */
export interface ObjectStorageConfig {
  /**
   * AWS_BUCKET.
   */
  bucket: string;
  /**
   * AWS_DEFAULT_REGION.
   */
  region: string;
  /**
   * AWS_ENDPOINT for MinIO or another S3-compatible store. Default: unset (AWS S3 for the region).
   */
  endpoint?: string;
  /**
   * AWS_USE_PATH_STYLE_ENDPOINT (true for MinIO).
   */
  usePathStyleEndpoint: boolean;
  /**
   * AWS_URL: public base URL of stored files. Default: unset (the bucket URL the SDK derives).
   */
  url?: string;
  /**
   * Where it lives, for NetworkPolicy egress on `port` (443 by default; the endpoint's port for MinIO).
   *
   * @minItems 1
   */
  peers: [Peer, ...Peer[]];
  /**
   * Port of the object store endpoint, for NetworkPolicy egress.
   */
  port: number;
}
/**
 * Secret manager wiring through External Secrets Operator. No secret value is ever written to the output.
 */
export interface SecretsConfig {
  /**
   * The External Secrets Operator store holding this environment's secrets.
   */
  store: {
    /**
     * Kind of the External Secrets store.
     */
    kind: 'ClusterSecretStore' | 'SecretStore';
    /**
     * Name of the store.
     */
    name: string;
  };
  /**
   * Default remote key; each variable is a property of it unless remapped.
   */
  remoteKey: string;
  /**
   * How often ESO re-reads the store.
   */
  refreshInterval: string;
  remoteRefs: SecretEnv;
}
/**
 * php-fpm plus nginx web tier.
 */
export interface WebConfig {
  /**
   * Replicas (the HPA minimum when autoscaling).
   */
  replicas: number;
  nginxImage: Image;
  /**
   * Per-container resources; unset ones use the defaults in lib/core/defaults.ts.
   */
  resources: {
    php?: Resources;
    nginx?: Resources;
    init?: Resources;
  };
  /**
   * php-fpm pool tuning.
   */
  phpFpm: {
    /**
     * pm.max_children.
     */
    maxChildren: number;
    /**
     * pm.start_servers.
     */
    startServers: number;
    /**
     * pm.min_spare_servers.
     */
    minSpareServers: number;
    /**
     * pm.max_spare_servers.
     */
    maxSpareServers: number;
    /**
     * pm.max_requests (recycles children against leaks).
     */
    maxRequests: number;
  };
  /**
   * nginx client_max_body_size and the ingress proxy-body-size.
   */
  clientMaxBodySize: string;
  /**
   * Laravel health route used for readiness (Laravel 11+ ships /up), served to the kubelet on nginx's health port by php-fpm's health pool, so a saturated main pool cannot fail it.
   */
  readinessPath: string;
  /**
   * preStop pause while endpoints drain, before nginx stops.
   */
  drainSeconds: number;
  /**
   * Longest request, PHP's own limit. php-fpm's request_terminate_timeout, nginx's fastcgi_read_timeout and the edge's timeout are each 5 s longer than the one inside (lib/laravel/request-timeouts.ts).
   */
  requestTimeoutSeconds: number;
  /**
   * HorizontalPodAutoscaler.
   */
  autoscaling: {
    /**
     * Create a HorizontalPodAutoscaler.
     */
    enabled: boolean;
    /**
     * Upper bound.
     */
    maxReplicas: number;
    /**
     * Average CPU utilization target, percent of requests.
     */
    targetCpuUtilization: number;
    /**
     * Average memory utilization target, percent of requests. Default: memory not used.
     */
    targetMemoryUtilization?: number;
  };
  /**
   * PodDisruptionBudget maxUnavailable.
   */
  maxUnavailable: number;
  /**
   * Ingress with TLS.
   */
  ingress: {
    /**
     * IngressClass.
     */
    className: string;
    /**
     * cert-manager ClusterIssuer for the TLS certificate.
     */
    clusterIssuer: string;
    /**
     * Secret cert-manager writes the certificate to. Default: <appName>-tls.
     */
    tlsSecretName?: string;
    /**
     * Requests per second per client IP (0: no limit).
     */
    rateLimitRps: number;
    /**
     * Extra Ingress annotations. One that sets the edge's proxy-read-timeout or proxy-send-timeout must exceed nginx's fastcgi_read_timeout (web.requestTimeoutSeconds + 10), or the config is refused.
     */
    annotations: {
      [k: string]: string;
    };
  };
}
/**
 * Container resources.
 */
export interface Resources {
  /**
   * Scheduling requests.
   */
  requests: {
    /**
     * CPU quantity, e.g. 250m or 1.
     */
    cpu: string;
    /**
     * Memory quantity, e.g. 256Mi.
     */
    memory: string;
  };
  /**
   * Limits: memory is required (a leak must not starve the node); CPU is optional (throttling hurts latency).
   */
  limits: {
    /**
     * CPU limit, e.g. 1. Default: none (CPU limits throttle latency-sensitive PHP; requests drive scheduling and the HPA).
     */
    cpu?: string;
    /**
     * Memory quantity, e.g. 256Mi.
     */
    memory: string;
  };
}
export interface WorkerPoolConfig {
  /**
   * Pool name: <appName>-worker-<name>.
   */
  name: string;
  /**
   * `horizon` runs php artisan horizon; `queue-work` runs php artisan queue:work redis.
   */
  mode: 'horizon' | 'queue-work';
  /**
   * Queues in priority order.
   *
   * @minItems 1
   */
  queues: [string, ...string[]];
  /**
   * Replicas (the KEDA minimum when autoscaling).
   */
  replicas: number;
  /**
   * --timeout: longest job, seconds. The grace period exceeds it.
   */
  timeout: number;
  /**
   * --tries.
   */
  tries: number;
  /**
   * --memory: MB after which a worker restarts.
   */
  memory: number;
  /**
   * --sleep when the queue is empty.
   */
  sleep: number;
  /**
   * --backoff seconds between tries.
   */
  backoff: number;
  /**
   * --max-jobs before a worker restarts (0: unlimited).
   */
  maxJobs: number;
  /**
   * --max-time seconds before a worker restarts (0: unlimited).
   */
  maxTime: number;
  resources?: Resources;
  /**
   * KEDA autoscaling.
   */
  autoscaling: {
    /**
     * Scale with a KEDA ScaledObject on the Redis list length.
     */
    enabled: boolean;
    /**
     * Upper bound.
     */
    maxReplicas: number;
    /**
     * Jobs per replica.
     */
    listLength: number;
    /**
     * Seconds after the last trigger before scaling down.
     */
    cooldownPeriod: number;
    /**
     * Seconds between checks.
     */
    pollingInterval: number;
  };
}
/**
 * Laravel scheduler.
 */
export interface SchedulerConfig {
  /**
   * CronJob schedule of php artisan schedule:run.
   */
  schedule: string;
  /**
   * A run that cannot start within this is skipped.
   */
  startingDeadlineSeconds: number;
  /**
   * Longest run.
   */
  activeDeadlineSeconds: number;
  resources?: Resources;
}
/**
 * php artisan migrate --force, once per release, before new pods roll out.
 */
export interface MigrationsConfig {
  /**
   * Longest migration run.
   */
  activeDeadlineSeconds: number;
  /**
   * Retries of a failed migration.
   */
  backoffLimit: number;
  resources?: Resources;
}
/**
 * FastAPI notification service on port 8001, reachable only from Laravel pods.
 */
export interface FastapiConfig {
  image: Image;
  /**
   * The ASGI application uvicorn serves, as module:attribute.
   */
  appModule: string;
  /**
   * Replicas.
   */
  replicas: number;
  /**
   * Readiness and liveness path.
   */
  healthPath: string;
  /**
   * Service type. Only ClusterIP is accepted: the port must never leave the cluster.
   */
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * uvicorn --timeout-graceful-shutdown seconds (the grace period exceeds it).
   */
  timeoutGracefulShutdown: number;
  /**
   * uvicorn --log-level and LOG_LEVEL.
   */
  logLevel: 'debug' | 'info' | 'warning' | 'error';
  env: EnvMap;
  secretEnv: SecretEnv;
  resources?: Resources;
}
/**
 * WhatsApp gateway on port 3001 with sessions on a PersistentVolumeClaim.
 */
export interface WaGatewayConfig {
  image: Image;
  /**
   * Must be 1 (or 0 to stop it): a WhatsApp session can be open in only one process.
   */
  replicas: number;
  /**
   * In-container session directory (the app keeps it in fastapi/wa-gateway/sessions/).
   */
  sessionPath: string;
  /**
   * Session volume.
   */
  storage: {
    /**
     * PVC size.
     */
    size: string;
    /**
     * StorageClass. Default: the cluster default.
     */
    storageClassName?: string;
    /**
     * PVC access mode.
     */
    accessMode: 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany';
  };
  /**
   * Readiness and liveness probe.
   */
  probe: {
    /**
     * HTTP GET on `path`, or a TCP connect.
     */
    type: 'http' | 'tcp';
    /**
     * HTTP probe path.
     */
    path: string;
  };
  /**
   * Memory-backed /dev/shm for Chromium-based gateways.
   */
  shmSize: string;
  /**
   * Service type. Only ClusterIP is accepted: the port must never leave the cluster.
   */
  serviceType: 'ClusterIP' | 'NodePort' | 'LoadBalancer';
  /**
   * Also let Laravel pods reach 3001 (by default only FastAPI can).
   */
  allowFromLaravel: boolean;
  /**
   * LOG_LEVEL.
   */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /**
   * Message-sending retry policy.
   */
  retry: {
    /**
     * Send attempts per message.
     */
    attempts: number;
    /**
     * First retry delay; doubles each attempt.
     */
    backoffSeconds: number;
    /**
     * Retry delay cap.
     */
    maxBackoffSeconds: number;
  };
  env: EnvMap;
  secretEnv: SecretEnv;
  resources?: Resources;
}
/**
 * NetworkPolicies: default deny, then these allows.
 */
export interface NetworkPolicyConfig {
  /**
   * Who may reach the web pods.
   */
  ingressController: {
    /**
     * Namespace of the ingress controller.
     */
    namespace: string;
    /**
     * Labels of the controller pods (empty: any pod in that namespace).
     */
    podLabels: {
      [k: string]: string;
    };
  };
  /**
   * Cluster DNS.
   */
  dns: {
    /**
     * Namespace of the cluster DNS.
     */
    namespace: string;
    /**
     * Labels of the DNS pods.
     */
    podLabels: {
      [k: string]: string;
    };
  };
  /**
   * HTTPS (443) egress to the internet.
   */
  internetEgress: {
    /**
     * HTTPS egress for Laravel pods (payment providers).
     */
    laravel: boolean;
    /**
     * HTTPS egress for the WA gateway (WhatsApp servers).
     */
    waGateway: boolean;
    /**
     * HTTPS egress for FastAPI.
     */
    fastapi: boolean;
    /**
     * Private ranges still reachable on 443 (private ranges are excluded otherwise).
     */
    allowedPrivateCidrs: string[];
  };
  /**
   * Namespace of Prometheus, allowed to scrape metrics ports.
   */
  monitoringNamespace: string;
}
/**
 * Metrics and alerts (Prometheus Operator).
 */
export interface ObservabilityConfig {
  /**
   * Prometheus metrics.
   */
  metrics: {
    /**
     * php-fpm and nginx exporter sidecars plus a PodMonitor.
     */
    enabled: boolean;
    phpFpmExporterImage: Image;
    nginxExporterImage: Image;
    redisExporterImage: Image;
    /**
     * Export Redis queue lengths for the worker pools.
     */
    queueDepth: boolean;
  };
  /**
   * Alerting thresholds.
   */
  alerts: {
    /**
     * PrometheusRule with the alerts.
     */
    enabled: boolean;
    /**
     * Web 5xx ratio that alerts.
     */
    errorRatio: number;
    /**
     * p95 request latency that alerts.
     */
    latencySeconds: number;
    /**
     * Queue length that alerts.
     */
    queueDepth: number;
    /**
     * Age of the oldest waiting job that alerts.
     */
    oldestJobSeconds: number;
    /**
     * CPU/memory use against limits that alerts.
     */
    saturation: number;
    /**
     * Hours since the last successful backup that alerts.
     */
    backupMaxAgeHours: number;
    /**
     * Container restarts within 30 minutes that alert (restart loop).
     */
    restarts: number;
    /**
     * Seconds since the scheduler CronJob last succeeded that alert.
     */
    schedulerStaleSeconds: number;
    /**
     * Label holding the Ingress namespace on ingress-nginx metrics: exported_namespace when Prometheus scrapes the controller without honorLabels (the chart default), namespace with honorLabels.
     */
    ingressNamespaceLabel: 'exported_namespace' | 'namespace';
    /**
     * Base URL of the runbooks; each alert gets runbook_url <base>#<alert name in lower case>. Default: no runbook_url, the hint is in the description.
     */
    runbookBaseUrl?: string;
  };
  /**
   * Labels on the PodMonitors and the PrometheusRule, so that the Prometheus Operator selects them (e.g. release: kube-prometheus-stack).
   */
  monitorLabels: {
    [k: string]: string;
  };
}
/**
 * Database backups to S3-compatible storage.
 */
export interface BackupConfig {
  /**
   * Scheduled database backups.
   */
  enabled: boolean;
  /**
   * Cron schedule.
   */
  schedule: string;
  image?: Image;
  uploadImage: Image;
  /**
   * Bucket for dumps. Default: objectStorage.bucket.
   */
  bucket?: string;
  /**
   * Key prefix of dumps.
   */
  prefix: string;
  /**
   * Dumps older than this are deleted.
   */
  retentionDays: number;
  /**
   * Longest backup run.
   */
  activeDeadlineSeconds: number;
  /**
   * A run that cannot start within this is skipped (the next one runs on schedule).
   */
  startingDeadlineSeconds: number;
  /**
   * Size limit of the scratch volume holding the compressed dump.
   */
  scratchSize: string;
  resources?: Resources;
}
/**
 * Argo CD Application for this environment.
 */
export interface ArgocdConfig {
  /**
   * GitOps repository Argo CD reads.
   */
  repoURL: string;
  /**
   * Branch, tag or commit.
   */
  targetRevision: string;
  /**
   * Folder of this environment in the GitOps repository. Default: <name>.
   */
  path?: string;
  /**
   * Argo CD AppProject.
   */
  project: string;
  /**
   * Namespace Argo CD runs in.
   */
  argocdNamespace: string;
  /**
   * Destination cluster API server.
   */
  destinationServer: string;
  /**
   * Automated sync policy, used when autoSync is true.
   */
  automated: {
    /**
     * Delete objects removed from git.
     */
    prune: boolean;
    /**
     * Revert drift in the cluster.
     */
    selfHeal: boolean;
  };
  /**
   * Sync automatically.
   */
  autoSync: boolean;
}

/* Generated from lib/config/schema.json by `npm run gen:config`. Do not edit. */

/**
 * A DNS-1123 label: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.
 */
export type Dns1123Label = string;
/**
 * A DNS-1123 subdomain: at most 253 characters of lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.
 */
export type Dns1123Subdomain = string;
/**
 * An http:// or https:// URL with a host and without credentials.
 */
export type HttpUrl = string;
/**
 * A web origin: http(s)://host[:port], without a path or credentials.
 */
export type Origin = string;
/**
 * An IPv4 CIDR, e.g. 10.20.0.0/16: octets 0-255 without leading zeros, prefix 0-32, no host bits set.
 */
export type Ipv4Cidr = string;

/**
 * One deployment environment of pembayaran.
 */
export interface EnvironmentConfig {
  /**
   * Environment name; output goes to dist/<name>/. A DNS-1123 label of at most 40 characters; `argocd` is reserved (dist/argocd/ holds the Argo CD objects).
   */
  name: string;
  /**
   * `production` refuses unsafe settings; `staging` and `development` allow debugging aids.
   */
  tier: 'production' | 'staging' | 'development';
  namespace: Dns1123Label;
  /**
   * Prefix of every object name and the app.kubernetes.io/name label. A DNS-1035 label (Service names start with it): lowercase letters, digits and '-', starting with a letter; with the environment name it forms app.kubernetes.io/instance (`<appName>-<name>`, at most 63 characters).
   */
  appName: string;
  podSecurity: PodSecurityConfig;
  dataStoreTls: DataStoreTlsConfig;
  pods?: PodPlacementConfig;
  laravel: LaravelConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  objectStorage: ObjectStorageConfig;
  secrets: SecretsConfig;
  web: WebConfig;
  reverb: ReverbConfig;
  /**
   * Queue worker pools.
   */
  workers: WorkerPoolConfig[];
  scheduler: SchedulerConfig;
  migrations: MigrationsConfig;
  fastapi: FastapiConfig;
  waGateway: WaGatewayConfig;
  notificationCalls: NotificationCallsConfig;
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
 * Policy for connections to the data stores.
 */
export interface DataStoreTlsConfig {
  /**
   * When true, a production-tier environment without database.tls.enabled and redis.tls.enabled is refused.
   */
  requiredInProduction: boolean;
}
/**
 * Where and as whom the pods run, and what runs beside them. Default: none of these set.
 */
export interface PodPlacementConfig {
  nodeSelector?: LabelMap;
  /**
   * Taints the pods tolerate. Default: none.
   */
  tolerations?: {
    /**
     * Taint key; empty with operator Exists tolerates every taint.
     */
    key?: string;
    /**
     * Equal (the Kubernetes default) or Exists.
     */
    operator?: 'Exists' | 'Equal';
    /**
     * Taint value (with Equal).
     */
    value?: string;
    /**
     * Taint effect; empty matches every effect.
     */
    effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
    /**
     * How long a NoExecute taint is tolerated.
     */
    tolerationSeconds?: number;
  }[];
  /**
   * Kubernetes Affinity; each part given replaces the workload's own. The quality gate checks the fields against the Kubernetes schema. Default: none.
   */
  affinity?: {
    /**
     * Kubernetes NodeAffinity.
     */
    nodeAffinity?: {};
    /**
     * Kubernetes PodAffinity.
     */
    podAffinity?: {};
    /**
     * Kubernetes PodAntiAffinity.
     */
    podAntiAffinity?: {};
  };
  priorityClassName?: Dns1123Subdomain;
  /**
   * Names of docker-registry Secrets in the namespace to pull the images with. Default: none.
   */
  imagePullSecrets?: Dns1123Subdomain[];
  serviceAccountAnnotations?: AnnotationMap;
  podAnnotations?: AnnotationMap;
  podLabels?: LabelMap;
  /**
   * Init containers run after the workload's own. Default: none.
   */
  initContainers?: ExtraContainerConfig[];
  /**
   * Containers run beside the workload's own. In Jobs and CronJobs a container that never exits keeps the Job running: use an init container with restartPolicy Always (a native sidecar) there. Default: none.
   */
  sidecars?: ExtraContainerConfig[];
}
/**
 * Kubernetes labels.
 */
export interface LabelMap {
  /**
   * A label value: empty, or at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
   */
  [k: string]: string;
}
/**
 * Kubernetes annotations.
 */
export interface AnnotationMap {
  [k: string]: string;
}
/**
 * A Kubernetes container (the fields of a Pod's containers[], as in kubectl manifests). Hardened like the workload's own: the restricted security context is applied over its securityContext; the quality gate checks the rest (schema, probes, resources, image pin).
 */
export interface ExtraContainerConfig {
  name: Dns1123Label;
  /**
   * Image reference, pinned by a tag other than latest or by a digest (the quality gate refuses others).
   */
  image: string;
  /**
   * The Container field command, as Kubernetes writes it.
   */
  command?: {
    [k: string]: unknown;
  };
  /**
   * The Container field args, as Kubernetes writes it.
   */
  args?: {
    [k: string]: unknown;
  };
  /**
   * The Container field workingDir, as Kubernetes writes it.
   */
  workingDir?: {
    [k: string]: unknown;
  };
  /**
   * The Container field ports, as Kubernetes writes it.
   */
  ports?: {
    [k: string]: unknown;
  };
  /**
   * The Container field envFrom, as Kubernetes writes it.
   */
  envFrom?: {
    [k: string]: unknown;
  };
  /**
   * The Container field env, as Kubernetes writes it.
   */
  env?: {
    [k: string]: unknown;
  };
  /**
   * Kubernetes resource requirements: requests (cpu, memory) and a memory limit; the quality gate checks them.
   */
  resources: {
    requests: {
      [k: string]: string | number;
    };
    limits: {
      [k: string]: string | number;
    };
  };
  /**
   * The Container field resizePolicy, as Kubernetes writes it.
   */
  resizePolicy?: {
    [k: string]: unknown;
  };
  /**
   * The Container field restartPolicy, as Kubernetes writes it.
   */
  restartPolicy?: {
    [k: string]: unknown;
  };
  /**
   * The Container field volumeMounts, as Kubernetes writes it.
   */
  volumeMounts?: {
    [k: string]: unknown;
  };
  /**
   * The Container field volumeDevices, as Kubernetes writes it.
   */
  volumeDevices?: {
    [k: string]: unknown;
  };
  /**
   * The Container field livenessProbe, as Kubernetes writes it.
   */
  livenessProbe?: {
    [k: string]: unknown;
  };
  /**
   * The Container field readinessProbe, as Kubernetes writes it.
   */
  readinessProbe?: {
    [k: string]: unknown;
  };
  /**
   * The Container field startupProbe, as Kubernetes writes it.
   */
  startupProbe?: {
    [k: string]: unknown;
  };
  /**
   * The Container field lifecycle, as Kubernetes writes it.
   */
  lifecycle?: {
    [k: string]: unknown;
  };
  /**
   * The Container field terminationMessagePath, as Kubernetes writes it.
   */
  terminationMessagePath?: {
    [k: string]: unknown;
  };
  /**
   * The Container field terminationMessagePolicy, as Kubernetes writes it.
   */
  terminationMessagePolicy?: {
    [k: string]: unknown;
  };
  /**
   * The Container field imagePullPolicy, as Kubernetes writes it.
   */
  imagePullPolicy?: {
    [k: string]: unknown;
  };
  /**
   * The Container field securityContext, as Kubernetes writes it.
   */
  securityContext?: {
    [k: string]: unknown;
  };
  /**
   * The Container field stdin, as Kubernetes writes it.
   */
  stdin?: {
    [k: string]: unknown;
  };
  /**
   * The Container field stdinOnce, as Kubernetes writes it.
   */
  stdinOnce?: {
    [k: string]: unknown;
  };
  /**
   * The Container field tty, as Kubernetes writes it.
   */
  tty?: {
    [k: string]: unknown;
  };
}
/**
 * The Laravel application shared by web, workers, scheduler and migrations.
 */
export interface LaravelConfig {
  image: Image;
  /**
   * Public host name; APP_URL is https://<host>. A DNS name (RFC 1123), each dot-separated label at most 63 characters; not an IP address.
   */
  host: string;
  url?: HttpUrl;
  /**
   * APP_DEBUG. Refused in production.
   */
  debug: boolean;
  /**
   * LOG_LEVEL. production allows info, notice, warning, error.
   */
  logLevel: 'debug' | 'info' | 'notice' | 'warning' | 'error';
  /**
   * APP_TIMEZONE: an IANA time zone name, e.g. Asia/Jakarta.
   */
  timezone: string;
  /**
   * TRUSTED_PROXIES: the ingress controller's addresses (Laravel reads X-Forwarded-* only from them); comma-separated IPv4/IPv6 addresses or CIDRs.
   */
  trustedProxies: string;
  /**
   * CORS_ALLOWED_ORIGINS (comma-joined): origins, scheme://host[:port] without a path or credentials. Empty means only APP_URL.
   */
  corsAllowedOrigins: Origin[];
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
  tls: DataStoreTls;
  /**
   * Where the database lives, for NetworkPolicy egress.
   *
   * @minItems 1
   */
  peers: [Peer, ...Peer[]];
}
/**
 * TLS to a data store.
 */
export interface DataStoreTls {
  /**
   * Connect over TLS and verify the server's certificate and host name.
   */
  enabled: boolean;
  ca?: TlsCa;
}
/**
 * Where the CA bundle that signs the server's certificate comes from: `configMap` or `remoteRef`, not both. Without it the image's system trust store is used (/etc/ssl/certs/ca-certificates.crt), which suits a public CA (e.g. ElastiCache's) but not a private one (e.g. RDS).
 */
export interface TlsCa {
  /**
   * The CA bundle from a ConfigMap the platform provides (a CA certificate is public).
   */
  configMap?: {
    name: Dns1123Subdomain;
    /**
     * Key of the PEM bundle in it.
     */
    key: string;
  };
  /**
   * The CA bundle from the secret manager: ExternalSecret <app>-datastore-ca.
   */
  remoteRef?: {
    /**
     * Remote key in the secret store. Default: secrets.remoteKey.
     */
    key?: string;
    /**
     * Property holding the PEM bundle. Default: DATABASE_CA_CERT for the database, REDIS_CA_CERT for Redis.
     */
    property?: string;
  };
}
/**
 * A network peer: either `cidr` (with optional `except`) or `namespace` (with optional `podLabels`), not both.
 */
export interface Peer {
  cidr?: Ipv4Cidr;
  /**
   * CIDRs strictly inside `cidr` that stay closed (cidr peers only).
   */
  except?: Ipv4Cidr[];
  namespace?: Dns1123Label;
  podLabels?: LabelMap;
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
   * REDIS_DB: database of the default connection, which holds the queues. The queue-depth exporter and the KEDA triggers read the same one.
   */
  database: number;
  /**
   * REDIS_PREFIX; queue lists are <prefix>queues:<queue>. Default: <appName>_database_.
   */
  prefix?: string;
  tls: DataStoreTls;
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
  endpoint?: HttpUrl;
  /**
   * AWS_USE_PATH_STYLE_ENDPOINT (true for MinIO).
   */
  usePathStyleEndpoint: boolean;
  url?: HttpUrl;
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
    name: Dns1123Subdomain;
  };
  /**
   * Default remote key; each variable is a property of it unless remapped.
   */
  remoteKey: string;
  /**
   * How often ESO re-reads the store.
   */
  refreshInterval: string;
  /**
   * How ESO reads the store. `extract`: one provider call per remote key (dataFrom.extract, each remote key rewritten into its own key prefix, and a template that keeps only the listed variables in the Secret), for stores whose secrets are JSON objects: AWS Secrets Manager, Vault KV, GCP Secret Manager and Azure Key Vault with JSON values. `perKey`: one data entry, and one provider call, per variable: for stores holding one value per secret. Properties that are not identifiers are always read per key.
   */
  fetch: 'perKey' | 'extract';
  /**
   * Annotate every Deployment with secret.reloader.stakater.com/reload listing the Secrets its pods read, so Stakater Reloader rolls it when ESO writes a changed value (a rotated database password). Needs Reloader in the cluster, with reloadStrategy annotations under Argo CD. CronJobs and Jobs read the new value at their next run.
   */
  restartOnRotation: boolean;
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
  /**
   * How the web pods run PHP. `php-fpm`: php-fpm and nginx side by side (web.phpFpm, web.nginxImage, web.resources.nginx). `octane`: Laravel Octane (`php artisan octane:start`, web.octane) in one container that keeps the application booted between requests and serves public/ itself; the php-fpm settings are refused with it. The image must hold laravel/octane and the server (lib/laravel/octane-servers.ts).
   */
  runtime: 'php-fpm' | 'octane';
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
   * php-fpm pool tuning (web.runtime php-fpm; refused with octane).
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
   * Laravel Octane, with web.runtime octane.
   */
  octane: {
    /**
     * Octane's server: `frankenphp` (the frankenphp binary on the PATH, e.g. an image FROM dunglas/frankenphp), `roadrunner` (the rr binary, spiral/roadrunner-cli), `swoole` (the swoole or openswoole extension).
     */
    server: 'frankenphp' | 'roadrunner' | 'swoole';
    /**
     * --workers: application workers, each serving one request at a time (Swoole also gets as many task workers). Each may use up to web.php.memoryLimit.
     */
    workers: number;
    /**
     * --max-requests: a worker is replaced after this many requests (against leaks in a long-lived application).
     */
    maxRequests: number;
  };
  /**
   * php.ini and OPcache settings of the PHP web container, in a file mounted read-only into the image's conf.d (/usr/local/etc/php/conf.d/zz-pembayaran.ini). max_execution_time and max_input_time are web.requestTimeoutSeconds (the innermost step of the request-timeout chain), post_max_size and upload_max_filesize are web.clientMaxBodySize; errors are logged, never displayed.
   */
  php: {
    /**
     * PHP memory_limit of one request, in MiB (e.g. 64M). memory_limit x PHP processes (php-fpm children of both pools, or Octane workers) plus OPcache's shared memory must fit the container's memory limit, so PHP ends the one request that asks for more instead of the kernel killing the container. Default: the container's memory limit less OPcache's shared memory, divided among the processes, rounded down (lib/laravel/php-settings.ts).
     */
    memoryLimit?: string;
    /**
     * OPcache.
     */
    opcache: {
      /**
       * opcache.memory_consumption in MiB, shared by the container's PHP processes (interned strings included).
       */
      memoryConsumption: number;
      /**
       * opcache.interned_strings_buffer in MiB, part of memoryConsumption.
       */
      internedStringsBuffer: number;
      /**
       * opcache.max_accelerated_files: a Laravel app with its vendor tree has 5,000 to 15,000 PHP files.
       */
      maxAcceleratedFiles: number;
      /**
       * opcache.validate_timestamps. The code in an image never changes, so checking file times only costs a stat per file; production refuses true.
       */
      validateTimestamps: boolean;
      /**
       * opcache.jit. Off by default: Laravel's I/O-bound requests gain little, and the buffer costs memory in every container.
       */
      jit: 'disable' | 'tracing' | 'function';
      /**
       * opcache.jit_buffer_size in MiB when jit is on (counted in the memory budget).
       */
      jitBufferSize: number;
    };
    ini: PhpIniMap;
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
   * preStop pause while endpoints drain, before nginx stops (or octane:stop runs).
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
    /**
     * php-fpm saturation as a scaling signal, through KEDA.
     */
    phpFpm: {
      /**
       * Also scale on php-fpm saturation (busy children per pod against pm.max_children), which I/O-bound payment calls reach at low CPU. The autoscaler is then a KEDA ScaledObject with cpu (and memory) triggers and a prometheus trigger, instead of a HorizontalPodAutoscaler. Needs KEDA, the php-fpm exporter (observability.metrics.enabled) and prometheusAddress.
       */
      enabled: boolean;
      /**
       * Busy php-fpm children per pod to aim for, percent of web.phpFpm.maxChildren.
       */
      targetUtilization: number;
      /**
       * Prometheus base URL the KEDA operator queries, e.g. http://prometheus-operated.monitoring.svc:9090. Required when enabled. Default: none.
       */
      prometheusAddress?: string;
    };
  };
  /**
   * PodDisruptionBudget maxUnavailable.
   */
  maxUnavailable: number;
  /**
   * The public edge in front of the web Service (lib/edge/): Gateway API by default, or Ingress.
   */
  edge: {
    /**
     * `gateway`: HTTPRoutes (gateway.networking.k8s.io/v1) attached to a Gateway, the successor of Ingress; `ingress`: Ingress objects for a cluster that still runs an Ingress controller (web.edge.ingress.controller).
     */
    kind: 'gateway' | 'ingress';
    /**
     * Gateway API implementation (kind gateway). Gateway API has no standard rate limit or IP allow list; they come from the implementation's policies (envoy-gateway: BackendTrafficPolicy and SecurityPolicy, gateway.envoyproxy.io/v1alpha1).
     */
    implementation: 'envoy-gateway';
    /**
     * Host names served (main site, API, admin), each with its own certificate where the project owns the Gateway or Ingress. Must include laravel.host. Default: laravel.host alone.
     *
     * @minItems 1
     */
    hosts?: [
      {
        hostname: Dns1123Subdomain;
        tlsSecretName?: Dns1123Subdomain;
      },
      ...{
        hostname: Dns1123Subdomain;
        tlsSecretName?: Dns1123Subdomain;
      }[]
    ];
    /**
     * Requests per second per client address on every path but the webhook paths (0: no limit). Answered with 429.
     */
    rateLimitRps: number;
    /**
     * Payment-provider webhook paths: their own route, without the per-client limit (or with webhookRateLimitRps), and webhookTimeoutSeconds. Providers send bursts from few addresses and retry what fails.
     *
     * Items: a path prefix starting with /, e.g. /webhooks/ (it matches whole path segments: /webhooks/ covers /webhooks/stripe, not /webhooksx)
     */
    webhookPaths: string[];
    /**
     * Requests per second per client address on the webhook paths (0: no limit).
     */
    webhookRateLimitRps: number;
    /**
     * Edge timeout of the webhook paths; at least the edge timeout of the request-timeout chain (web.requestTimeoutSeconds + 15). Default: that edge timeout.
     */
    webhookTimeoutSeconds?: number;
    /**
     * Operator paths (/horizon, admin routes): their own route, reachable only from operatorAllowedCidrs.
     *
     * Items: a path prefix starting with /, e.g. /webhooks/ (it matches whole path segments: /webhooks/ covers /webhooks/stripe, not /webhooksx)
     */
    operatorPaths: string[];
    /**
     * Client address ranges allowed on the operator paths (everyone else gets 403). Required when operatorPaths are set.
     */
    operatorAllowedCidrs: Ipv4Cidr[];
    /**
     * TLS certificates from cert-manager.
     */
    tls: {
      clusterIssuer: Dns1123Subdomain;
      /**
       * How the issuer proves the domains. http01: cert-manager's solver pods run in this namespace and the edge must reach them (a NetworkPolicy allows it); dns01: no solver pod, the issuer writes DNS records (works behind allow lists and for wildcards).
       */
      acmeChallenge: 'http01' | 'dns01';
    };
    /**
     * Gateway API settings (kind gateway).
     */
    gateway: {
      /**
       * The Gateway listeners the routes attach to, usually a platform team's shared Gateway. Required unless create is true.
       */
      parentRefs: {
        name: Dns1123Subdomain;
        namespace?: Dns1123Label;
        sectionName?: Dns1123Subdomain;
        /**
         * Protocol of that listener: HTTPS listeners get the application routes, HTTP listeners the redirect to HTTPS.
         */
        listenerProtocol: 'HTTPS' | 'HTTP';
      }[];
      /**
       * Also emit a Gateway (<appName>-gateway) in the namespace: one HTTPS listener per host with its cert-manager certificate, and an HTTP listener that only redirects (and serves ACME HTTP-01 challenges).
       */
      create: boolean;
      className?: Dns1123Subdomain;
      /**
       * With create: X-Forwarded-For hops to trust when finding the client address (a load balancer in front of the Gateway that appends it: 1), for rate limits and allow lists. Default: unset, the connection's source address.
       */
      xffTrustedHops?: number;
    };
    /**
     * Ingress settings (kind ingress).
     */
    ingress: {
      /**
       * Controller profile that chooses the annotations: ingress-nginx (rate limit, allow list, timeouts, body size, TLS redirect) or generic (only the annotations below; rate limits and allow lists must come from them).
       */
      controller: 'ingress-nginx' | 'generic';
      className: Dns1123Subdomain;
      annotations: AnnotationMap;
      webhookAnnotations: AnnotationMap;
      operatorAnnotations: AnnotationMap;
    };
  };
  /**
   * Deprecated (read as web.edge.kind: ingress with the ingress-nginx profile; the loader prints the web.edge equivalent). Use web.edge.
   */
  ingress?: {
    className: Dns1123Subdomain;
    clusterIssuer: Dns1123Subdomain;
    tlsSecretName?: Dns1123Subdomain;
    /**
     * Requests per second per client IP (0: no limit).
     */
    rateLimitRps: number;
    annotations: AnnotationMap;
  };
  pod?: PodPlacementConfig;
}
/**
 * Container resources; each request must not exceed its limit.
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
     * Memory quantity, e.g. 256Mi (binary suffixes Ki, Mi, Gi, Ti or decimal k, M, G, T).
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
     * Memory quantity, e.g. 256Mi (binary suffixes Ki, Mi, Gi, Ti or decimal k, M, G, T).
     */
    memory: string;
  };
}
/**
 * php.ini directives: name to value, one line each.
 */
export interface PhpIniMap {
  [k: string]: string;
}
/**
 * Laravel Reverb (websockets).
 */
export interface ReverbConfig {
  /**
   * Run Laravel Reverb, the websocket server: Deployment and Service <app>-reverb (`php artisan reverb:start`), its route on the edge, BROADCAST_CONNECTION=reverb for every Laravel pod. The application must have laravel/reverb installed.
   */
  enabled: boolean;
  /**
   * Reverb pods. They share channels through Redis pub/sub (REVERB_SCALING_ENABLED=true), so clients may connect to any of them; above 1 a PodDisruptionBudget keeps all but one running during a drain.
   */
  replicas: number;
  resources?: Resources;
  /**
   * preStop pause before Reverb closes its connections on shutdown, while the pod leaves the edge; the clients then reconnect to another pod.
   */
  drainSeconds: number;
  /**
   * The websocket route <app>-reverb: path /app (the Pusher protocol's connections; Reverb's HTTP API under /apps stays inside the cluster), the site's per-client rate limit on connection attempts, excluded from the web error and latency alerts.
   */
  edge: {
    /**
     * Hosts whose /app path goes to Reverb (they must be among web.edge.hosts, whose listeners and certificates serve them). Default: every host of the edge.
     */
    hostnames: string[];
    /**
     * Longest websocket connection at the edge; the client reconnects after it. Reverb pings every connection, so an open one is never idle.
     */
    timeoutSeconds: number;
  };
  pod?: PodPlacementConfig;
}
export interface WorkerPoolConfig {
  /**
   * Pool name: <appName>-worker-<name>.
   */
  name: string;
  /**
   * `queue-work` runs php artisan queue:work redis under a restart loop (a worker that exits for --max-jobs, --max-time or --memory is started again in place, without the kubelet's back-off); `horizon` runs php artisan horizon, its supervisor configured by the HORIZON_* variables the README lists (config/horizon.php must read them).
   */
  mode: 'horizon' | 'queue-work';
  /**
   * Queues in priority order (queue:work --queue; Horizon HORIZON_QUEUES).
   *
   * @minItems 1
   */
  queues: [string, ...string[]];
  /**
   * Replicas (the KEDA minimum when autoscaling).
   */
  replicas: number;
  /**
   * Longest job, seconds: queue:work --timeout, or the Horizon supervisor's timeout (HORIZON_TIMEOUT). retryAfter must exceed it and the grace period covers it; a job class's own $timeout must not be longer.
   */
  timeout: number;
  /**
   * retry_after of the pool's Redis queue connection, seconds: a job reserved this long is handed to another worker. Set in the pool's pods as REDIS_QUEUE_RETRY_AFTER (Laravel's default config/queue.php reads it), at config:cache time too. Must exceed timeout by more than 15 s, or a long job runs twice. Default: timeout + 30.
   */
  retryAfter?: number;
  /**
   * Attempts per job (--tries; HORIZON_TRIES).
   */
  tries: number;
  /**
   * MB of PHP memory after which a worker restarts itself (--memory; HORIZON_MEMORY, per Horizon worker). The container's memory limit must exceed it (and, for Horizon, cover the master and maxProcesses workers).
   */
  memory: number;
  /**
   * Seconds to sleep when the queue is empty (--sleep; HORIZON_SLEEP).
   */
  sleep: number;
  /**
   * Seconds between tries (--backoff; HORIZON_BACKOFF).
   */
  backoff: number;
  /**
   * Jobs before a worker restarts (--max-jobs; HORIZON_MAX_JOBS; 0: unlimited). The worker is started again in place, not by the kubelet.
   */
  maxJobs: number;
  /**
   * Seconds before a worker restarts (--max-time; HORIZON_MAX_TIME; 0: unlimited). The worker is started again in place, not by the kubelet.
   */
  maxTime: number;
  /**
   * The Horizon supervisor of the pool: required with mode horizon, refused with queue-work. Horizon reads queues, timeout, tries, memory, backoff, sleep, maxJobs and maxTime from the HORIZON_* variables too.
   */
  horizon?: {
    /**
     * Most worker processes the supervisor runs (HORIZON_MAX_PROCESSES); sizes the default memory request and limit.
     */
    maxProcesses: number;
    /**
     * Fewest worker processes (HORIZON_MIN_PROCESSES).
     */
    minProcesses: number;
    /**
     * Process balancing across the queues (HORIZON_BALANCE; false: none).
     */
    balance: 'auto' | 'simple' | 'false';
    /**
     * MB after which the Horizon master restarts itself (horizon.memory_limit, HORIZON_MEMORY_LIMIT).
     */
    masterMemory: number;
  };
  resources?: Resources;
  /**
   * Pods of the pool a node drain may evict at once. A PodDisruptionBudget enforces it when the pool can run more than one pod (replicas or autoscaling.maxReplicas above 1); evicted workers finish their running job first (the grace period exceeds the timeout). Production refuses a value that lets a drain evict every replica.
   */
  maxUnavailable: number;
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
  pod?: PodPlacementConfig;
}
/**
 * Laravel scheduler: schedule:work in one pod (mode work, the default) or schedule:run from a CronJob (mode cron).
 */
export interface SchedulerConfig {
  /**
   * work: one pod (a Deployment, Recreate) runs php artisan schedule:work, which starts schedule:run on every minute boundary, keeps runInBackground() and sub-minute tasks alive and, when stopped, runs schedule:interrupt and lets running tasks finish. cron: a CronJob starts a pod running schedule:run each minute (a light init: config, route and event caches); for clusters that must not keep a scheduler pod running, or schedules with only short foreground tasks. See docs/operations.md, Scheduler.
   */
  mode: 'work' | 'cron';
  /**
   * work mode: the longest scheduled task, seconds. The grace period is this plus 15 s, so a rollout or an eviction lets every running task finish; size withoutOverlapping($minutes) above it.
   */
  longestTaskSeconds: number;
  /**
   * cron mode: the CronJob schedule of php artisan schedule:run.
   */
  schedule: string;
  /**
   * cron mode: a run that cannot start within this is skipped.
   */
  startingDeadlineSeconds: number;
  /**
   * cron mode: longest run.
   */
  activeDeadlineSeconds: number;
  resources?: Resources;
  pod?: PodPlacementConfig;
}
/**
 * php artisan migrate --force, once per release, before new pods roll out.
 */
export interface MigrationsConfig {
  /**
   * Longest migration run, seconds; at most 3600, the expiry of the --isolated lock (a longer run would let a second migrate start). Size it for the longest ALTER TABLE of a release.
   */
  activeDeadlineSeconds: number;
  /**
   * Retries of a failed migration. 0: MySQL DDL is not transactional, so a retry re-runs a half-applied migration against a changed schema; production refuses more. See docs/operations.md, Failed migration.
   */
  backoffLimit: number;
  resources?: Resources;
  pod?: PodPlacementConfig;
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
   * Replicas a node drain may evict at once. A PodDisruptionBudget enforces it when replicas is above 1, so a drain never evicts every replica together; production refuses a value that would.
   */
  maxUnavailable: number;
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
  pod?: PodPlacementConfig;
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
    storageClassName?: Dns1123Subdomain;
    /**
     * PVC access mode. ReadWriteOncePod lets exactly one pod in the cluster mount the volume, so even two pods on one node during a replacement cannot both open the session; it needs a CSI driver and Kubernetes 1.27+ (beta, on by default; GA in 1.29). ReadWriteOnce for in-tree or non-CSI storage.
     */
    accessMode: 'ReadWriteOnce' | 'ReadWriteOncePod' | 'ReadWriteMany';
  };
  /**
   * Cluster backup of the session volume (Velero).
   */
  sessionBackup: {
    /**
     * Velero file-system backup annotations on the pod: backup.velero.io/backup-volumes names the session volume, backup.velero.io/backup-volumes-excludes the scratch volumes (so it works with opt-in and opt-out Velero installs).
     */
    velero: boolean;
    /**
     * Extra labels on the session PVC and the pod, for a backup Schedule that selects by label.
     */
    labels: {
      [k: string]: string;
    };
  };
  /**
   * Probes, separate for readiness and liveness.
   */
  probes: {
    /**
     * Readiness: may fail while the session is logged out (no traffic then); it never restarts the pod.
     */
    readiness: {
      /**
       * HTTP GET on `path`, or a TCP connect to the port.
       */
      type: 'http' | 'tcp';
      /**
       * HTTP probe path.
       */
      path: string;
    };
    /**
     * Liveness and startup: must not depend on the session, or a logged-out session restarts the gateway in a loop while an operator scans the QR code. TCP by default; an HTTP path only if the gateway answers it without consulting the session.
     */
    liveness: {
      /**
       * HTTP GET on `path`, or a TCP connect to the port.
       */
      type: 'http' | 'tcp';
      /**
       * HTTP probe path.
       */
      path: string;
    };
  };
  /**
   * Memory-backed /dev/shm for Chromium-based gateways.
   */
  shmSize: string;
  /**
   * Writable home directory.
   */
  home: {
    /**
     * HOME of the gateway, on a writable emptyDir: Chromium writes its profile defaults, crash reports and caches there (XDG_CONFIG_HOME, XDG_CACHE_HOME, XDG_DATA_HOME and XDG_STATE_HOME are set under it) on a read-only root filesystem.
     */
    path: string;
    /**
     * Size limit of that emptyDir.
     */
    sizeLimit: string;
  };
  /**
   * CHROMIUM_FLAGS (space-joined) for the gateway to pass to its browser. --no-sandbox: Pod Security restricted forbids the setuid sandbox and the runtime default seccomp profile blocks the user-namespace one; the pod itself is the sandbox (non-root, no capabilities, seccomp, read-only root).
   */
  chromiumFlags: string[];
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
   * Message-sending retry policy (SEND_RETRY_*). Its budget, attempts x attemptTimeoutSeconds plus the delays (backoffSeconds doubling, capped at maxBackoffSeconds), is the first link of the chain in notificationCalls: 3 x 10 + 5 + 10 = 45 s by default.
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
    /**
     * Longest single send attempt, seconds (SEND_ATTEMPT_TIMEOUT_SECONDS). With the attempts and delays it makes the gateway's retry budget, which must fit in FastAPI's wait (notificationCalls.requestTimeoutSeconds - 5).
     */
    attemptTimeoutSeconds: number;
  };
  env: EnvMap;
  secretEnv: SecretEnv;
  resources?: Resources;
  pod?: PodPlacementConfig;
}
/**
 * Calls out of a queued job (Laravel -> FastAPI -> WA gateway): their time budgets, checked as a chain, and the idempotency key passed along. See docs/operations.md, Calls out of a job.
 */
export interface NotificationCallsConfig {
  /**
   * Worker pools (workers[].name) whose jobs call FastAPI; each pool's timeout must exceed requestTimeoutSeconds by 5 s or more. Default: every pool.
   */
  pools?: string[];
  /**
   * How long a job waits for FastAPI (Laravel's HTTP client timeout). FastAPI waits 5 s less for the WA gateway. The chain, checked: gateway retry budget (waGateway.retry) < requestTimeoutSeconds - 5 < requestTimeoutSeconds < the calling pools' timeout - 5 < their retryAfter - 15.
   */
  requestTimeoutSeconds: number;
  /**
   * The idempotency key of a send, from Laravel through FastAPI to the WA gateway.
   */
  idempotency: {
    /**
     * HTTP header carrying a send's idempotency key: Laravel sets it on its call to FastAPI (one key per notification, the same on every retry of the job), FastAPI passes it on to the gateway, the gateway sends once per key.
     */
    header: string;
    /**
     * How long FastAPI and the gateway remember a key; at least every try of a calling job (tries x (retryAfter + backoff)), or a late retry sends again.
     */
    ttlSeconds: number;
  };
  /**
   * Names of the variables through which the applications read these settings.
   */
  env: {
    /**
     * Laravel: requestTimeoutSeconds (config/services.php).
     */
    requestTimeout: string;
    /**
     * FastAPI: how long it waits for the gateway (requestTimeoutSeconds - 5).
     */
    gatewayTimeout: string;
    /**
     * Laravel, FastAPI and the gateway: idempotency.header.
     */
    idempotencyHeader: string;
    /**
     * FastAPI and the gateway: idempotency.ttlSeconds.
     */
    idempotencyTtl: string;
  };
}
/**
 * NetworkPolicies: default deny, then these allows.
 */
export interface NetworkPolicyConfig {
  /**
   * Who may reach the web pods when web.edge.kind is ingress: the ingress controller's pods.
   */
  ingressController: {
    namespace: Dns1123Label;
    podLabels: LabelMap;
  };
  /**
   * Who may reach the web pods when web.edge.kind is gateway: the Gateway's data-plane pods.
   */
  gatewayDataPlane: {
    namespace?: Dns1123Label;
    podLabels?: LabelMap;
  };
  /**
   * Cluster DNS.
   */
  dns: {
    namespace: Dns1123Label;
    podLabels: LabelMap;
    /**
     * DNS servers reached by address on port 53 (UDP and TCP), e.g. NodeLocal DNSCache's 169.254.20.10/32 (EKS, GKE), which runs on the node and is no pod the DNS selector matches.
     */
    ipBlocks: Ipv4Cidr[];
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
    allowedPrivateCidrs: Ipv4Cidr[];
  };
  monitoringNamespace: Dns1123Label;
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
     * Memory use against the memory limit, and CPU use against the CPU limit where one is set, that alerts.
     */
    saturation: number;
    /**
     * Share of CFS periods in which a container with a CPU limit was throttled that alerts (cAdvisor).
     */
    cpuThrottling: number;
    /**
     * Hours since the last successful backup that alerts.
     */
    backupMaxAgeHours: number;
    /**
     * Hours since the last successful restore check (backup.restoreCheck) that alert.
     */
    restoreCheckMaxAgeHours: number;
    /**
     * Container restarts within 30 minutes that alert (restart loop).
     */
    restarts: number;
    /**
     * Days before the public certificate expires (as the uptime check sees it, observability.uptime) that alert; cert-manager renews 30 days ahead, so this fires only when renewal has failed for two weeks.
     */
    certificateExpiryDays: number;
    /**
     * SchedulerNotRunning fires after this many seconds: since the CronJob last succeeded (cron mode), or without an available scheduler pod (work mode).
     */
    schedulerStaleSeconds: number;
    /**
     * Label holding the Ingress namespace on ingress-nginx metrics: exported_namespace when Prometheus scrapes the controller without honorLabels (the chart default), namespace with honorLabels.
     */
    ingressNamespaceLabel: 'exported_namespace' | 'namespace';
    runbookBaseUrl?: HttpUrl;
  };
  /**
   * External uptime check of the public URL (Prometheus Operator Probe for the blackbox exporter).
   */
  uptime: {
    /**
     * An external uptime check of the public URLs: a Prometheus Operator Probe that has the blackbox exporter fetch each target through DNS, TLS and the edge, with alerts when it fails, goes unscraped, or sees a certificate close to expiry. Needs a blackbox exporter (proberUrl) with the module.
     */
    enabled: boolean;
    /**
     * The blackbox exporter Prometheus scrapes, host:port, e.g. prometheus-blackbox-exporter.monitoring.svc:9115. Required when enabled. Default: none.
     */
    proberUrl?: string;
    /**
     * The blackbox exporter module (its configuration must define it; http_2xx is in the exporter's default configuration).
     */
    module: string;
    /**
     * How often each target is probed.
     */
    interval: string;
    /**
     * Public URLs to probe (https:// in production). Default: https://<laravel.host><web.readinessPath>, Laravel's health route through the edge.
     *
     * @minItems 1
     */
    targets?: [HttpUrl, ...HttpUrl[]];
  };
  monitorLabels: LabelMap;
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
   * Bucket for dumps. Default: <objectStorage.bucket>-backups, a bucket of their own, so the application's S3 keys (or whoever takes them over) cannot delete the backups.
   */
  bucket?: string;
  /**
   * Accept backup.bucket equal to objectStorage.bucket. Only when a bucket policy denies the application's keys any access to backup.prefix; production refuses a shared bucket otherwise.
   */
  sharedBucketWithPrefixPolicy: boolean;
  /**
   * Key prefix of dumps.
   */
  prefix: string;
  /**
   * Dumps are kept this many days: by the bucket lifecycle rule (retentionBy lifecycle) or deleted by the backup job (retentionBy job).
   */
  retentionDays: number;
  /**
   * Who deletes old dumps. `lifecycle`: a lifecycle rule on the bucket expires objects under backup.prefix after retentionDays (docs/operations.md has the rule); the backup keys stay write-only. `job`: the backup job deletes dumps older than retentionDays, so its keys also need s3:DeleteObject on the prefix.
   */
  retentionBy: 'lifecycle' | 'job';
  /**
   * Server-side encryption of the dumps.
   */
  serverSideEncryption: {
    /**
     * Server-side encryption of each dump: AES256 (SSE-S3), aws:kms (SSE-KMS), or none for a store without it (MinIO without KMS).
     */
    type: 'AES256' | 'aws:kms' | 'none';
    /**
     * KMS key for aws:kms. Default: the account's aws/s3 key.
     */
    kmsKeyId?: string;
  };
  remoteRefs: SecretEnv;
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
  /**
   * Proof that the latest dump restores.
   */
  restoreCheck: {
    /**
     * A scheduled restore check: restore the latest dump into a scratch database in the same pod (a sidecar from the official database image) and run a sanity query.
     */
    enabled: boolean;
    /**
     * Cron schedule; after the backup has had time to finish.
     */
    schedule: string;
    /**
     * Query run against the restored database; it must print one integer of at least minRows. Laravel's migrations table is never empty after a migration.
     */
    sanityQuery: string;
    /**
     * Smallest accepted result of the sanity query.
     */
    minRows: number;
    /**
     * Size limit of each of the two scratch volumes: the downloaded dump, and the restored database's files.
     */
    scratchSize: string;
    /**
     * Longest restore check.
     */
    activeDeadlineSeconds: number;
    remoteRefs: SecretEnv;
    resources?: Resources;
    pod?: PodPlacementConfig;
  };
  pod?: PodPlacementConfig;
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
  project: Dns1123Subdomain;
  argocdNamespace: Dns1123Label;
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

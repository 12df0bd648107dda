import { Construct } from 'constructs';
import { AppContext } from './core/app-context';
import { EnvironmentInput, WorkerPoolInput } from './config/input.generated';
import { resolveAmendedEnvironment, resolveEnvironment } from './config/load';
import { EnvironmentConfig, WorkerPoolConfig } from './config/types.generated';
import { BACKUP_COMPONENT, BACKUP_SECRET_VARIABLES, DatabaseBackup } from './operations/database-backup';
import { DatabaseRestoreCheck, RESTORE_CHECK_COMPONENT, RESTORE_CHECK_SECRET_VARIABLES } from './operations/restore-check';
import { DatabaseMigration } from './laravel/migration';
import { NotificationService } from './notifications/fastapi';
import { imageVersion } from './core/image';
import { LaravelRuntime } from './laravel/laravel-runtime';
import { LaravelSettings, serviceUrl } from './laravel/laravel-settings';
import { LaravelWeb, WEB_COMPONENT } from './laravel/laravel-web';
import { defaultTlsSecretName, edgeRoutes } from './edge/edge-routes';
import { WebEdge } from './edge/web-edge';
import { AppNamespace } from './core/namespace';
import { DataStoreTlsSettings } from './core/data-store-tls';
import { NetworkPolicies } from './network/network-policies';
import { Observability, phpFpmBusyProcessesQuery } from './operations/observability';
import { PORTS } from './core/defaults';
import { QueueWorkerPool } from './laravel/queue-workers';
import { LaravelReverb, REVERB_COMPONENT, REVERB_SECRET_VARIABLES, REVERB_SERVICE_PORT, REVERB_WEBSOCKET_PATH, reverbSettings } from './laravel/reverb';
import { retryAfterOf } from './laravel/queue-budgets';
import { horizonPrefix } from './laravel/process-supervision';
import { LaravelScheduler, LaravelScheduleWorker } from './laravel/scheduler';
import { OCTANE_SERVERS } from './laravel/octane-servers';
import { resolveRemoteRefs, SecretEnvironment } from './core/secret-environment';
import { WhatsAppGateway } from './notifications/wa-gateway';
import { KubeNetworkPolicy, NetworkPolicyPeer } from '../imports/k8s';
import { EnvValue } from './laravel/laravel-runtime';
import { mergePlacement, PodPlacement, placementFromConfig, WorkloadPod } from './core/workload-pod';
import { PodPlacementConfig } from './config/types.generated';

/** How a team's workload joins the Laravel components (`PembayaranStack.addLaravelComponent`). */
export interface LaravelComponentOptions {
  /**
   * Its own ingress allow rule: from the public edge's data plane (`'edge'`, e.g. a websocket server behind
   * its own route) or from the given peers, on the given container ports.
   * @default - no ingress (only the egress of the Laravel set)
   */
  readonly ingress?: { readonly from: 'edge' | readonly NetworkPolicyPeer[]; readonly ports: readonly number[] };
}
import { notificationCallVariables } from './notifications/call-budgets';

/** Default database ports by engine. */
const DATABASE_PORTS = { mysql: 3306, pgsql: 5432 } as const;

/**
 * The whole pembayaran application for one environment: Laravel web, queue workers, scheduler and
 * migrations; the FastAPI notification service and the WA gateway; settings, secrets and the namespace.
 * Every part is a public member, so platform teams can add to it (`addWorkerPool`, `web.addSidecar`,
 * `pod.addVolume`) or patch it (`ApiObject.of(...).addJsonPatch`) without editing this library.
 */
export class PembayaranStack extends Construct {
  public readonly config: EnvironmentConfig;
  public readonly context: AppContext;
  public readonly settings: LaravelSettings;
  public readonly runtime: LaravelRuntime;
  /** TLS to the database and Redis: CA bundles, mounts and client settings. */
  public readonly dataStoreTls: DataStoreTlsSettings;
  public readonly web: LaravelWeb;
  /** The public edge in front of the web Service (Gateway API or Ingress). */
  public readonly edge: WebEdge;
  public readonly workers: QueueWorkerPool[] = [];
  public readonly scheduler: LaravelScheduler | LaravelScheduleWorker;
  /** The Reverb websocket server, when `reverb.enabled`. */
  public readonly reverb?: LaravelReverb;
  public readonly migration: DatabaseMigration;
  public readonly notificationService: NotificationService;
  public readonly waGateway: WhatsAppGateway;
  public readonly networkPolicies: NetworkPolicies;
  /** Scheduled database backups, when `backup.enabled`. */
  public readonly backup?: DatabaseBackup;
  /** The scheduled restore check of the latest dump, when `backup.enabled` and `backup.restoreCheck.enabled`. */
  public readonly restoreCheck?: DatabaseRestoreCheck;
  /** Exporters, PodMonitors and alerts, when `observability.metrics` or `observability.alerts` is enabled. */
  public readonly observability?: Observability;
  /** Pods of team workloads that joined the Laravel component set (`addLaravelComponent`). */
  public readonly extraLaravelComponents: WorkloadPod[] = [];

  /**
   * @param input the environment: a resolved config (from the loader or `resolveEnvironment`) or one written
   * in TypeScript with the defaulted keys left out, which is resolved here (ConfigError on a mistake).
   */
  constructor(scope: Construct, id: string, input: EnvironmentInput | EnvironmentConfig) {
    super(scope, id);
    const config = (this.config = resolveEnvironment(input));
    const context = (this.context = new AppContext({
      namespace: config.namespace,
      appName: config.appName,
      environment: config.name,
      version: imageVersion(config.laravel.image),
      podIdentity: config.podSecurity,
      reloadOnSecretChange: config.secrets.restartOnRotation,
    }));

    new AppNamespace(this, 'Namespace', context);

    this.dataStoreTls = new DataStoreTlsSettings(this, 'DataStoreTls', {
      context,
      database: config.database.tls,
      redis: config.redis.tls,
      secretStore: config.secrets.store,
      secretRefreshInterval: config.secrets.refreshInterval,
      secretFetch: config.secrets.fetch,
      remoteKey: config.secrets.remoteKey,
    });

    const url = config.laravel.url ?? `https://${config.laravel.host}`;
    // The call chain out of a job (Laravel -> FastAPI -> WA gateway): each side's budget and the idempotency header.
    const callVariables = notificationCallVariables(config.notificationCalls);
    this.settings = new LaravelSettings(this, 'LaravelSettings', {
      context,
      tier: config.tier,
      url,
      debug: config.laravel.debug,
      logLevel: config.laravel.logLevel,
      timezone: config.laravel.timezone,
      trustedProxies: config.laravel.trustedProxies,
      corsAllowedOrigins: config.laravel.corsAllowedOrigins,
      database: {
        connection: config.database.connection,
        host: config.database.host,
        port: config.database.port ?? DATABASE_PORTS[config.database.connection],
        name: config.database.name,
      },
      redis: { host: config.redis.host, port: config.redis.port, database: config.redis.database, prefix: this.redisPrefix },
      objectStorage: config.objectStorage,
      notificationServiceUrl: serviceUrl(context, 'fastapi', PORTS.fastapi),
      waGatewayUrl: config.waGateway.allowFromLaravel ? serviceUrl(context, 'wa-gateway', PORTS.waGateway) : undefined,
      dataStoreTls: this.dataStoreTls.laravelSettings(config.database.connection),
      reverb: config.reverb.enabled
        ? reverbSettings({ serviceHost: `${context.name(REVERB_COMPONENT)}.${context.namespace}.svc`, scalingChannel: `${this.redisPrefix}reverb` })
        : undefined,
      extraSecretVariables: config.reverb.enabled ? REVERB_SECRET_VARIABLES : [],
      queueRetryAfterSeconds: config.workers.length ? Math.max(...config.workers.map(retryAfterOf)) : undefined,
      horizonPrefix: horizonPrefix(config.appName),
      notificationCalls: callVariables.laravel,
      extraEnv: config.laravel.env,
      secretStore: config.secrets.store,
      secretRefreshInterval: config.secrets.refreshInterval,
      secretFetch: config.secrets.fetch,
      remoteKey: config.secrets.remoteKey,
      secretRefs: { ...config.secrets.remoteRefs, ...config.laravel.secretEnv },
    });
    this.runtime = new LaravelRuntime(context, config.laravel.image, this.settings, this.dataStoreTls);

    const web = config.web;
    this.web = new LaravelWeb(this, 'Web', {
      runtime: this.runtime,
      replicas: web.replicas,
      nginxImage: web.nginxImage,
      resources: web.resources,
      phpFpm: web.phpFpm,
      php: web.php,
      clientMaxBodySize: web.clientMaxBodySize,
      readinessPath: web.readinessPath,
      drainSeconds: web.drainSeconds,
      requestTimeoutSeconds: web.requestTimeoutSeconds,
      autoscaling: {
        ...web.autoscaling,
        phpFpm:
          web.autoscaling.phpFpm.enabled && web.autoscaling.phpFpm.prometheusAddress
            ? {
                targetUtilization: web.autoscaling.phpFpm.targetUtilization,
                prometheusAddress: web.autoscaling.phpFpm.prometheusAddress,
                busyProcessesQuery: phpFpmBusyProcessesQuery(context.namespace, context.name(WEB_COMPONENT)),
              }
            : undefined,
      },
      maxUnavailable: web.maxUnavailable,
      trustedProxies: config.laravel.trustedProxies,
      readinessHost: config.laravel.host,
      placement: this.placementFor(web.pod),
      octane: web.runtime === 'octane' ? { server: OCTANE_SERVERS[web.octane.server], workers: web.octane.workers, maxRequests: web.octane.maxRequests } : undefined,
    });

    if (config.reverb.enabled) {
      const redisCa = this.dataStoreTls.caSource('redis');
      this.reverb = new LaravelReverb(this, 'Reverb', {
        runtime: this.runtime,
        replicas: config.reverb.replicas,
        resources: config.reverb.resources,
        drainSeconds: config.reverb.drainSeconds,
        // Reverb's own Redis client (scaling) takes no CA option: a private CA goes into OpenSSL's default file,
        // which PHP's streams read when no cafile is given. The container talks TLS to nothing else.
        env: redisCa ? { SSL_CERT_FILE: this.dataStoreTls.caFile('redis') } : {},
        placement: this.placementFor(config.reverb.pod),
      });
    }

    this.edge = this.addEdge();

    config.workers.forEach((pool) => this.createWorkerPool(pool));

    this.scheduler =
      config.scheduler.mode === 'work'
        ? new LaravelScheduleWorker(this, 'Scheduler', { runtime: this.runtime, longestTaskSeconds: config.scheduler.longestTaskSeconds, resources: config.scheduler.resources, placement: this.placementFor(config.scheduler.pod) })
        : new LaravelScheduler(this, 'Scheduler', {
            runtime: this.runtime,
            schedule: config.scheduler.schedule,
            startingDeadlineSeconds: config.scheduler.startingDeadlineSeconds,
            activeDeadlineSeconds: config.scheduler.activeDeadlineSeconds,
            resources: config.scheduler.resources,
            placement: this.placementFor(config.scheduler.pod),
          });

    this.migration = new DatabaseMigration(this, 'Migration', {
      runtime: this.runtime,
      activeDeadlineSeconds: config.migrations.activeDeadlineSeconds,
      backoffLimit: config.migrations.backoffLimit,
      resources: config.migrations.resources,
      placement: this.placementFor(config.migrations.pod),
    });

    const fastapi = config.fastapi;
    this.notificationService = new NotificationService(this, 'NotificationService', {
      context,
      image: fastapi.image,
      appModule: fastapi.appModule,
      replicas: fastapi.replicas,
      maxUnavailable: fastapi.maxUnavailable,
      healthPath: fastapi.healthPath,
      timeoutGracefulShutdown: fastapi.timeoutGracefulShutdown,
      logLevel: fastapi.logLevel,
      env: { WA_GATEWAY_URL: serviceUrl(context, 'wa-gateway', PORTS.waGateway), ...callVariables.fastapi, ...fastapi.env },
      secrets: this.secretEnvironment('FastapiSecrets', 'fastapi', fastapi.secretEnv),
      resources: fastapi.resources,
      placement: this.placementFor(fastapi.pod),
    });

    const wa = config.waGateway;
    this.waGateway = new WhatsAppGateway(this, 'WaGateway', {
      context,
      image: wa.image,
      replicas: wa.replicas,
      sessionPath: wa.sessionPath,
      storage: wa.storage,
      probes: wa.probes,
      shmSize: wa.shmSize,
      home: wa.home,
      chromiumFlags: wa.chromiumFlags,
      sessionBackup: wa.sessionBackup,
      logLevel: wa.logLevel,
      retry: wa.retry,
      env: { ...callVariables.waGateway, ...wa.env },
      secrets: this.secretEnvironment('WaGatewaySecrets', 'wa-gateway', wa.secretEnv),
      resources: wa.resources,
      placement: this.placementFor(wa.pod),
    });

    // Default deny, then only the flows the application needs. Laravel components are read at synthesis,
    // so pools added later with addWorkerPool are covered.
    this.networkPolicies = new NetworkPolicies(this, 'NetworkPolicies', {
      context,
      config: config.networkPolicy,
      laravelComponents: () => [
        this.web.pod.component,
        ...this.workers.map((w) => w.pod.component),
        this.scheduler.pod.component,
        this.migration.pod.component,
        ...(this.reverb ? [this.reverb.pod.component] : []),
        ...this.extraLaravelComponents.map((p) => p.component),
      ],
      websocket: this.reverb ? { component: REVERB_COMPONENT, port: PORTS.reverb } : undefined,
      database: { port: config.database.port ?? DATABASE_PORTS[config.database.connection], peers: config.database.peers },
      redis: { port: config.redis.port, peers: config.redis.peers },
      objectStorage: { port: config.objectStorage.port, peers: config.objectStorage.peers },
      waGatewayFromLaravel: config.waGateway.allowFromLaravel,
      edge: this.edge,
      webPort: this.web.containerPort,
    });

    const backup = config.backup;
    if (backup.enabled) {
      const bucket = this.backupBucket;
      this.backup = new DatabaseBackup(this, 'Backup', {
        context,
        settings: this.settings,
        secrets: this.secretEnvironment('BackupSecrets', BACKUP_COMPONENT, this.backupSecretRefs(), BACKUP_SECRET_VARIABLES)!,
        connection: config.database.connection,
        schedule: backup.schedule,
        dumpImage: backup.image,
        uploadImage: backup.uploadImage,
        bucket,
        prefix: backup.prefix,
        retentionDays: backup.retentionDays,
        retentionBy: backup.retentionBy,
        serverSideEncryption: backup.serverSideEncryption,
        activeDeadlineSeconds: backup.activeDeadlineSeconds,
        startingDeadlineSeconds: backup.startingDeadlineSeconds,
        scratchSize: backup.scratchSize,
        hasEndpoint: config.objectStorage.endpoint !== undefined,
        resources: backup.resources,
        networkPolicies: this.networkPolicies,
        dataStoreTls: this.dataStoreTls,
        placement: this.placementFor(backup.pod),
      });
      const check = backup.restoreCheck;
      if (check.enabled) {
        this.restoreCheck = new DatabaseRestoreCheck(this, 'RestoreCheck', {
          context,
          settings: this.settings,
          secrets: this.secretEnvironment('RestoreCheckSecrets', RESTORE_CHECK_COMPONENT, this.restoreCheckSecretRefs(), RESTORE_CHECK_SECRET_VARIABLES)!,
          connection: config.database.connection,
          schedule: check.schedule,
          databaseImage: backup.image,
          fetchImage: backup.uploadImage,
          bucket,
          prefix: backup.prefix,
          sanityQuery: check.sanityQuery,
          minRows: check.minRows,
          scratchSize: check.scratchSize,
          activeDeadlineSeconds: check.activeDeadlineSeconds,
          startingDeadlineSeconds: backup.startingDeadlineSeconds,
          hasEndpoint: config.objectStorage.endpoint !== undefined,
          databaseResources: check.resources,
          networkPolicies: this.networkPolicies,
          placement: this.placementFor(check.pod),
        });
      }
    }

    const observability = config.observability;
    if (observability.metrics.enabled || observability.alerts.enabled || observability.uptime.enabled) {
      this.observability = new Observability(this, 'Observability', {
        context,
        exporterPlacement: placementFromConfig(config.pods),
        settings: this.settings,
        config: observability,
        web: this.web,
        workers: () => this.workers,
        redis: { address: `${config.redis.host}:${config.redis.port}`, database: config.redis.database, prefix: this.redisPrefix },
        dataStoreTls: this.dataStoreTls,
        scheduler: this.scheduler,
        migration: this.migration,
        notificationService: this.notificationService,
        waGateway: this.waGateway,
        reverb: this.reverb,
        backup: this.backup,
        restoreCheck: this.restoreCheck,
        networkPolicies: this.networkPolicies,
        edge: this.edge,
        // Laravel's health route through the edge: DNS, certificate, Gateway and app in one request.
        uptimeTargets: [`https://${config.laravel.host}${config.web.readinessPath}`],
      });
    }
  }

  /** The edge from `web.edge`, routing to the web Service with the edge timeout of its request-timeout chain. */
  private addEdge(): WebEdge {
    const { config, context } = this;
    const edge = config.web.edge;
    const timeoutSeconds = this.web.requestTimeouts.edge;
    const hosts = (edge.hosts ?? [{ hostname: config.laravel.host }]).map((h) => ({
      hostname: h.hostname,
      tlsSecretName: h.tlsSecretName ?? defaultTlsSecretName(config.appName, h.hostname, config.laravel.host),
    }));
    const dataPlane = config.networkPolicy.gatewayDataPlane;
    return new WebEdge(this, 'Edge', {
      context,
      kind: edge.kind,
      backend: { serviceName: this.web.service.name, port: this.web.service.port, portName: this.web.service.portName },
      hosts,
      routes: edgeRoutes({
        baseName: this.web.deploymentName,
        rateLimitRps: edge.rateLimitRps,
        timeoutSeconds,
        webhookPaths: edge.webhookPaths,
        webhookRateLimitRps: edge.webhookRateLimitRps,
        webhookTimeoutSeconds: edge.webhookTimeoutSeconds ?? timeoutSeconds,
        operatorPaths: edge.operatorPaths,
        operatorAllowedCidrs: edge.operatorAllowedCidrs,
        websocket: this.reverb
          ? {
              name: this.reverb.deploymentName,
              backend: { serviceName: this.reverb.deploymentName, port: REVERB_SERVICE_PORT, portName: 'http' },
              path: REVERB_WEBSOCKET_PATH,
              hostnames: config.reverb.edge.hostnames,
              timeoutSeconds: config.reverb.edge.timeoutSeconds,
            }
          : undefined,
      }),
      clientMaxBodySize: config.web.clientMaxBodySize,
      clusterIssuer: edge.tls.clusterIssuer,
      acmeChallenge: edge.tls.acmeChallenge,
      gateway: {
        implementation: edge.implementation,
        parentRefs: edge.gateway.parentRefs,
        create: edge.gateway.create,
        className: edge.gateway.className,
        xffTrustedHops: edge.gateway.xffTrustedHops,
        dataPlane: dataPlane.namespace !== undefined || dataPlane.podLabels !== undefined ? dataPlane : undefined,
      },
      ingress: {
        controller: edge.ingress.controller,
        className: edge.ingress.className,
        annotations: edge.ingress.annotations,
        webhookAnnotations: edge.ingress.webhookAnnotations,
        operatorAnnotations: edge.ingress.operatorAnnotations,
        controllerPods: { namespace: config.networkPolicy.ingressController.namespace, podLabels: config.networkPolicy.ingressController.podLabels },
      },
    });
  }

  /** The top-level `pods` merged with a workload's own `pod`. */
  private placementFor(own: PodPlacementConfig | undefined): PodPlacement {
    return mergePlacement(placementFromConfig(this.config.pods), placementFromConfig(own));
  }

  /**
   * Adds an environment variable, plain or from a Secret key, to every Laravel container: web (php-fpm), every
   * worker pool (also those added later), scheduler, migration, the components that joined with
   * `addLaravelComponent`, and the `prepare` init container of each, which runs `config:cache`.
   */
  addLaravelEnv(name: string, value: EnvValue): void {
    this.runtime.addEnv(name, value);
  }

  /**
   * Makes a team's Laravel workload (a Reverb websocket server, a second web tier) one of the Laravel
   * components: the Laravel NetworkPolicies select its pods (egress to the database, Redis, object storage,
   * FastAPI, the WA gateway when allowed, the internet when `networkPolicy.internetEgress.laravel`), and, with
   * `ingress`, it gets its own allow rule (`<app>-allow-<component>-from-<edge|peers>`). Build its pod with
   * `sharedEnv: stack.runtime` so `addLaravelEnv` reaches it.
   */
  addLaravelComponent(pod: WorkloadPod, options: LaravelComponentOptions = {}): KubeNetworkPolicy | undefined {
    const builtIn = [this.web.pod, ...this.workers.map((w) => w.pod), this.scheduler.pod, this.migration.pod];
    if ([...builtIn, ...this.extraLaravelComponents].some((p) => p.component === pod.component)) {
      throw new Error(`addLaravelComponent: component "${pod.component}" is already a Laravel component`);
    }
    this.extraLaravelComponents.push(pod);
    const ingress = options.ingress;
    if (!ingress) return undefined;
    const policies = this.networkPolicies;
    const from = ingress.from === 'edge' ? this.edge.dataPlanePeers.map((peer) => policies.namespacePeer(peer.namespace, peer.podLabels)) : ingress.from;
    return policies.allowIngress(`${pod.component}-from-${ingress.from === 'edge' ? this.edge.policyPurpose : 'peers'}`, {
      pods: policies.componentSelector(pod.component),
      from,
      ports: ingress.ports.map((port) => ({ port })),
    });
  }

  /** Bucket of the dumps: `backup.bucket`, else a bucket of their own next to the uploads bucket. */
  get backupBucket(): string {
    return this.config.backup.bucket ?? `${this.config.objectStorage.bucket}-backups`;
  }

  /** Where the backup job's credentials live: its own write-only keys; the database login Laravel's unless remapped. */
  private backupSecretRefs(): Record<string, { key?: string; property?: string }> {
    const remoteRefs = this.config.secrets.remoteRefs;
    const defaults: Record<string, { key?: string; property?: string }> = {
      AWS_ACCESS_KEY_ID: { property: 'BACKUP_AWS_ACCESS_KEY_ID' },
      AWS_SECRET_ACCESS_KEY: { property: 'BACKUP_AWS_SECRET_ACCESS_KEY' },
      DB_USERNAME: { ...remoteRefs.DB_USERNAME },
      DB_PASSWORD: { ...remoteRefs.DB_PASSWORD },
    };
    return mergeRefs(defaults, this.config.backup.remoteRefs);
  }

  private restoreCheckSecretRefs(): Record<string, { key?: string; property?: string }> {
    const defaults = {
      AWS_ACCESS_KEY_ID: { property: 'RESTORE_CHECK_AWS_ACCESS_KEY_ID' },
      AWS_SECRET_ACCESS_KEY: { property: 'RESTORE_CHECK_AWS_SECRET_ACCESS_KEY' },
    };
    return mergeRefs(defaults, this.config.backup.restoreCheck.remoteRefs);
  }

  /** Laravel's Redis key prefix; queue lists are `<prefix>queues:<queue>`. */
  get redisPrefix(): string {
    return this.config.redis.prefix ?? `${this.config.appName}_database_`;
  }

  /**
   * Adds a queue worker pool, e.g. one a platform team needs in a single environment. Keys left out take the
   * defaults of `workers[]`; the pool is checked as if it were the last entry of `workers` in the config
   * (ConfigError with `workers[<n>].<key>: message` lines).
   */
  addWorkerPool(pool: WorkerPoolInput): QueueWorkerPool {
    const source = `${this.config.name} (addWorkerPool)`;
    const resolved = resolveAmendedEnvironment({ ...this.config, workers: [...this.config.workers, pool] } as EnvironmentInput, source);
    return this.createWorkerPool(resolved.workers[resolved.workers.length - 1]);
  }

  private createWorkerPool(pool: WorkerPoolConfig): QueueWorkerPool {
    if (this.workers.some((w) => w.component === `worker-${pool.name}`)) throw new Error(`${this.config.name}: a worker pool named "${pool.name}" already exists`);
    const worker = new QueueWorkerPool(this, `Worker-${pool.name}`, {
      runtime: this.runtime,
      name: pool.name,
      mode: pool.mode,
      queues: pool.queues,
      replicas: pool.replicas,
      timeout: pool.timeout,
      retryAfter: pool.retryAfter,
      tries: pool.tries,
      memory: pool.memory,
      sleep: pool.sleep,
      backoff: pool.backoff,
      maxJobs: pool.maxJobs,
      maxTime: pool.maxTime,
      horizon: pool.horizon,
      resources: pool.resources,
      placement: this.placementFor(pool.pod),
      maxUnavailable: pool.maxUnavailable,
      autoscaling: pool.autoscaling.enabled
        ? {
            maxReplicas: pool.autoscaling.maxReplicas,
            listLength: pool.autoscaling.listLength,
            cooldownPeriod: pool.autoscaling.cooldownPeriod,
            pollingInterval: pool.autoscaling.pollingInterval,
            redisAddress: `${this.config.redis.host}:${this.config.redis.port}`,
            redisDatabase: this.config.redis.database,
            redisPrefix: this.redisPrefix,
          }
        : undefined,
    });
    this.workers.push(worker);
    return worker;
  }

  private secretEnvironment(id: string, component: string, variables: Record<string, { key?: string; property?: string }>, names: readonly string[] = []) {
    if (Object.keys(variables).length === 0 && names.length === 0) return undefined;
    return new SecretEnvironment(this, id, {
      context: this.context,
      component,
      store: this.config.secrets.store,
      refreshInterval: this.config.secrets.refreshInterval,
      fetch: this.config.secrets.fetch,
      variables: resolveRemoteRefs(names, variables, this.config.secrets.remoteKey),
    });
  }
}

/** Per-variable merge of remote references: the override's key and property win. */
function mergeRefs(
  defaults: Readonly<Record<string, { key?: string; property?: string }>>,
  overrides: Readonly<Record<string, { key?: string; property?: string }>>,
): Record<string, { key?: string; property?: string }> {
  const merged: Record<string, { key?: string; property?: string }> = {};
  for (const name of new Set([...Object.keys(defaults), ...Object.keys(overrides)])) merged[name] = { ...defaults[name], ...overrides[name] };
  return merged;
}

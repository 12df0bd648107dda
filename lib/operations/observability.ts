import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, Probe } from '../../imports/k8s';
import { PodMonitor, PodMonitorSpecPodMetricsEndpoints, PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { AlertDefinition, alertDefinitions, AlertTargets, AlertThresholds } from './alert-rules';
import { AppContext } from '../core/app-context';
import { ObservabilityConfig, Resources } from '../config/types.generated';
import { DatabaseBackup } from './database-backup';
import { ingressNginxRequestMetrics } from '../edge/ingress-nginx';
import { DEFAULT_RESOURCES, PORTS, PROBES } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { NotificationService } from '../notifications/fastapi';
import { LaravelSettings } from '../laravel/laravel-settings';
import { LaravelWeb, WEB_COMPONENT } from '../laravel/laravel-web';
import { toResourceRequirements } from '../core/containers';
import { DatabaseMigration } from '../laravel/migration';
import { NetworkPolicies } from '../network/network-policies';
import { ContainerSpec } from '../core/pod-security';
import { QueueWorkerPool } from '../laravel/queue-workers';
import { LaravelScheduler } from '../laravel/scheduler';
import { SyncWave } from '../core/sync-waves';
import { WhatsAppGateway } from '../notifications/wa-gateway';
import { WorkloadPod } from '../core/workload-pod';

/** Component of the redis exporter that reports queue lengths. */
export const QUEUE_METRICS_COMPONENT = 'queue-metrics';
/** Component label of the PrometheusRule. */
export const ALERTS_COMPONENT = 'alerts';

/** Container port names of the exporters (at most 15 characters). */
export const METRICS_PORT_NAMES = { phpFpm: 'fpm-metrics', nginx: 'nginx-metrics', redis: 'metrics' } as const;

/** Where the exporters read their targets: loopback only, inside the web pod. */
export const SCRAPE_URIS = {
  phpFpm: `tcp://127.0.0.1:${PORTS.phpFpmStatus}/fpm-status`,
  nginx: `http://127.0.0.1:${PORTS.nginxLocalStatus}/nginx-status`,
} as const;

const SCRAPE_INTERVAL = '30s';

/**
 * Probes of an exporter. Readiness is a TCP check on the metrics port only: a sidecar's readiness gates the
 * whole pod's Service membership, so it must never depend on php-fpm or nginx answering. Liveness reads the
 * metrics endpoint, which answers 200 (with `*_up 0`) even when the target is down, so it restarts a hung
 * exporter and nothing else.
 */
export function exporterProbes(portName: string, path = '/metrics'): Pick<ContainerSpec, 'readinessProbe' | 'livenessProbe'> {
  const port = IntOrString.fromString(portName);
  return {
    readinessProbe: { tcpSocket: { port }, ...PROBES.readiness } as Probe,
    livenessProbe: { httpGet: { path, port }, ...PROBES.liveness, timeoutSeconds: 5 } as Probe,
  };
}

export interface WebMetricsProps {
  readonly context: AppContext;
  readonly web: LaravelWeb;
  readonly phpFpmExporterImage: ImageRef;
  readonly nginxExporterImage: ImageRef;
  /** @default DEFAULT_RESOURCES.exporter */
  readonly resources?: Resources;
  /** Labels the Prometheus Operator selects PodMonitors by. */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** When given, lets the monitoring namespace scrape the exporter ports. */
  readonly networkPolicies?: NetworkPolicies;
}

/**
 * php-fpm and nginx exporter sidecars on the web pods (added with `web.addSidecar`, so hardened like the
 * rest) and a PodMonitor scraping both. They read php-fpm's status over FastCGI and nginx's stub_status on
 * the loopback-only status server; neither status page is reachable from outside the pod.
 */
export class WebMetrics extends Construct {
  public readonly podMonitor: PodMonitor;

  constructor(scope: Construct, id: string, props: WebMetricsProps) {
    super(scope, id);
    const resources = toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.exporter);
    props.web.addSidecar({
      name: 'php-fpm-exporter',
      image: imageRef(props.phpFpmExporterImage),
      imagePullPolicy: 'IfNotPresent',
      args: ['server', `--phpfpm.scrape-uri=${SCRAPE_URIS.phpFpm}`, `--web.listen-address=:${PORTS.phpFpmExporter}`, '--web.telemetry-path=/metrics'],
      ports: [{ name: METRICS_PORT_NAMES.phpFpm, containerPort: PORTS.phpFpmExporter, protocol: 'TCP' }],
      resources,
      ...exporterProbes(METRICS_PORT_NAMES.phpFpm),
    });
    props.web.addSidecar({
      name: 'nginx-exporter',
      image: imageRef(props.nginxExporterImage),
      imagePullPolicy: 'IfNotPresent',
      args: [`--nginx.scrape-uri=${SCRAPE_URIS.nginx}`, `--web.listen-address=:${PORTS.nginxExporter}`, '--web.telemetry-path=/metrics'],
      ports: [{ name: METRICS_PORT_NAMES.nginx, containerPort: PORTS.nginxExporter, protocol: 'TCP' }],
      resources,
      ...exporterProbes(METRICS_PORT_NAMES.nginx),
    });

    this.podMonitor = podMonitor(this, props.context, WEB_COMPONENT, props.web.deploymentName, props.monitorLabels, [
      METRICS_PORT_NAMES.phpFpm,
      METRICS_PORT_NAMES.nginx,
    ]);
    props.networkPolicies?.allowMetricsScrape(WEB_COMPONENT, [PORTS.phpFpmExporter, PORTS.nginxExporter]);
  }
}

export interface QueueMetricsProps {
  readonly context: AppContext;
  /** Source of REDIS_PASSWORD (the Laravel ExternalSecret). */
  readonly settings: LaravelSettings;
  readonly image: ImageRef;
  /** `host:port` of Redis. */
  readonly redisAddress: string;
  /** Full keys of the queue lists, `<prefix>queues:<queue>`; a function is read at synthesis (pools added later). */
  readonly queueKeys: readonly string[] | (() => readonly string[]);
  /** Redis database of the queues (Laravel's REDIS_DB). @default 0 */
  readonly redisDatabase?: number;
  /** @default DEFAULT_RESOURCES.exporter */
  readonly resources?: Resources;
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** When given: scrape from the monitoring namespace and egress to Redis. */
  readonly networkPolicies?: NetworkPolicies;
}

/**
 * Queue depth: a redis exporter Deployment that reports the length of each Laravel queue list with
 * `REDIS_EXPORTER_CHECK_SINGLE_KEYS` (LLEN/ZCARD of named keys; no SCAN over the keyspace), plus the delayed
 * and reserved sets. Metric: `redis_key_size{key="<prefix>queues:<queue>"}`.
 */
export class QueueMetrics extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deploymentName: string;
  public readonly podMonitor: PodMonitor;

  constructor(scope: Construct, id: string, props: QueueMetricsProps) {
    super(scope, id);
    const { context } = props;
    this.deploymentName = context.name(QUEUE_METRICS_COMPONENT);
    const db = `db${props.redisDatabase ?? 0}`;
    const checkKeys = () => {
      const lists = typeof props.queueKeys === 'function' ? props.queueKeys() : props.queueKeys;
      const keys = [...new Set(lists.flatMap((key) => [key, `${key}:delayed`, `${key}:reserved`]))];
      return keys.map((k) => `${db}=${k}`).join(',');
    };

    const exporter: ContainerSpec = {
      name: 'redis-exporter',
      image: imageRef(props.image),
      imagePullPolicy: 'IfNotPresent',
      env: [
        { name: 'REDIS_ADDR', value: `redis://${props.redisAddress}` },
        props.settings.secretValue('REDIS_PASSWORD'),
        { name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: Lazy.any({ produce: checkKeys }) },
        { name: 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', value: `:${PORTS.redisExporter}` },
      ],
      ports: [{ name: METRICS_PORT_NAMES.redis, containerPort: PORTS.redisExporter, protocol: 'TCP' }],
      resources: toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.exporter),
      // The exporter's own /health: answers without touching Redis, so a Redis outage does not restart it.
      readinessProbe: { httpGet: { path: '/health', port: IntOrString.fromString(METRICS_PORT_NAMES.redis) }, ...PROBES.readiness },
      livenessProbe: { httpGet: { path: '/health', port: IntOrString.fromString(METRICS_PORT_NAMES.redis) }, ...PROBES.liveness },
    };

    this.pod = new WorkloadPod(this, 'Pod', { context, component: QUEUE_METRICS_COMPONENT, containers: [exporter] });

    new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, QUEUE_METRICS_COMPONENT, { wave: SyncWave.WORKLOADS }),
      spec: {
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(QUEUE_METRICS_COMPONENT) },
        template: this.pod.template(),
      },
    });

    this.podMonitor = podMonitor(this, context, QUEUE_METRICS_COMPONENT, this.deploymentName, props.monitorLabels, [METRICS_PORT_NAMES.redis]);
    if (props.networkPolicies) {
      props.networkPolicies.allowMetricsScrape(QUEUE_METRICS_COMPONENT, [PORTS.redisExporter]);
      props.networkPolicies.allowDataStoreEgress(QUEUE_METRICS_COMPONENT, props.networkPolicies.componentSelector(QUEUE_METRICS_COMPONENT), 'redis');
    }
  }
}

export interface AlertRulesProps {
  readonly context: AppContext;
  readonly thresholds: AlertThresholds;
  /** What to watch; a function is read at synthesis, so parts added later (worker pools) are watched too. */
  readonly targets: AlertTargets | (() => AlertTargets);
  /** Labels the Prometheus Operator selects rules by. */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** When set, each alert gets `runbook_url: <base>#<alert name in lower case>`. */
  readonly runbookBaseUrl?: string;
}

/**
 * The PrometheusRule with the alerts of `alertDefinitions`: every alert has a `severity` label, a `summary`
 * and a `description` ending in a runbook hint (and a `runbook_url` when a runbook base URL is configured).
 */
export class AlertRules extends Construct {
  public readonly rule: PrometheusRule;
  private readonly props: AlertRulesProps;

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    this.props = props;
    const { context } = props;
    this.rule = new PrometheusRule(this, 'Resource', {
      metadata: context.metadata(context.name(ALERTS_COMPONENT), ALERTS_COMPONENT, { wave: SyncWave.MONITORING, labels: { ...props.monitorLabels } }),
      spec: Lazy.any({ produce: () => this.spec() }),
    });
  }

  /** The alerts as they stand now. */
  get definitions(): AlertDefinition[] {
    const targets = typeof this.props.targets === 'function' ? this.props.targets() : this.props.targets;
    return alertDefinitions(this.props.context, targets, this.props.thresholds);
  }

  private spec(): PrometheusRuleSpec {
    const { context, runbookBaseUrl } = this.props;
    return {
      groups: [
        {
          name: `${context.instance}.alerts`,
          rules: this.definitions.map((d) => ({
            alert: d.alert,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(d.expr),
            for: d.for,
            labels: { severity: d.severity, environment: context.environment },
            annotations: {
              summary: d.summary,
              description: `${d.description}\nRunbook: ${d.runbook}`,
              ...(runbookBaseUrl ? { runbook_url: `${runbookBaseUrl.replace(/#.*$/, '')}#${d.alert.toLowerCase()}` } : {}),
            },
          })),
        },
      ],
    };
  }
}

function podMonitor(
  scope: Construct,
  context: AppContext,
  component: string,
  name: string,
  labels: Readonly<Record<string, string>> | undefined,
  ports: readonly string[],
): PodMonitor {
  const endpoints: PodMonitorSpecPodMetricsEndpoints[] = ports.map((port) => ({ port, path: '/metrics', interval: SCRAPE_INTERVAL }));
  return new PodMonitor(scope, 'PodMonitor', {
    metadata: context.metadata(name, component, { wave: SyncWave.MONITORING, labels: { ...labels } }),
    spec: {
      selector: { matchLabels: context.selectorLabels(component) },
      podMetricsEndpoints: endpoints,
    },
  });
}

export interface ObservabilityProps {
  readonly context: AppContext;
  /** Source of REDIS_PASSWORD for the redis exporter. */
  readonly settings: LaravelSettings;
  /** The `observability` config section. */
  readonly config: ObservabilityConfig;
  readonly web: LaravelWeb;
  /** Worker pools, read at synthesis: pools added later are exported and alerted on too. */
  readonly workers: () => readonly QueueWorkerPool[];
  /** Redis `host:port` and Laravel's key prefix. */
  readonly redis: { readonly address: string; readonly prefix: string };
  readonly scheduler?: LaravelScheduler;
  readonly migration?: DatabaseMigration;
  readonly notificationService?: NotificationService;
  readonly waGateway?: WhatsAppGateway;
  readonly backup?: DatabaseBackup;
  readonly networkPolicies?: NetworkPolicies;
}

/**
 * Metrics and alerts of one environment, from its `observability` config: `WebMetrics` (exporter sidecars
 * and PodMonitor) and `QueueMetrics` (redis exporter) when metrics are enabled, `AlertRules` when alerts
 * are. Each part is a construct of its own, usable without this one.
 */
export class Observability extends Construct {
  public readonly webMetrics?: WebMetrics;
  public readonly queueMetrics?: QueueMetrics;
  public readonly alerts?: AlertRules;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { context, config } = props;
    const metrics = config.metrics;
    const queueKeys = () => [...new Set(props.workers().flatMap((w) => w.queues))].map((queue) => `${props.redis.prefix}queues:${queue}`);

    if (metrics.enabled) {
      this.webMetrics = new WebMetrics(this, 'Web', {
        context,
        web: props.web,
        phpFpmExporterImage: metrics.phpFpmExporterImage,
        nginxExporterImage: metrics.nginxExporterImage,
        monitorLabels: config.monitorLabels,
        networkPolicies: props.networkPolicies,
      });
      if (metrics.queueDepth) {
        this.queueMetrics = new QueueMetrics(this, 'Queues', {
          context,
          settings: props.settings,
          image: metrics.redisExporterImage,
          redisAddress: props.redis.address,
          queueKeys,
          monitorLabels: config.monitorLabels,
          networkPolicies: props.networkPolicies,
        });
      }
    }

    if (config.alerts.enabled) {
      const a = config.alerts;
      this.alerts = new AlertRules(this, 'Alerts', {
        context,
        thresholds: a,
        monitorLabels: config.monitorLabels,
        runbookBaseUrl: a.runbookBaseUrl,
        targets: () => ({
          edge: ingressNginxRequestMetrics(context.namespace, a.ingressNamespaceLabel, [props.web.deploymentName]),
          deployments: [
            {
              alert: 'PembayaranWebDown',
              names: [props.web.deploymentName],
              title: 'The Laravel web tier',
              severity: 'critical',
              runbook: 'kubectl describe deploy and pods of component web: image pull, failing init container (artisan caches need the secrets), probes; roll back the last release in Argo CD.',
            },
            {
              alert: 'PembayaranQueueWorkersDown',
              names: props.workers().map((w) => w.deploymentName),
              title: 'A queue worker pool',
              severity: 'critical',
              runbook: 'kubectl describe the worker pods: crash loop (logs --previous), failing prepare init container, or Redis/database unreachable. Jobs wait in Redis meanwhile; nothing is lost.',
            },
            ...(props.notificationService
              ? [
                  {
                    alert: 'PembayaranNotificationServiceDown',
                    names: [props.notificationService.deploymentName],
                    title: 'The FastAPI notification service',
                    severity: 'critical' as const,
                    runbook: 'kubectl logs deploy/<app>-fastapi and its health path; check its secrets (SENTRY_DSN...) and the NetworkPolicies to the WA gateway. Laravel notification jobs retry meanwhile.',
                  },
                ]
              : []),
            ...(props.waGateway
              ? [
                  {
                    alert: 'PembayaranWaGatewayDown',
                    names: [props.waGateway.deploymentName],
                    title: 'The WhatsApp gateway',
                    severity: 'critical' as const,
                    runbook: 'kubectl logs deploy/<app>-wa-gateway: a logged-out session needs a new QR pairing; a volume attach error needs the old pod gone (ReadWriteOnce, Recreate strategy).',
                  },
                ]
              : []),
          ],
          queueKeys: this.queueMetrics ? queueKeys() : undefined,
          schedulerCronJob: props.scheduler?.cronJobName,
          migrationJob: props.migration?.jobName,
          backupCronJob: props.backup?.cronJobName,
        }),
      });
    }
  }
}

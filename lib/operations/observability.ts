import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, Probe } from '../../imports/k8s';
import { PodMonitor, PodMonitorSpecPodMetricsEndpoints, PrometheusRule, PrometheusRuleSpec, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/monitoring.coreos.com';
import { AlertDefinition, alertDefinitions, alertPrefix, AlertTargets, AlertThresholds } from './alert-rules';
import { AppContext } from '../core/app-context';
import { ObservabilityConfig, Resources } from '../config/types.generated';
import { DatabaseBackup } from './database-backup';
import type { LaravelReverb } from '../laravel/reverb';
import { DataStoreTlsSettings } from '../core/data-store-tls';
import type { Edge } from '../edge/edge-routes';
import { DatabaseRestoreCheck } from './restore-check';
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
import { SchedulerWorkload } from '../laravel/scheduler';
import { SyncWave } from '../core/sync-waves';
import { eq, re, regexEscape, sel } from './promql';
import { WhatsAppGateway } from '../notifications/wa-gateway';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { UptimeCheck } from './uptime-check';

/** Component of the redis exporter that reports queue lengths. */
export const QUEUE_METRICS_COMPONENT = 'queue-metrics';
/** Component label of the PrometheusRule. */
export const ALERTS_COMPONENT = 'alerts';

/** Container names of the exporters; alerts select their series by them (the Prometheus Operator's `container` target label). */
export const PHP_FPM_EXPORTER_CONTAINER = 'php-fpm-exporter';
export const NGINX_EXPORTER_CONTAINER = 'nginx-exporter';
export const REDIS_EXPORTER_CONTAINER = 'redis-exporter';

/**
 * PromQL for the php-fpm autoscaling trigger: busy php-fpm children summed over the pods of a web
 * Deployment, from the exporter sidecars. The exporter reads php-fpm's status listener (pm.status_listen),
 * whose hidden pool answers the status request: no main-pool child is busy with it, so none is taken off.
 */
export function phpFpmBusyProcessesQuery(namespace: string, deployment: string): string {
  // Pods of a Deployment are <name>-<pod-template-hash>-<suffix>: another Deployment named <name>-x does not match.
  const pods = re('pod', `${regexEscape(deployment)}-[a-z0-9]+-[a-z0-9]+`);
  return `sum(${sel('phpfpm_active_processes', eq('namespace', namespace), eq('container', PHP_FPM_EXPORTER_CONTAINER), pods)})`;
}

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
      name: PHP_FPM_EXPORTER_CONTAINER,
      image: imageRef(props.phpFpmExporterImage),
      imagePullPolicy: 'IfNotPresent',
      args: ['server', `--phpfpm.scrape-uri=${SCRAPE_URIS.phpFpm}`, `--web.listen-address=:${PORTS.phpFpmExporter}`, '--web.telemetry-path=/metrics'],
      ports: [{ name: METRICS_PORT_NAMES.phpFpm, containerPort: PORTS.phpFpmExporter, protocol: 'TCP' }],
      resources,
      ...exporterProbes(METRICS_PORT_NAMES.phpFpm),
    });
    props.web.addSidecar({
      name: NGINX_EXPORTER_CONTAINER,
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
  /** TLS to Redis: `rediss://` and the CA bundle the exporter verifies against. @default - no TLS */
  readonly dataStoreTls?: DataStoreTlsSettings;
  /** Placement of the exporter's pod. @default - none */
  readonly placement?: PodPlacement;
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
    const tls = props.dataStoreTls?.enabled('redis') ?? false;
    const checkKeys = () => {
      const lists = typeof props.queueKeys === 'function' ? props.queueKeys() : props.queueKeys;
      const keys = [...new Set(lists.flatMap((key) => [key, `${key}:delayed`, `${key}:reserved`]))];
      return keys.map((k) => `${db}=${k}`).join(',');
    };

    const exporter: ContainerSpec = {
      name: REDIS_EXPORTER_CONTAINER,
      image: imageRef(props.image),
      imagePullPolicy: 'IfNotPresent',
      env: [
        { name: 'REDIS_ADDR', value: `${tls ? 'rediss' : 'redis'}://${props.redisAddress}` },
        ...(tls ? [{ name: 'REDIS_EXPORTER_TLS_CA_CERT_FILE', value: props.dataStoreTls!.caFile('redis') }] : []),
        props.settings.secretValue('REDIS_PASSWORD'),
        { name: 'REDIS_EXPORTER_CHECK_SINGLE_KEYS', value: Lazy.any({ produce: checkKeys }) },
        { name: 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', value: `:${PORTS.redisExporter}` },
      ],
      ports: [{ name: METRICS_PORT_NAMES.redis, containerPort: PORTS.redisExporter, protocol: 'TCP' }],
      resources: toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.exporter),
      // The exporter's own /health: answers without touching Redis, so a Redis outage does not restart it.
      readinessProbe: { httpGet: { path: '/health', port: IntOrString.fromString(METRICS_PORT_NAMES.redis) }, ...PROBES.readiness },
      livenessProbe: { httpGet: { path: '/health', port: IntOrString.fromString(METRICS_PORT_NAMES.redis) }, ...PROBES.liveness },
      ...(tls ? { volumeMounts: props.dataStoreTls!.volumeMounts(['redis']) } : {}),
    };

    this.pod = new WorkloadPod(this, 'Pod', {
      context,
      component: QUEUE_METRICS_COMPONENT,
      containers: [exporter],
      placement: props.placement,
      ...(tls ? { volumes: props.dataStoreTls!.volumes(['redis']) } : {}),
    });

    new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, QUEUE_METRICS_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
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

/** Name of the built-in rule set: object `<app>-alerts`, group `<instance>.alerts`. */
export const BUILT_IN_RULE_SET = 'alerts';

const RULE_SET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PROMETHEUS_DURATION = /^(([0-9]+)(ms|s|m|h|d|w|y))+$/;

export interface AlertRulesProps {
  readonly context: AppContext;
  /**
   * Name of the rule set. The built-in one is `alerts` (object `<app>-alerts`); another set `payments` is
   * object `<app>-payments-alerts` with group `<instance>.payments`.
   * @default BUILT_IN_RULE_SET
   */
  readonly name?: string;
  /** Thresholds of the built-in alerts; with `targets`, the set starts with `alertDefinitions`. @default - no built-in alerts */
  readonly thresholds?: AlertThresholds;
  /** What the built-in alerts watch; a function is read at synthesis, so parts added later (worker pools) are watched too. @default - no built-in alerts */
  readonly targets?: AlertTargets | (() => AlertTargets);
  /** Labels the Prometheus Operator selects rules by. @default - none */
  readonly monitorLabels?: Readonly<Record<string, string>>;
  /** When set, each alert gets `runbook_url: <base>#<alert name in lower case>`. @default - no runbook_url */
  readonly runbookBaseUrl?: string;
  /**
   * Alert names already taken elsewhere (name → the rule set holding it), read when an alert is added and at
   * synthesis; `Observability` passes the names of its other sets, so no alert is defined twice.
   * @default - only this set's own names are checked
   */
  readonly takenElsewhere?: () => ReadonlyMap<string, string>;
}

/**
 * One PrometheusRule with one group of alerts: the built-in ones of `alertDefinitions` (when thresholds and
 * targets are given) and those added with `addAlert`. Every alert has a `severity` and an `environment`
 * label, a `summary` and a `description` ending in a runbook hint (and a `runbook_url` when a runbook base
 * URL is configured). Alert names are unique within the set and against `takenElsewhere`.
 * @see https://prometheus-operator.dev/docs/developer/alerting/
 */
export class AlertRules extends Construct {
  public readonly rule: PrometheusRule;
  /** Name of the PrometheusRule object. */
  public readonly objectName: string;
  /** Name of its rule group. */
  public readonly groupName: string;
  private readonly props: AlertRulesProps;
  private readonly added: AlertDefinition[] = [];

  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    const setName = props.name ?? BUILT_IN_RULE_SET;
    if (!RULE_SET_NAME.test(setName)) throw new Error(`AlertRules name "${setName}" is not a DNS label: use lower-case letters, digits and dashes`);
    if ((props.thresholds === undefined) !== (props.targets === undefined)) throw new Error('AlertRules needs both thresholds and targets for the built-in alerts, or neither');
    this.props = props;
    const { context } = props;
    this.objectName = setName === BUILT_IN_RULE_SET ? context.name(ALERTS_COMPONENT) : context.name(`${setName}-${ALERTS_COMPONENT}`);
    this.groupName = `${context.instance}.${setName}`;
    this.rule = new PrometheusRule(this, 'Resource', {
      metadata: context.metadata(this.objectName, ALERTS_COMPONENT, { wave: SyncWave.MONITORING, labels: { ...props.monitorLabels } }),
      spec: Lazy.any({ produce: () => this.spec() }),
    });
  }

  /** The built-in alerts as they stand now. */
  get builtInDefinitions(): AlertDefinition[] {
    const { targets, thresholds, context } = this.props;
    if (!targets || !thresholds) return [];
    return alertDefinitions(context, typeof targets === 'function' ? targets() : targets, thresholds);
  }

  /** Every alert of the set as it stands now: the built-in ones, then the added ones. */
  get definitions(): AlertDefinition[] {
    return [...this.builtInDefinitions, ...this.added];
  }

  /** Adds an alert; throws when its name is invalid or already used in this set or another. */
  addAlert(definition: AlertDefinition): void {
    const problem = this.problemOf(definition, this.definitions);
    if (problem) throw new Error(problem);
    this.added.push(definition);
  }

  private problemOf(d: AlertDefinition, existing: readonly AlertDefinition[]): string | undefined {
    if (!ALERT_NAME.test(d.alert)) return `alert name "${d.alert}" is not a valid Prometheus alert name ([A-Za-z_][A-Za-z0-9_]*)`;
    if (!PROMETHEUS_DURATION.test(d.for)) return `alert ${d.alert}: for "${d.for}" is not a Prometheus duration such as 5m`;
    if (existing.some((e) => e.alert === d.alert)) return `alert ${d.alert} is already defined in PrometheusRule ${this.objectName}: choose another name`;
    const elsewhere = this.props.takenElsewhere?.().get(d.alert);
    if (elsewhere) return `alert ${d.alert} is already defined in PrometheusRule ${elsewhere}: choose another name`;
    return undefined;
  }

  private spec(): PrometheusRuleSpec {
    const { context, runbookBaseUrl } = this.props;
    const definitions: AlertDefinition[] = [];
    for (const d of this.definitions) {
      // Built-in alerts are read at synthesis: a name added earlier may collide only now.
      const problem = this.problemOf(d, definitions);
      if (problem) throw new Error(problem);
      definitions.push(d);
    }
    return {
      groups: [
        {
          name: this.groupName,
          rules: definitions.map((d) => ({
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
  /** Placement of the queue exporter's pod (the top-level `pods`). @default - none */
  readonly exporterPlacement?: PodPlacement;
  /** Source of REDIS_PASSWORD for the redis exporter. */
  readonly settings: LaravelSettings;
  /** The `observability` config section. */
  readonly config: ObservabilityConfig;
  readonly web: LaravelWeb;
  /** Worker pools, read at synthesis: pools added later are exported and alerted on too. */
  readonly workers: () => readonly QueueWorkerPool[];
  /** Redis `host:port`, the database of the queues (REDIS_DB) and Laravel's key prefix. */
  readonly redis: { readonly address: string; readonly database: number; readonly prefix: string };
  /** TLS to Redis for the queue exporter. @default - no TLS */
  readonly dataStoreTls?: DataStoreTlsSettings;
  /** The scheduler in either mode. @default - no scheduler alerts */
  readonly scheduler?: { readonly workload: SchedulerWorkload };
  /** @default - no migration alert */
  readonly migration?: DatabaseMigration;
  /** @default - no notification service alert */
  readonly notificationService?: NotificationService;
  /** @default - no WA gateway alert */
  readonly waGateway?: WhatsAppGateway;
  /** @default - no Reverb alert */
  readonly reverb?: Pick<LaravelReverb, 'deploymentName'>;
  /** @default - no backup alerts */
  readonly backup?: DatabaseBackup;
  /** @default - no restore check alerts */
  readonly restoreCheck?: DatabaseRestoreCheck;
  /** @default - no NetworkPolicy allows for scraping */
  readonly networkPolicies?: NetworkPolicies;
  /** The public edge, whose request metrics the web error and latency alerts read. @default - no such alerts */
  readonly edge?: Pick<Edge, 'requestMetrics'>;
  /** URLs of the uptime check when `config.uptime.enabled` (its `targets`, else these). @default - none */
  readonly uptimeTargets?: readonly string[];
}

/**
 * Metrics and alerts of one environment, from its `observability` config: `WebMetrics` (exporter sidecars
 * and PodMonitor) and `QueueMetrics` (redis exporter) when metrics are enabled, `AlertRules` when alerts
 * are. Each part is a construct of its own, usable without this one.
 *
 * Platform teams add their own alerts to the built-in set (`addAlert`) or to sets of their own
 * (`addRuleSet`); alert names are unique across all sets, so nothing is defined twice, and every set has
 * its own object and group name.
 */
export class Observability extends Construct {
  public readonly webMetrics?: WebMetrics;
  public readonly queueMetrics?: QueueMetrics;
  /** The external uptime check, when `observability.uptime.enabled`. */
  public readonly uptime?: UptimeCheck;
  /** The built-in rule set, when `observability.alerts.enabled`. */
  public readonly alerts?: AlertRules;
  private readonly context: AppContext;
  private readonly config: ObservabilityConfig;
  private readonly ruleSets = new Map<string, AlertRules>();

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { context, config } = props;
    this.context = context;
    this.config = config;
    const metrics = config.metrics;
    const queueKeys = () => [...new Set(props.workers().flatMap((w) => w.queues))].map((queue) => `${props.redis.prefix}queues:${queue}`);

    if (metrics.enabled && props.web.runsPhpFpm) {
      // Octane has no php-fpm status or nginx stub_status to export.
      this.webMetrics = new WebMetrics(this, 'Web', {
        context,
        web: props.web,
        phpFpmExporterImage: metrics.phpFpmExporterImage,
        nginxExporterImage: metrics.nginxExporterImage,
        monitorLabels: config.monitorLabels,
        networkPolicies: props.networkPolicies,
      });
    }
    if (metrics.enabled) {
      if (metrics.queueDepth) {
        this.queueMetrics = new QueueMetrics(this, 'Queues', {
          context,
          settings: props.settings,
          image: metrics.redisExporterImage,
          redisAddress: props.redis.address,
          redisDatabase: props.redis.database,
          queueKeys,
          monitorLabels: config.monitorLabels,
          networkPolicies: props.networkPolicies,
          dataStoreTls: props.dataStoreTls,
          placement: props.exporterPlacement,
        });
      }
    }

    const uptime = config.uptime;
    if (uptime.enabled) {
      if (!uptime.proberUrl) throw new Error('observability.uptime.proberUrl is required when the uptime check is enabled');
      this.uptime = new UptimeCheck(this, 'Uptime', {
        context,
        proberUrl: uptime.proberUrl,
        module: uptime.module,
        interval: uptime.interval,
        targets: uptime.targets ?? props.uptimeTargets ?? [],
        monitorLabels: config.monitorLabels,
      });
    }

    if (config.alerts.enabled) {
      const a = config.alerts;
      this.alerts = this.newRuleSet(BUILT_IN_RULE_SET, {
        thresholds: a,
        monitorLabels: config.monitorLabels,
        targets: () => ({
          edge: props.edge?.requestMetrics(a.ingressNamespaceLabel),
          alwaysRunning: { deployment: props.web.deploymentName, container: props.web.appContainer },
          phpFpmExporter: this.webMetrics ? { container: PHP_FPM_EXPORTER_CONTAINER } : undefined,
          deployments: [
            {
              alert: 'WebDown',
              names: [props.web.deploymentName],
              title: 'The Laravel web tier',
              severity: 'critical',
              runbook: 'kubectl describe deploy and pods of component web: image pull, failing init container (artisan caches need the secrets), probes; roll back the last release in Argo CD.',
            },
            {
              alert: 'QueueWorkersDown',
              names: props.workers().map((w) => w.deploymentName),
              title: 'A queue worker pool',
              severity: 'critical',
              runbook: 'kubectl describe the worker pods: crash loop (logs --previous), failing prepare init container, or Redis/database unreachable. Jobs wait in Redis meanwhile; nothing is lost.',
            },
            ...(props.notificationService
              ? [
                  {
                    alert: 'NotificationServiceDown',
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
                    alert: 'WaGatewayDown',
                    names: [props.waGateway.deploymentName],
                    title: 'The WhatsApp gateway',
                    severity: 'critical' as const,
                    runbook: 'kubectl logs deploy/<app>-wa-gateway: a logged-out session needs a new QR pairing (docs/operations.md, re-pairing runbook); a volume attach error needs the old pod gone (single-writer volume, Recreate strategy).',
                  },
                ]
              : []),
            ...(props.reverb
              ? [
                  {
                    alert: 'ReverbDown',
                    names: [props.reverb.deploymentName],
                    title: 'The Reverb websocket server',
                    severity: 'warning' as const,
                    runbook: 'kubectl describe deploy/<app>-reverb and its pods: failing prepare init container, crash loop (logs --previous), Redis unreachable (REVERB_SCALING_ENABLED needs it). Payments go on; browsers lose live updates until it is back.',
                  },
                ]
              : []),
          ],
          queues: this.queueMetrics ? { keys: queueKeys(), database: props.redis.database, exporterContainer: REDIS_EXPORTER_CONTAINER } : undefined,
          scheduler: props.scheduler?.workload,
          migrationJob: props.migration?.jobName,
          backupCronJob: props.backup?.cronJobName,
          restoreCheckCronJob: props.restoreCheck?.cronJobName,
          uptime: this.uptime ? { job: this.uptime.jobName, targets: this.uptime.targets } : undefined,
        }),
      });
    }
  }

  /** An alert name with this app's prefix: `alertName('PaymentsStuck')` is `PembayaranPaymentsStuck`. */
  alertName(suffix: string): string {
    return `${alertPrefix(this.context.appName)}${suffix}`;
  }

  /**
   * Adds an alert to the built-in rule set `<app>-alerts`. Throws when alerts are disabled or when the name
   * is already used by a built-in alert or in any rule set of this environment.
   */
  addAlert(definition: AlertDefinition): void {
    if (!this.alerts) throw new Error('observability.alerts.enabled is false, so there is no built-in rule set: enable it, or add a rule set with addRuleSet');
    this.alerts.addAlert(definition);
  }

  /**
   * A rule set of its own: PrometheusRule `<app>-<name>-alerts` with group `<instance>.<name>`, labelled with
   * `observability.monitorLabels` unless other labels are given. Its alerts must not repeat a name of any other set.
   */
  addRuleSet(name: string, options: { readonly monitorLabels?: Readonly<Record<string, string>>; readonly runbookBaseUrl?: string } = {}): AlertRules {
    if (name === BUILT_IN_RULE_SET) throw new Error(`rule set "${name}" is the built-in one: use addAlert, or choose another name`);
    if (this.ruleSets.has(name)) throw new Error(`rule set "${name}" already exists: add alerts to it, or choose another name`);
    return this.newRuleSet(name, { monitorLabels: options.monitorLabels ?? this.config.monitorLabels, runbookBaseUrl: options.runbookBaseUrl });
  }

  /** Every rule set of this environment, built-in first. */
  get ruleSetList(): AlertRules[] {
    return [...this.ruleSets.values()];
  }

  private newRuleSet(name: string, props: Omit<AlertRulesProps, 'context' | 'name' | 'takenElsewhere'>): AlertRules {
    const id = name === BUILT_IN_RULE_SET ? 'Alerts' : `RuleSet-${name}`;
    const set: AlertRules = new AlertRules(this, id, {
      runbookBaseUrl: this.config.alerts.runbookBaseUrl,
      ...props,
      context: this.context,
      name,
      takenElsewhere: () => {
        const taken = new Map<string, string>();
        for (const other of this.ruleSets.values()) {
          if (other !== set) for (const d of other.definitions) taken.set(d.alert, other.objectName);
        }
        return taken;
      },
    });
    this.ruleSets.set(name, set);
    return set;
  }
}

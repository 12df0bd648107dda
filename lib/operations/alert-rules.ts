import { AppContext } from '../core/app-context';
import type { SchedulerWorkload } from '../laravel/scheduler';
import { eq, ne, re, regexEscape, sel } from './promql';

/** Alert thresholds; the `observability.alerts` config section. */
export interface AlertThresholds {
  /** Web 5xx ratio (0..1). */
  readonly errorRatio: number;
  /** p95 request latency in seconds. */
  readonly latencySeconds: number;
  /** Waiting jobs in one queue. */
  readonly queueDepth: number;
  /** Seconds a queue may stay non-empty without ever shrinking (the oldest-job-age proxy). */
  readonly oldestJobSeconds: number;
  /** CPU or memory use against the container's limit (0..1). */
  readonly saturation: number;
  /** Share of CFS periods in which a container was throttled (0..1). */
  readonly cpuThrottling: number;
  /** Hours since the last successful backup. */
  readonly backupMaxAgeHours: number;
  /** Hours since the last successful restore check. */
  readonly restoreCheckMaxAgeHours: number;
  /** Container restarts within 30 minutes. */
  readonly restarts: number;
  /** Seconds since the scheduler CronJob last succeeded. */
  readonly schedulerStaleSeconds: number;
  /** Days before the public certificate expires, as the uptime check sees it. */
  readonly certificateExpiryDays: number;
}

/** A Deployment group that must never have zero available pods. */
export interface DeploymentTarget {
  /** Alert name after the app prefix, e.g. `WebDown`. */
  readonly alert: string;
  readonly names: readonly string[];
  /** What it is, for the summary: "The Laravel web tier". */
  readonly title: string;
  readonly severity: AlertSeverity;
  readonly runbook: string;
}

/** What the alerts watch: object names in the environment's namespace. Leave a part out to skip its alerts. */
export interface AlertTargets {
  /** The edge's request metrics (each edge says where its own are, lib/edge/); without them no web error or latency alert. */
  readonly edge?: EdgeRequestMetrics;
  readonly deployments?: readonly DeploymentTarget[];
  /** A Deployment that always runs and one of its containers: their series prove kube-state-metrics and cAdvisor are scraped. */
  readonly alwaysRunning?: { readonly deployment: string; readonly container: string };
  /** The php-fpm exporter sidecar of the web pods (its container name). */
  readonly phpFpmExporter?: { readonly container: string };
  /** Queue lists exported by the redis exporter: full keys (`<prefix>queues:<queue>`) and their Redis database. */
  readonly queues?: { readonly keys: readonly string[]; readonly database: number; readonly exporterContainer: string };
  /** The scheduler: its CronJob (cron mode) or its Deployment and container (work mode). */
  readonly scheduler?: SchedulerWorkload;
  readonly migrationJob?: string;
  readonly backupCronJob?: string;
  readonly restoreCheckCronJob?: string;
  /** The uptime check's Probe: the `job` label of its blackbox series and the URLs it probes. */
  readonly uptime?: { readonly job: string; readonly targets: readonly string[] };
}

/**
 * Where the edge (ingress controller or Gateway data plane) counts the requests it answered. The edge sees
 * every request, including those that never reach a pod (502/503/504), so the web alerts read it.
 */
export interface EdgeRequestMetrics {
  /** What the series describe, for the alert text, e.g. `Ingress pembayaran-web (ingress-nginx)`. */
  readonly target: string;
  /** Counter of answered requests with the HTTP status code in `statusLabel`. */
  readonly requests: { readonly metric: string; readonly statusLabel: string; readonly matchers: readonly string[] };
  /**
   * Histogram (`_bucket`) of request durations; `unitSeconds` 0.001 when it counts milliseconds; `statusLabel`
   * when it is labelled with the status code (then rate-limited requests are left out).
   */
  readonly duration: { readonly metric: string; readonly matchers: readonly string[]; readonly unitSeconds: number; readonly statusLabel?: string };
}

/**
 * Status code of rate-limited requests. They are the limiter working, not the application failing: the
 * error ratio leaves them out of both sides (a flood of them would otherwise dilute real 5xx), and so does p95.
 */
export const RATE_LIMITED_STATUS = '429';

export type AlertSeverity = 'critical' | 'warning';

/** One alert with its documentation: the rule, where its threshold comes from and what to do. */
export interface AlertDefinition {
  readonly alert: string;
  readonly expr: string;
  /** Prometheus duration, e.g. `5m`. */
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
  /** First steps for whoever is paged. */
  readonly runbook: string;
  /** Config key of its threshold, e.g. `observability.alerts.errorRatio`, or a fixed value. @default - none stated */
  readonly threshold?: string;
}

/** Window and count of failed scheduler runs that alert (fixed: one failed minute is often a blip). */
export const SCHEDULER_FAILURES = { windowSeconds: 900, count: 3 } as const;
/** Requests per second below which error ratio and latency are not judged (a handful of night requests is no signal). */
export const MIN_REQUEST_RATE = 0.2;
/** How long the metrics an alert depends on may be missing before that is an alert itself. */
export const ABSENT_FOR = { scraped: '15m', edge: '30m' } as const;

/** Per-container aggregation that tolerates a metric scraped twice (duplicate jobs) or an old container's lingering series. */
const BY_CONTAINER = 'max by (namespace, pod, container)';
const BY_POD = 'max by (namespace, pod)';

const THRESHOLD = (key: keyof AlertThresholds) => `observability.alerts.${key}`;

/**
 * The alert name prefix of an app: its name in PascalCase (`pembayaran` → `Pembayaran`, `acme-pay` →
 * `AcmePay`). Alert names must be valid metric names, so a leading digit gets an `App` in front.
 */
export function alertPrefix(appName: string): string {
  const pascal = appName
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
  return /^[0-9]/.test(pascal) ? `App${pascal}` : pascal;
}

/**
 * The alerts a payments team needs, as data: the PrometheusRule and docs/operations.md are both built from
 * it, and test/lib/operations/alert-cases.ts feeds each one firing and quiet series through promtool.
 * Metric sources: the edge (requests, latency; ingress-nginx or the Gateway's data plane), the php-fpm
 * exporter, cAdvisor and kube-state-metrics (saturation, restarts, Deployments, Jobs, CronJobs) and the redis
 * exporter (queue lists).
 */
export function alertDefinitions(context: AppContext, targets: AlertTargets, t: AlertThresholds): AlertDefinition[] {
  const P = alertPrefix(context.appName);
  const ns = eq('namespace', context.namespace);
  const alerts: AlertDefinition[] = [];

  if (targets.edge) {
    const edge = targets.edge;
    const { metric, statusLabel, matchers } = edge.requests;
    const answered = `sum(rate(${sel(metric, ...matchers, ne(statusLabel, RATE_LIMITED_STATUS))}[5m]))`;
    const errors = `sum(rate(${sel(metric, ...matchers, re(statusLabel, '5..'))}[5m]))`;
    const enoughTraffic = `${answered} > ${MIN_REQUEST_RATE}`;
    alerts.push({
      alert: `${P}WebErrorRatioHigh`,
      expr: `(${errors} / ${answered}) > ${t.errorRatio} and ${enoughTraffic}`,
      for: '5m',
      severity: 'critical',
      summary: `More than ${pct(t.errorRatio)} of web requests fail with 5xx`,
      description: `{{ $value | humanizePercentage }} of requests to ${edge.target} answered 5xx over 5 minutes (rate-limited ${RATE_LIMITED_STATUS}s not counted; judged above ${MIN_REQUEST_RATE} req/s).`,
      runbook:
        'Check the web pods (kubectl get pods -l app.kubernetes.io/component=web), their php-fpm and nginx logs and Sentry; 502/504 point at php-fpm saturation or timeouts, 500 at the app. Roll back with Argo CD if it started with a release.',
      threshold: THRESHOLD('errorRatio'),
    });
    const d = edge.duration;
    const timed = d.statusLabel ? [...d.matchers, ne(d.statusLabel, RATE_LIMITED_STATUS)] : [...d.matchers];
    const p95 = `histogram_quantile(0.95, sum by (le) (rate(${sel(d.metric, ...timed)}[5m])))`;
    // The histogram's +Inf bucket counts the same requests the quantile is computed from.
    const timedRate = `sum(rate(${sel(d.metric, ...timed, eq('le', '+Inf'))}[5m]))`;
    alerts.push({
      alert: `${P}WebLatencyHigh`,
      expr: `${d.unitSeconds === 1 ? p95 : `${p95} * ${d.unitSeconds}`} > ${t.latencySeconds} and on () ${timedRate} > ${MIN_REQUEST_RATE}`,
      for: '10m',
      severity: 'warning',
      summary: `Web p95 latency above ${t.latencySeconds}s`,
      description: `The 95th percentile of request duration at ${edge.target} is {{ $value | humanizeDuration }} (judged above ${MIN_REQUEST_RATE} req/s).`,
      runbook:
        'Look at php-fpm busy processes (phpfpm_active_processes against pm.max_children), the listen queue and the autoscaler (kubectl get hpa,scaledobject); if php-fpm is saturated raise web.phpFpm.maxChildren or replicas; else check slow queries and external payment providers.',
      threshold: THRESHOLD('latencySeconds'),
    });
    alerts.push({
      alert: `${P}EdgeMetricsAbsent`,
      expr: `absent(${sel(metric, ...matchers)})`,
      for: ABSENT_FOR.edge,
      severity: 'warning',
      summary: 'The edge request metrics of the web tier are missing',
      description: `No ${metric} series for ${edge.target} for ${ABSENT_FOR.edge}: ${P}WebErrorRatioHigh and ${P}WebLatencyHigh are blind. The edge creates the series at the first request after a restart, so an environment without any traffic also shows this.`,
      runbook:
        "Check that Prometheus scrapes the edge: Envoy Gateway's proxy pods (port 19001, /stats/prometheus), or for ingress-nginx its ServiceMonitor (controller.metrics.enabled) with observability.alerts.ingressNamespaceLabel matching how the namespace label arrives (exported_namespace without honorLabels).",
      threshold: `fixed: absent for ${ABSENT_FOR.edge}`,
    });
  }

  const workingContainers = [ns, ne('container', ''), ne('container', 'POD')];
  const limit = (resource: string) => `${BY_CONTAINER} (${sel('kube_pod_container_resource_limits', ns, eq('resource', resource))})`;
  alerts.push({
    alert: `${P}ContainerCpuSaturated`,
    expr: `(${BY_CONTAINER} (rate(${sel('container_cpu_usage_seconds_total', ...workingContainers)}[5m])) / ${limit('cpu')}) > ${t.saturation}`,
    for: '15m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} uses most of its CPU limit',
    description: 'CPU use is {{ $value | humanizePercentage }} of the CPU limit for 15 minutes. Only containers with a CPU limit are judged: without one, using more than the request is normal and harmless.',
    runbook: 'The container is at its limit and about to be throttled: raise the CPU limit (or drop it; this project sets none by default) and the request, or look for a runaway process.',
    threshold: THRESHOLD('saturation'),
  });
  alerts.push({
    alert: `${P}ContainerCpuThrottled`,
    expr:
      `(${BY_CONTAINER} (rate(${sel('container_cpu_cfs_throttled_periods_total', ...workingContainers)}[5m])) / ` +
      `${BY_CONTAINER} (rate(${sel('container_cpu_cfs_periods_total', ...workingContainers)}[5m]))) > ${t.cpuThrottling}`,
    for: '15m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is CPU-throttled',
    description: 'The kernel throttled the container in {{ $value | humanizePercentage }} of its CFS periods for 15 minutes (cAdvisor): requests wait for CPU time although the node may have it.',
    runbook: 'Raise or remove the CPU limit of that container in the resources config; throttling adds latency to every request the container serves.',
    threshold: THRESHOLD('cpuThrottling'),
  });
  alerts.push({
    alert: `${P}ContainerMemorySaturated`,
    expr: `(${BY_CONTAINER} (${sel('container_memory_working_set_bytes', ...workingContainers)}) / ${limit('memory')}) > ${t.saturation}`,
    for: '15m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is near its memory limit',
    description: 'Working set is {{ $value | humanizePercentage }} of the memory limit; at 100% the container is OOM-killed.',
    runbook: 'Compare with the container restarts (OOMKilled in kubectl describe pod). For workers lower --memory below the limit; for php-fpm lower pm.max_children or raise the memory limit in the resources config.',
    threshold: THRESHOLD('saturation'),
  });
  alerts.push({
    alert: `${P}PodRestartLoop`,
    expr: `${BY_CONTAINER} (increase(${sel('kube_pod_container_status_restarts_total', ns)}[30m])) >= ${t.restarts}`,
    for: '5m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} keeps restarting',
    description: `{{ $value | humanize }} restarts in 30 minutes.`,
    runbook: 'kubectl describe pod (last state: OOMKilled, Error, liveness failures) and kubectl logs --previous. A liveness failure under load points at probes or saturation; an Error exit at config or secrets.',
    threshold: THRESHOLD('restarts'),
  });

  if (targets.alwaysRunning) {
    const { deployment, container } = targets.alwaysRunning;
    alerts.push({
      alert: `${P}KubeStateMetricsAbsent`,
      expr: `absent(${sel('kube_deployment_spec_replicas', ns, eq('deployment', deployment))})`,
      for: ABSENT_FOR.scraped,
      severity: 'warning',
      summary: 'kube-state-metrics series of the namespace are missing',
      description: `No kube_deployment_spec_replicas for Deployment ${deployment} for ${ABSENT_FOR.scraped}: the Deployment, Job, CronJob, restart and limit alerts (${P}*Down, ${P}BackupTooOld, ${P}SchedulerNotRunning, ...) are blind.`,
      runbook: 'Check the kube-state-metrics pod and its ServiceMonitor in the monitoring namespace, and that Prometheus selects it (kubectl -n monitoring get pods,servicemonitors).',
      threshold: `fixed: absent for ${ABSENT_FOR.scraped}`,
    });
    alerts.push({
      alert: `${P}CadvisorMetricsAbsent`,
      expr: `absent(${sel('container_cpu_usage_seconds_total', ns, eq('container', container))})`,
      for: ABSENT_FOR.scraped,
      severity: 'warning',
      summary: 'cAdvisor container metrics of the namespace are missing',
      description: `No container_cpu_usage_seconds_total for container ${container} of Deployment ${deployment} for ${ABSENT_FOR.scraped}: the CPU, throttling and memory alerts are blind.`,
      runbook: 'Check that Prometheus scrapes the kubelets at /metrics/cadvisor (the kubelet ServiceMonitor of kube-prometheus-stack) and that the targets are up.',
      threshold: `fixed: absent for ${ABSENT_FOR.scraped}`,
    });
  }

  for (const d of targets.deployments ?? []) {
    if (d.names.length === 0) continue;
    const deployment = [ns, d.names.length === 1 ? eq('deployment', d.names[0]) : re('deployment', d.names.map(regexEscape).join('|'))];
    alerts.push({
      alert: `${P}${d.alert}`,
      expr:
        `max by (namespace, deployment) (${sel('kube_deployment_status_replicas_available', ...deployment)}) == 0 ` +
        `and on (namespace, deployment) max by (namespace, deployment) (${sel('kube_deployment_spec_replicas', ...deployment)}) > 0`,
      for: '5m',
      severity: d.severity,
      summary: `${d.title} is down`,
      description: 'Deployment {{ $labels.deployment }} has had no available pod for 5 minutes although it should run.',
      runbook: d.runbook,
      threshold: 'fixed: 0 available pods for 5m',
    });
  }

  if (targets.phpFpmExporter) {
    const fpm = [ns, eq('container', targets.phpFpmExporter.container)];
    alerts.push({
      alert: `${P}PhpFpmDown`,
      expr: `${BY_POD} (${sel('phpfpm_up', ...fpm)}) == 0`,
      for: '5m',
      severity: 'warning',
      summary: 'php-fpm of web pod {{ $labels.pod }} does not answer its status page',
      description: 'The php-fpm exporter sidecar cannot read php-fpm status over FastCGI (phpfpm_up 0) for 5 minutes: php-fpm is down or hung in that pod.',
      runbook: 'kubectl logs <pod> -c php-fpm; a hung master fails its liveness probe and restarts; if every pod shows it, check a recent change of web.phpFpm or the pool config.',
      threshold: 'fixed: phpfpm_up 0 for 5m',
    });
    alerts.push({
      alert: `${P}PhpFpmMaxChildrenReached`,
      expr: `${BY_POD} (increase(${sel('phpfpm_max_children_reached', ...fpm)}[10m])) > 0`,
      for: '0m',
      severity: 'warning',
      summary: 'php-fpm of web pod {{ $labels.pod }} ran out of children',
      description: 'php-fpm hit pm.max_children {{ $value | humanize }} times in 10 minutes: requests queued for a free worker.',
      runbook: 'Scale out (the php-fpm autoscaler trigger, web.autoscaling.phpFpm) or raise web.phpFpm.maxChildren if the memory limit allows; slow payment-provider calls hold children longest.',
      threshold: 'fixed: any increase in 10m',
    });
    alerts.push({
      alert: `${P}PhpFpmListenQueue`,
      expr: `${BY_POD} (${sel('phpfpm_listen_queue', ...fpm)}) > 0`,
      for: '2m',
      severity: 'warning',
      summary: 'Requests wait in the php-fpm listen queue of web pod {{ $labels.pod }}',
      description: '{{ $value }} connections have been waiting for a free php-fpm child for 2 minutes: the pool is saturated.',
      runbook: 'As for max children reached: more replicas or children; check phpfpm_active_processes and the slow log.',
      threshold: 'fixed: above 0 for 2m',
    });
    alerts.push({
      alert: `${P}PhpFpmMetricsAbsent`,
      expr: `absent(${sel('phpfpm_up', ...fpm)})`,
      for: ABSENT_FOR.scraped,
      severity: 'warning',
      summary: 'php-fpm exporter metrics are missing',
      description: `No phpfpm_up series from the ${targets.phpFpmExporter.container} sidecars for ${ABSENT_FOR.scraped}: the php-fpm alerts and the php-fpm autoscaling trigger are blind.`,
      runbook: 'Check the web PodMonitor (selected by observability.monitorLabels?), the NetworkPolicy allow-web-from-monitoring and the sidecar logs.',
      threshold: `fixed: absent for ${ABSENT_FOR.scraped}`,
    });
  }

  if (targets.queues?.keys.length) {
    const keys = [ns, eq('db', `db${targets.queues.database}`), re('key', targets.queues.keys.map(regexEscape).join('|'))];
    const size = sel('redis_key_size', ...keys);
    alerts.push({
      alert: `${P}QueueBacklog`,
      expr: `max by (namespace, key) (${size}) > ${t.queueDepth}`,
      for: '10m',
      severity: 'warning',
      summary: 'Queue {{ $labels.key }} has a backlog',
      description: `{{ $value }} jobs wait in {{ $labels.key }} (redis exporter, LLEN of the Laravel queue list in Redis database ${targets.queues.database}) for 10 minutes.`,
      runbook: 'Check the worker pool serving the queue (kubectl get deploy,scaledobject), its logs and Horizon; if workers are healthy but too few, raise autoscaling.maxReplicas; if jobs fail and retry, see failed_jobs.',
      threshold: THRESHOLD('queueDepth'),
    });
    const window = `${t.oldestJobSeconds}s`;
    alerts.push({
      alert: `${P}QueueNotDraining`,
      // resets() counts decreases between consecutive samples: a queue whose workers take jobs shrinks now and then.
      expr: `max by (namespace, key) (resets(${size}[${window}]) == 0 and min_over_time(${size}[${window}]) > 0 and ${size} offset ${window})`,
      for: '1m',
      severity: 'warning',
      summary: 'Queue {{ $labels.key }} has not shrunk for the configured job age',
      description:
        `Proxy for the oldest waiting job's age (Laravel exports no such metric and the redis exporter cannot read job payloads): ` +
        `during the last ${t.oldestJobSeconds}s the queue list was never empty and never shorter than at the scrape before, so no worker took a job from it.`,
      runbook: 'Workers are stalled or missing: check worker pods and logs, a job stuck on an external call, and Redis connectivity (redis_up). Horizon shows per-queue wait times.',
      threshold: THRESHOLD('oldestJobSeconds'),
    });
    const up = sel('redis_up', ns, eq('container', targets.queues.exporterContainer));
    alerts.push({
      alert: `${P}QueueMetricsDown`,
      // Both branches carry (namespace, container): absent() keeps the equality matchers as labels.
      expr: `max by (namespace, container) (${up}) == 0 or absent(${up})`,
      for: '10m',
      severity: 'warning',
      summary: 'Queue metrics are missing',
      description: 'The redis exporter cannot reach Redis or is not scraped: the queue alerts are blind.',
      runbook: 'kubectl logs deploy/<app>-queue-metrics; check the Redis address and REDIS_PASSWORD, the NetworkPolicy allow-queue-metrics-to-redis and the PodMonitor. If Redis itself is down Laravel is down too.',
      threshold: 'fixed: redis_up 0 or absent for 10m',
    });
  }

  if (targets.scheduler?.mode === 'cron') {
    const cron = targets.scheduler.cronJobName;
    alerts.push({
      alert: `${P}SchedulerNotRunning`,
      expr: cronJobStale(context.namespace, cron, t.schedulerStaleSeconds),
      for: '0m',
      severity: 'critical',
      summary: 'The Laravel scheduler has not completed a run recently',
      description: `CronJob ${cron} (php artisan schedule:run) last succeeded more than ${t.schedulerStaleSeconds}s ago, or never: scheduled payment tasks are not running.`,
      runbook: 'kubectl get cronjob,jobs -l app.kubernetes.io/component=scheduler; check that the CronJob is not suspended, that pods can start (quota, image pull) and the logs of the last job.',
      threshold: THRESHOLD('schedulerStaleSeconds'),
    });
    alerts.push({
      alert: `${P}SchedulerFailing`,
      expr: `${failedJobs(context.namespace, cron, SCHEDULER_FAILURES.windowSeconds)} >= ${SCHEDULER_FAILURES.count}`,
      for: '0m',
      severity: 'warning',
      summary: 'Laravel scheduler runs are failing',
      description: `{{ $value }} runs of CronJob ${cron} failed in the last ${SCHEDULER_FAILURES.windowSeconds / 60} minutes (Jobs it owns with the Failed condition).`,
      runbook: 'kubectl logs job/<the failed job>; a failing scheduled command fails schedule:run only when it runs in the foreground; check the database and Redis reachability.',
      threshold: `fixed: ${SCHEDULER_FAILURES.count} failed runs in ${SCHEDULER_FAILURES.windowSeconds / 60}m`,
    });
  }

  if (targets.scheduler?.mode === 'work') {
    const { deploymentName, container } = targets.scheduler;
    const deployment = [ns, eq('deployment', deploymentName)];
    alerts.push({
      alert: `${P}SchedulerNotRunning`,
      // No `spec > 0` guard: a scheduler scaled to zero runs no task either.
      expr: `max by (namespace, deployment) (${sel('kube_deployment_status_replicas_available', ...deployment)}) < 1`,
      for: `${t.schedulerStaleSeconds}s`,
      severity: 'critical',
      summary: 'The Laravel scheduler is not running',
      description: `Deployment ${deploymentName} (php artisan schedule:work) has had no available pod for ${t.schedulerStaleSeconds}s: scheduled payment tasks are not running.`,
      runbook: 'kubectl describe deploy,pods -l app.kubernetes.io/component=scheduler: a Recreate rollout waits for the old pod to finish its tasks (up to scheduler.longestTaskSeconds); otherwise check that the pod can start (quota, image pull, the prepare init container log).',
      threshold: THRESHOLD('schedulerStaleSeconds'),
    });
    alerts.push({
      alert: `${P}SchedulerFailing`,
      expr: `${BY_CONTAINER} (increase(${sel('kube_pod_container_status_restarts_total', ns, re('pod', `${regexEscape(deploymentName)}-[a-z0-9]+-[a-z0-9]+`), eq('container', container))}[${SCHEDULER_FAILURES.windowSeconds / 60}m])) >= ${SCHEDULER_FAILURES.count}`,
      for: '0m',
      severity: 'warning',
      summary: 'The Laravel scheduler keeps restarting',
      description: `Container ${container} of {{ $labels.pod }} restarted {{ $value | humanize }} times in ${SCHEDULER_FAILURES.windowSeconds / 60} minutes: schedule:work crashes or fails its liveness probe, and minutes are skipped.`,
      runbook: 'kubectl logs --previous deploy/<app>-scheduler: an exception at boot (config, secrets) or a frozen schedule:work. A failing task does not restart the scheduler: report those with onFailure() or pingOnFailure() in the schedule.',
      threshold: `fixed: ${SCHEDULER_FAILURES.count} restarts in ${SCHEDULER_FAILURES.windowSeconds / 60}m`,
    });
  }

  if (targets.migrationJob) {
    alerts.push({
      alert: `${P}MigrationFailed`,
      expr: `max by (namespace, job_name) (${sel('kube_job_failed', ns, eq('job_name', targets.migrationJob), eq('condition', 'true'))}) == 1`,
      for: '0m',
      severity: 'critical',
      summary: 'The database migration Job failed',
      description: `Job ${targets.migrationJob} (php artisan migrate --force) failed; the Argo CD sync stops before new pods roll out.`,
      runbook:
        'kubectl logs job/<app>-migrate names the failing statement; on MySQL the statements before it are applied (DDL is not transactional): compare the schema, then fix with a new image and re-sync (the hook Job is recreated). Never re-sync the same image to retry. docs/operations.md, Failed migration runbook.',
      threshold: 'fixed: Job condition Failed',
    });
  }

  if (targets.backupCronJob) {
    const cron = targets.backupCronJob;
    const maxAge = t.backupMaxAgeHours * 3600;
    alerts.push({
      alert: `${P}BackupTooOld`,
      expr: cronJobStale(context.namespace, cron, maxAge),
      for: '0m',
      severity: 'critical',
      summary: 'No recent database backup',
      description: `CronJob ${cron} last succeeded more than ${t.backupMaxAgeHours}h ago, or never since it was created.`,
      runbook: 'kubectl get jobs -l app.kubernetes.io/component=backup and the logs of the dump and upload containers; check the backup credentials, the bucket, and the NetworkPolicy allow-backup-to-*. Run one now: kubectl create job --from=cronjob/<app>-backup <app>-backup-manual.',
      threshold: THRESHOLD('backupMaxAgeHours'),
    });
    alerts.push({
      alert: `${P}BackupFailed`,
      expr: `${failedSinceLastSuccess(context.namespace, cron, maxAge)} >= 1`,
      for: '0m',
      severity: 'warning',
      summary: 'The latest database backup run failed',
      description: `A Job of CronJob ${cron} failed (Failed condition: its retries are used up) within the last ${t.backupMaxAgeHours}h and no run has succeeded since.`,
      runbook: `Read the logs of the failed Job (dump then upload container); the next scheduled run retries and resolves this alert. ${P}BackupTooOld fires if no run succeeds in time.`,
      threshold: THRESHOLD('backupMaxAgeHours'),
    });
  }

  if (targets.restoreCheckCronJob) {
    const cron = targets.restoreCheckCronJob;
    const maxAge = t.restoreCheckMaxAgeHours * 3600;
    alerts.push({
      alert: `${P}RestoreCheckStale`,
      expr: cronJobStale(context.namespace, cron, maxAge),
      for: '0m',
      severity: 'warning',
      summary: 'The latest backup has not been proven restorable recently',
      description: `CronJob ${cron} (restore the latest dump into a scratch database, then a sanity query) last succeeded more than ${t.restoreCheckMaxAgeHours}h ago, or never since it was created.`,
      runbook: 'kubectl get cronjob,jobs -l app.kubernetes.io/component=restore-check: suspended? pods unschedulable (the scratch database needs memory and disk)? Run one now: kubectl create job --from=cronjob/<app>-restore-check <app>-restore-check-manual.',
      threshold: THRESHOLD('restoreCheckMaxAgeHours'),
    });
    alerts.push({
      alert: `${P}RestoreCheckFailed`,
      expr: `${failedSinceLastSuccess(context.namespace, cron, maxAge)} >= 1`,
      for: '0m',
      severity: 'critical',
      summary: 'The latest database dump did not restore',
      description: `A Job of CronJob ${cron} failed: the latest dump could not be downloaded, did not match its checksum, did not load into a scratch database, or failed the sanity query. The backups may be unusable.`,
      runbook: 'kubectl logs job/<the failed job> -c fetch, -c restore and -c database; a dump that does not load is as bad as no dump: fix the dump step and take a new backup now, then re-run the restore check.',
      threshold: 'fixed: latest run failed',
    });
  }
  if (targets.uptime) {
    const probe = [ns, eq('job', targets.uptime.job)];
    alerts.push({
      alert: `${P}UptimeCheckFailing`,
      expr: `max by (namespace, instance) (${sel('probe_success', ...probe)}) == 0`,
      for: '5m',
      severity: 'critical',
      summary: 'The public URL {{ $labels.instance }} fails its uptime check',
      description:
        'The blackbox exporter has failed to fetch {{ $labels.instance }} from outside the application for 5 minutes (DNS, TCP, TLS, the edge or the app answered wrong): visitors and payment providers see the same.',
      runbook:
        'Open the URL yourself; then probe_dns_lookup_time_seconds, probe_http_status_code and probe_ssl_earliest_cert_expiry of that instance say which step fails (DNS record, certificate, Gateway listener, or the app: see WebDown and WebErrorRatioHigh).',
      threshold: 'fixed: probe_success 0 for 5m',
    });
    alerts.push({
      alert: `${P}UptimeCheckAbsent`,
      expr: `absent(${sel('probe_success', ...probe)})`,
      for: ABSENT_FOR.scraped,
      severity: 'warning',
      summary: 'The uptime check of the public URL reports nothing',
      description: `No probe_success series of job ${targets.uptime.job} for ${ABSENT_FOR.scraped}: the blackbox exporter is not scraped (or the Probe not selected), so an outage of the public URL would not alert.`,
      runbook:
        'kubectl -n monitoring get pods of the blackbox exporter; check that Prometheus selects the Probe (probeSelector, observability.monitorLabels) and that observability.uptime.proberUrl and module exist.',
      threshold: `fixed: absent for ${ABSENT_FOR.scraped}`,
    });
    alerts.push({
      alert: `${P}CertificateExpiringSoon`,
      expr: `min by (namespace, instance) (${sel('probe_ssl_earliest_cert_expiry', ...probe)}) - time() < ${t.certificateExpiryDays * 86400}`,
      for: '1h',
      severity: 'warning',
      summary: 'The certificate of {{ $labels.instance }} expires soon',
      description: `The certificate chain served at {{ $labels.instance }} expires in {{ $value | humanizeDuration }}, less than ${t.certificateExpiryDays} days: cert-manager renews 30 days ahead, so renewal has been failing.`,
      runbook:
        'kubectl describe certificate,certificaterequest,order,challenge in the namespace of the TLS Secret (ours, or the shared Gateway\'s); an HTTP-01 challenge needs the solver reachable through the edge, DNS-01 the issuer\'s credentials.',
      threshold: THRESHOLD('certificateExpiryDays'),
    });
  }
  return alerts;
}

/**
 * Seconds since a CronJob last succeeded above `seconds`, or never succeeded although it exists for longer.
 * Both branches carry exactly (namespace, cronjob), so one condition is one alert.
 */
function cronJobStale(namespace: string, cronJob: string, seconds: number): string {
  const byCron = 'max by (namespace, cronjob)';
  const matchers = [eq('namespace', namespace), eq('cronjob', cronJob)];
  const last = `${byCron} (${sel('kube_cronjob_status_last_successful_time', ...matchers)})`;
  const created = `${byCron} (${sel('kube_cronjob_created', ...matchers)})`;
  return `(time() - ${last}) > ${seconds} or ((time() - ${created}) > ${seconds} unless on (namespace, cronjob) ${last})`;
}

/** Jobs of a CronJob that carry the Failed condition (retries used up), started within the window, by job. */
function failedJobsOf(namespace: string, cronJob: string, windowSeconds: number): string {
  const ns = eq('namespace', namespace);
  const byJob = 'max by (namespace, job_name)';
  return (
    `(${byJob} (${sel('kube_job_failed', ns, eq('condition', 'true'))}) == 1) ` +
    `and on (namespace, job_name) ${byJob} (${sel('kube_job_owner', ns, eq('owner_kind', 'CronJob'), eq('owner_name', cronJob))}) ` +
    `and on (namespace, job_name) ((time() - ${byJob} (${sel('kube_job_status_start_time', ns)})) < ${windowSeconds})`
  );
}

/** Number of failed Jobs of a CronJob within the window. A failed pod that a retry made good is not a failed Job. */
function failedJobs(namespace: string, cronJob: string, windowSeconds: number): string {
  return `count(${failedJobsOf(namespace, cronJob, windowSeconds)})`;
}

/** Failed Jobs of a CronJob within the window that started after its last success (all of them if it never succeeded). */
function failedSinceLastSuccess(namespace: string, cronJob: string, windowSeconds: number): string {
  const ns = eq('namespace', namespace);
  const started = `max by (namespace, job_name) (${sel('kube_job_status_start_time', ns)})`;
  const lastSuccess = `max by (namespace) (${sel('kube_cronjob_status_last_successful_time', ns, eq('cronjob', cronJob))})`;
  return (
    `count((${failedJobsOf(namespace, cronJob, windowSeconds)}) ` +
    `and on (namespace, job_name) (${started} > on (namespace) group_left () ${lastSuccess} or ${started} unless on (namespace) ${lastSuccess}))`
  );
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

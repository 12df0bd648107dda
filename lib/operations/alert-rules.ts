import { AppContext } from '../core/app-context';
import { eq, ne, re, regexEscape, sel } from './promql';

/** Alert thresholds; the `observability.alerts` config section. */
export interface AlertThresholds {
  /** Web 5xx ratio (0..1). */
  readonly errorRatio: number;
  /** p95 request latency in seconds. */
  readonly latencySeconds: number;
  /** Waiting jobs in one queue. */
  readonly queueDepth: number;
  /** Seconds a queue may stay non-empty without shrinking (the oldest-job-age proxy). */
  readonly oldestJobSeconds: number;
  /** CPU or memory use against the container's limit (0..1). */
  readonly saturation: number;
  /** Hours since the last successful backup. */
  readonly backupMaxAgeHours: number;
  /** Container restarts within 30 minutes. */
  readonly restarts: number;
  /** Seconds since the scheduler CronJob last succeeded. */
  readonly schedulerStaleSeconds: number;
}

/** What the alerts watch: object names in the environment's namespace. Leave a part out to skip its alerts. */
export interface AlertTargets {
  /** The edge's request metrics (each edge says where its own are, lib/edge/); without them no web error or latency alert. */
  readonly edge?: EdgeRequestMetrics;
  /** Deployments that must never have zero available pods, with the alert name and a human title. */
  readonly deployments?: ReadonlyArray<{ readonly alert: string; readonly names: readonly string[]; readonly title: string; readonly severity: AlertSeverity; readonly runbook: string }>;
  /** Full Redis keys of the queue lists (`<prefix>queues:<queue>`), exported by the redis exporter. */
  readonly queueKeys?: readonly string[];
  readonly schedulerCronJob?: string;
  readonly migrationJob?: string;
  readonly backupCronJob?: string;
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
  readonly for: string;
  readonly severity: AlertSeverity;
  readonly summary: string;
  readonly description: string;
  /** First steps for whoever is paged. */
  readonly runbook: string;
  /** Config key of its threshold, e.g. `observability.alerts.errorRatio`, or a fixed value. */
  readonly threshold: string;
}

/** Window and count of failed scheduler runs that alert (fixed: one failed minute is often a blip). */
export const SCHEDULER_FAILURES = { windowSeconds: 900, count: 3 } as const;
/** Requests per second below which the error ratio is not judged (a single error at night is not an outage). */
export const MIN_REQUEST_RATE = 0.2;

const THRESHOLD = (key: keyof AlertThresholds) => `observability.alerts.${key}`;

/**
 * The alerts a payments team needs, as data: the PrometheusRule and docs/operations.md are both built from
 * it. Metric sources: the edge (requests, latency; ingress-nginx or the Gateway's data plane), cAdvisor and kube-state-metrics (saturation,
 * restarts, Deployments, Jobs, CronJobs) and the redis exporter (queue lists).
 */
export function alertDefinitions(context: AppContext, targets: AlertTargets, t: AlertThresholds): AlertDefinition[] {
  const ns = eq('namespace', context.namespace);
  const alerts: AlertDefinition[] = [];

  if (targets.edge) {
    const edge = targets.edge;
    const { metric, statusLabel, matchers } = edge.requests;
    const answered = `sum(rate(${sel(metric, ...matchers, ne(statusLabel, RATE_LIMITED_STATUS))}[5m]))`;
    const errors = `sum(rate(${sel(metric, ...matchers, re(statusLabel, '5..'))}[5m]))`;
    alerts.push({
      alert: 'PembayaranWebErrorRatioHigh',
      expr: `(${errors} / ${answered}) > ${t.errorRatio} and ${answered} > ${MIN_REQUEST_RATE}`,
      for: '5m',
      severity: 'critical',
      summary: `More than ${pct(t.errorRatio)} of web requests fail with 5xx`,
      description: `{{ $value | humanizePercentage }} of requests to ${edge.target} answered 5xx over 5 minutes (rate-limited ${RATE_LIMITED_STATUS}s not counted; judged above ${MIN_REQUEST_RATE} req/s).`,
      runbook:
        'Check the web pods (kubectl get pods -l app.kubernetes.io/component=web), their php-fpm and nginx logs and Sentry; 502/504 point at php-fpm saturation or timeouts, 500 at the app. Roll back with Argo CD if it started with a release.',
      threshold: THRESHOLD('errorRatio'),
    });
    const d = edge.duration;
    const durationMatchers = d.statusLabel ? [...d.matchers, ne(d.statusLabel, RATE_LIMITED_STATUS)] : d.matchers;
    const p95 = `histogram_quantile(0.95, sum by (le) (rate(${sel(d.metric, ...durationMatchers)}[5m])))`;
    alerts.push({
      alert: 'PembayaranWebLatencyHigh',
      expr: d.unitSeconds === 1 ? `${p95} > ${t.latencySeconds}` : `${p95} * ${d.unitSeconds} > ${t.latencySeconds}`,
      for: '10m',
      severity: 'warning',
      summary: `Web p95 latency above ${t.latencySeconds}s`,
      description: `The 95th percentile of request duration at ${edge.target} is {{ $value | humanizeDuration }}.`,
      runbook:
        'Look at php-fpm busy/idle processes (phpfpm_active_processes vs phpfpm_total_processes) and the HPA (kubectl get hpa); if php-fpm is saturated raise web.phpFpm.maxChildren or replicas; else check slow queries and external payment providers.',
      threshold: THRESHOLD('latencySeconds'),
    });
  }

  const byContainer = 'sum by (namespace, pod, container)';
  const workingContainers = [ns, ne('container', ''), ne('container', 'POD')];
  alerts.push({
    alert: 'PembayaranContainerCpuSaturated',
    expr:
      `(${byContainer} (rate(${sel('container_cpu_usage_seconds_total', ...workingContainers)}[5m])) / ` +
      `(${byContainer} (${sel('kube_pod_container_resource_limits', ns, eq('resource', 'cpu'))}) or ${byContainer} (${sel('kube_pod_container_resource_requests', ns, eq('resource', 'cpu'))}))) > ${t.saturation}`,
    for: '15m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} uses most of its CPU',
    description: `CPU use is {{ $value | humanizePercentage }} of the limit, or of the request where no CPU limit is set (the default here: limits throttle), for 15 minutes.`,
    runbook: 'With a CPU limit the container is being throttled: raise it. Without one, the pod outgrew its request: raise requests so the scheduler and the HPA see the real need, or check for a runaway process.',
    threshold: THRESHOLD('saturation'),
  });
  alerts.push({
    alert: 'PembayaranContainerMemorySaturated',
    expr:
      `(${byContainer} (${sel('container_memory_working_set_bytes', ...workingContainers)}) / ` +
      `${byContainer} (${sel('kube_pod_container_resource_limits', ns, eq('resource', 'memory'))})) > ${t.saturation}`,
    for: '15m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is near its memory limit',
    description: 'Working set is {{ $value | humanizePercentage }} of the memory limit; at 100% the container is OOM-killed.',
    runbook: 'Compare with the container restarts (OOMKilled in kubectl describe pod). For workers lower --memory below the limit; for php-fpm lower pm.max_children or raise the memory limit in the resources config.',
    threshold: THRESHOLD('saturation'),
  });
  alerts.push({
    alert: 'PembayaranPodRestartLoop',
    expr: `${byContainer} (increase(${sel('kube_pod_container_status_restarts_total', ns)}[30m])) >= ${t.restarts}`,
    for: '5m',
    severity: 'warning',
    summary: 'Container {{ $labels.container }} of {{ $labels.pod }} keeps restarting',
    description: `{{ $value | humanize }} restarts in 30 minutes.`,
    runbook: 'kubectl describe pod (last state: OOMKilled, Error, liveness failures) and kubectl logs --previous. A liveness failure under load points at probes or saturation; an Error exit at config or secrets.',
    threshold: THRESHOLD('restarts'),
  });

  for (const d of targets.deployments ?? []) {
    if (d.names.length === 0) continue;
    const deployment = [ns, d.names.length === 1 ? eq('deployment', d.names[0]) : re('deployment', d.names.map(regexEscape).join('|'))];
    alerts.push({
      alert: d.alert,
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

  if (targets.queueKeys?.length) {
    const keys = [ns, re('key', targets.queueKeys.map(regexEscape).join('|'))];
    const size = sel('redis_key_size', ...keys);
    alerts.push({
      alert: 'PembayaranQueueBacklog',
      expr: `max by (namespace, key) (${size}) > ${t.queueDepth}`,
      for: '10m',
      severity: 'warning',
      summary: 'Queue {{ $labels.key }} has a backlog',
      description: `{{ $value }} jobs wait in {{ $labels.key }} (redis exporter, LLEN of the Laravel queue list) for 10 minutes.`,
      runbook: 'Check the worker pool serving the queue (kubectl get deploy,scaledobject), its logs and Horizon; if workers are healthy but too few, raise autoscaling.maxReplicas; if jobs fail and retry, see failed_jobs.',
      threshold: THRESHOLD('queueDepth'),
    });
    const window = `${t.oldestJobSeconds}s`;
    alerts.push({
      alert: 'PembayaranQueueNotDraining',
      expr: `max by (namespace, key) (min_over_time(${size}[${window}]) > 0 and delta(${size}[${window}]) >= 0)`,
      for: '1m',
      severity: 'warning',
      summary: 'Queue {{ $labels.key }} has not drained for the configured job age',
      description:
        `Proxy for the oldest waiting job's age (Laravel exports no such metric and the redis exporter cannot read job payloads): ` +
        `the queue list was never empty during the last ${t.oldestJobSeconds}s and is not shorter than at its start, so jobs have likely been waiting that long.`,
      runbook: 'Workers are stalled or far too few: check worker pods and logs, a job stuck on an external call, and Redis connectivity (redis_up). Horizon shows per-queue wait times.',
      threshold: THRESHOLD('oldestJobSeconds'),
    });
    alerts.push({
      alert: 'PembayaranQueueMetricsDown',
      expr: `max(${sel('redis_up', ns)}) == 0 or absent(${sel('redis_up', ns)})`,
      for: '10m',
      severity: 'warning',
      summary: 'Queue metrics are missing',
      description: 'The redis exporter cannot reach Redis or is not scraped: the queue alerts are blind.',
      runbook: 'kubectl logs deploy/<app>-queue-metrics; check the Redis address and REDIS_PASSWORD, the NetworkPolicy allow-queue-metrics-to-redis and the PodMonitor. If Redis itself is down Laravel is down too.',
      threshold: 'fixed: redis_up == 0 for 10m',
    });
  }

  if (targets.schedulerCronJob) {
    const cron = targets.schedulerCronJob;
    alerts.push({
      alert: 'PembayaranSchedulerNotRunning',
      expr: cronJobStale(context.namespace, cron, t.schedulerStaleSeconds),
      for: '0m',
      severity: 'critical',
      summary: 'The Laravel scheduler has not completed a run recently',
      description: `CronJob ${cron} (php artisan schedule:run) last succeeded more than ${t.schedulerStaleSeconds}s ago, or never: scheduled payment tasks are not running.`,
      runbook: 'kubectl get cronjob,jobs -l app.kubernetes.io/component=scheduler; check that the CronJob is not suspended, that pods can start (quota, image pull) and the logs of the last job.',
      threshold: THRESHOLD('schedulerStaleSeconds'),
    });
    alerts.push({
      alert: 'PembayaranSchedulerFailing',
      expr: `${recentFailedJobs(context.namespace, cron, SCHEDULER_FAILURES.windowSeconds)} >= ${SCHEDULER_FAILURES.count}`,
      for: '0m',
      severity: 'warning',
      summary: 'Laravel scheduler runs are failing',
      description: `{{ $value }} runs of CronJob ${cron} failed in the last ${SCHEDULER_FAILURES.windowSeconds / 60} minutes (kube_job_status_failed of the jobs it owns).`,
      runbook: 'kubectl logs job/<the failed job>; a failing scheduled command fails schedule:run only when it runs in the foreground; check the database and Redis reachability.',
      threshold: `fixed: ${SCHEDULER_FAILURES.count} failed runs in ${SCHEDULER_FAILURES.windowSeconds / 60}m`,
    });
  }

  if (targets.migrationJob) {
    alerts.push({
      alert: 'PembayaranMigrationFailed',
      expr: `max by (namespace, job_name) (${sel('kube_job_failed', ns, eq('job_name', targets.migrationJob), eq('condition', 'true'))}) == 1`,
      for: '0m',
      severity: 'critical',
      summary: 'The database migration Job failed',
      description: `Job ${targets.migrationJob} (php artisan migrate --force) failed; the Argo CD sync stops before new pods roll out.`,
      runbook: 'kubectl logs job/<app>-migrate; fix the migration or the database access, then re-sync in Argo CD (the hook Job is recreated). Never edit the schema by hand without a migration.',
      threshold: 'fixed: Job condition Failed',
    });
  }

  if (targets.backupCronJob) {
    const cron = targets.backupCronJob;
    const maxAge = t.backupMaxAgeHours * 3600;
    alerts.push({
      alert: 'PembayaranBackupTooOld',
      expr: cronJobStale(context.namespace, cron, maxAge),
      for: '0m',
      severity: 'critical',
      summary: 'No recent database backup',
      description: `CronJob ${cron} last succeeded more than ${t.backupMaxAgeHours}h ago, or never since it was created.`,
      runbook: 'kubectl get jobs -l app.kubernetes.io/component=backup and the logs of the dump and upload containers; check database credentials, the bucket, and the NetworkPolicy allow-backup-to-*. Run one now: kubectl create job --from=cronjob/<app>-backup <app>-backup-manual.',
      threshold: THRESHOLD('backupMaxAgeHours'),
    });
    alerts.push({
      alert: 'PembayaranBackupFailed',
      expr: `${recentFailedJobs(context.namespace, cron, maxAge)} >= 1`,
      for: '0m',
      severity: 'warning',
      summary: 'A database backup run failed',
      description: `A Job of CronJob ${cron} failed within the last ${t.backupMaxAgeHours}h.`,
      runbook: 'Read the logs of the failed Job (dump then upload container); the next scheduled run retries. PembayaranBackupTooOld fires if no run succeeds in time.',
      threshold: THRESHOLD('backupMaxAgeHours'),
    });
  }
  return alerts;
}

/** Seconds since a CronJob last succeeded above `seconds`, or never succeeded although it exists for longer. */
function cronJobStale(namespace: string, cronJob: string, seconds: number): string {
  const matchers = [eq('namespace', namespace), eq('cronjob', cronJob)];
  const last = sel('kube_cronjob_status_last_successful_time', ...matchers);
  return (
    `(time() - max(${last})) > ${seconds} ` +
    `or (absent(${last}) and on () (time() - max(${sel('kube_cronjob_created', ...matchers)})) > ${seconds})`
  );
}

/** Number of failed Jobs owned by a CronJob that started within the window. */
function recentFailedJobs(namespace: string, cronJob: string, windowSeconds: number): string {
  const ns = eq('namespace', namespace);
  const byJob = 'max by (namespace, job_name)';
  return (
    `count(` +
    `(${byJob} (${sel('kube_job_status_failed', ns)}) > 0) ` +
    `and on (namespace, job_name) ${byJob} (${sel('kube_job_owner', ns, eq('owner_kind', 'CronJob'), eq('owner_name', cronJob))}) ` +
    `and on (namespace, job_name) ((time() - ${byJob} (${sel('kube_job_status_start_time', ns)})) < ${windowSeconds})` +
    `)`
  );
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}

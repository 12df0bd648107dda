/**
 * promtool unit tests for every alert, written against the synthesized objects of an environment.
 *
 * The series are what the deployed exporters emit, with their real metric names and labels:
 * kube-state-metrics (scraped with honorLabels, as kube-prometheus-stack does), cAdvisor through the
 * kubelet, the php-fpm exporter sidecar and the redis exporter through their PodMonitors (the Prometheus
 * Operator adds namespace, pod, container, endpoint and job `<namespace>/<podmonitor>`), and the edge:
 * ingress-nginx, or Envoy Gateway's proxies (Envoy's cluster stats, one cluster per HTTPRoute rule).
 * Object names, queue keys and the Redis database come from the synthesized objects, so a rule that
 * watches the wrong object, key or database fails here.
 */
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { alertPrefix, SCHEDULER_FAILURES } from '../../../lib/operations/alert-rules';
import { K8sObject, podSpecOf, webAppContainer } from '../../helpers';

export interface Series {
  readonly series: string;
  /** promtool expanding notation, one value per `interval`. */
  readonly values: string;
}

export interface AlertCase {
  readonly name: string;
  /** @default '30s' (the PodMonitor scrape interval) */
  readonly interval?: string;
  readonly input: readonly Series[];
  /** Checks at given times: the output labels of each firing alert (severity and environment are added). */
  readonly evals: ReadonlyArray<{ readonly at: string; readonly firing: ReadonlyArray<Record<string, string>> }>;
  /** The issue-12 finding this case reproduces: it fails against the rules before the fix. */
  readonly finding?: string;
}

export interface AlertCases {
  readonly alert: string;
  readonly cases: readonly AlertCase[];
}

/** What the alerts of one environment watch, read from its synthesized objects. */
export interface AlertWorld {
  readonly prefix: string;
  readonly namespace: string;
  readonly alerts: EnvironmentConfig['observability']['alerts'];
  /** The edge in front of the web Service, whichever kind the environment uses. */
  readonly edge?:
    | { readonly kind: 'ingress'; readonly names: readonly string[]; readonly namespaceLabel: string; readonly host: string; readonly service: string }
    | { readonly kind: 'gateway'; readonly routes: readonly string[] };
  /** The web Deployment, its PodMonitor, and the container that runs the application (php-fpm, or Octane's). */
  readonly web: { readonly deployment: string; readonly podMonitor?: string; readonly container: string };
  readonly workers: readonly string[];
  readonly fastapi?: string;
  readonly waGateway?: string;
  readonly reverb?: string;
  /** The redis exporter's configured keys, as it reports them (`db` label `db<N>`). */
  readonly redis?: { readonly podMonitor: string; readonly deployment: string; readonly checkKeys: ReadonlyArray<{ readonly db: string; readonly key: string }> };
  /** The scheduler CronJob (mode cron). */
  readonly scheduler?: string;
  /** The scheduler Deployment and its container (mode work). */
  readonly scheduleWorker?: { readonly deployment: string; readonly container: string };
  readonly migration?: string;
  readonly backup?: string;
  readonly restoreCheck?: string;
  /** The uptime check's Probe: the job label Prometheus gives its series, and its targets. */
  readonly uptime?: { readonly job: string; readonly targets: readonly string[] };
}

const byComponent = (objects: readonly K8sObject[], kind: string, component: string) =>
  objects.find((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component);

export function worldOf(config: EnvironmentConfig, objects: readonly K8sObject[]): AlertWorld {
  const web = byComponent(objects, 'Deployment', 'web')!;
  // The web alerts count the routes to the web Service (Reverb's websocket route is left out on purpose).
  const ingresses = objects.filter((o) => o.kind === 'Ingress' && o.spec.rules[0].http.paths[0].backend.service.name === web.metadata.name);
  const routes = objects.filter((o) => o.kind === 'HTTPRoute' && o.spec.rules.some((r: any) => (r.backendRefs ?? []).some((b: any) => b.name === web.metadata.name)));
  const queueMetrics = byComponent(objects, 'Deployment', 'queue-metrics');
  const checkKeys = queueMetrics
    ? String(podSpecOf(queueMetrics).containers[0].env.find((e: any) => e.name === 'REDIS_EXPORTER_CHECK_SINGLE_KEYS').value)
        .split(',')
        .map((entry) => ({ db: entry.slice(0, entry.indexOf('=')), key: entry.slice(entry.indexOf('=') + 1) }))
    : undefined;
  const nameOf = (kind: string, component: string) => byComponent(objects, kind, component)?.metadata.name as string | undefined;
  const podMonitorOf = (component: string) => nameOf('PodMonitor', component);
  return {
    prefix: alertPrefix(config.appName),
    namespace: config.namespace,
    alerts: config.observability.alerts,
    edge:
      ingresses.length > 0
        ? {
            kind: 'ingress',
            names: ingresses.map((i) => i.metadata.name),
            namespaceLabel: config.observability.alerts.ingressNamespaceLabel,
            host: ingresses[0].spec.rules[0].host,
            service: ingresses[0].spec.rules[0].http.paths[0].backend.service.name,
          }
        : routes.length > 0
          ? { kind: 'gateway', routes: routes.map((r) => r.metadata.name) }
          : undefined,
    web: {
      deployment: web.metadata.name,
      podMonitor: podMonitorOf('web'),
      container: webAppContainer(podSpecOf(web)).name,
    },
    workers: objects.filter((o) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'].startsWith('worker-')).map((o) => o.metadata.name),
    fastapi: nameOf('Deployment', 'fastapi'),
    waGateway: nameOf('Deployment', 'wa-gateway'),
    reverb: nameOf('Deployment', 'reverb'),
    redis: queueMetrics && checkKeys ? { podMonitor: podMonitorOf('queue-metrics')!, deployment: queueMetrics.metadata.name, checkKeys } : undefined,
    scheduler: nameOf('CronJob', 'scheduler'),
    scheduleWorker: (() => {
      const deployment = byComponent(objects, 'Deployment', 'scheduler');
      return deployment ? { deployment: deployment.metadata.name, container: podSpecOf(deployment).containers[0].name } : undefined;
    })(),
    migration: nameOf('Job', 'migration'),
    backup: nameOf('CronJob', 'backup'),
    restoreCheck: nameOf('CronJob', 'restore-check'),
    uptime: uptimeOf(objects),
  };
}

/** The Prometheus Operator's job label for a Probe's static targets: `probe/<namespace>/<name>` unless jobName is set. */
function uptimeOf(objects: readonly K8sObject[]): AlertWorld['uptime'] {
  const probe = objects.find((o) => o.kind === 'Probe');
  if (!probe) return undefined;
  return { job: probe.spec.jobName ?? `probe/${probe.metadata.namespace}/${probe.metadata.name}`, targets: probe.spec.targets.staticConfig.static };
}

// ---- series helpers -------------------------------------------------------------------------------

const labelText = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
const s = (metric: string, labels: Record<string, string>, values: string): Series => ({ series: `${metric}{${labelText(labels)}}`, values });
/** `n + 1` samples growing by `step`. */
const grow = (start: number, step: number, n: number) => `${start}+${step}x${n}`;
const flat = (value: number, n: number) => `${value}+0x${n}`;

/** A pod name of a Deployment, as its ReplicaSet names them. */
const podOf = (deployment: string, n = 0) => `${deployment}-7d9f6c5b8-${['x2k9q', 'p4m7w', 'z8r3t'][n]}`;

function ksm(world: AlertWorld, labels: Record<string, string>, replica = 0): Record<string, string> {
  // honorLabels keeps the object's namespace; the scrape adds the kube-state-metrics target labels the metric lacks.
  return {
    job: 'kube-state-metrics',
    instance: `10.0.5.${12 + replica}:8080`,
    endpoint: 'http',
    service: 'kube-prometheus-stack-kube-state-metrics',
    namespace: world.namespace,
    ...labels,
  };
}

function cadvisor(world: AlertWorld, pod: string, container: string): Record<string, string> {
  return {
    job: 'kubelet',
    metrics_path: '/metrics/cadvisor',
    endpoint: 'https-metrics',
    service: 'kube-prometheus-stack-kubelet',
    instance: '10.0.1.21:10250',
    node: 'ip-10-0-1-21',
    namespace: world.namespace,
    pod,
    container,
    id: `/kubepods/burstable/pod3c1f/${container}`,
    image: `example/${container}:1`,
    name: `${container}-3c1f`,
  };
}

function phpFpm(world: AlertWorld, pod: string, up = true): Record<string, string> {
  return {
    job: `${world.namespace}/${world.web.podMonitor}`,
    namespace: world.namespace,
    pod,
    container: 'php-fpm-exporter',
    endpoint: 'fpm-metrics',
    instance: '10.1.4.7:9253',
    // The exporter names the pool from the status page, which it cannot read when php-fpm is down.
    pool: up ? 'www' : '',
    scrape_uri: 'tcp://127.0.0.1:9000/fpm-status',
  };
}

function redisExporter(world: AlertWorld, labels: Record<string, string>): Record<string, string> {
  return {
    job: `${world.namespace}/${world.redis!.podMonitor}`,
    namespace: world.namespace,
    pod: podOf(world.redis!.deployment),
    container: 'redis-exporter',
    endpoint: 'metrics',
    instance: '10.1.6.2:9121',
    ...labels,
  };
}

function ingressLabels(world: AlertWorld, labels: Record<string, string>): Record<string, string> {
  const ing = world.edge as Extract<AlertWorld['edge'], { kind: 'ingress' }>;
  const where: Record<string, string> = ing.namespaceLabel === 'exported_namespace' ? { namespace: 'ingress-nginx', exported_namespace: world.namespace } : { namespace: world.namespace };
  return {
    job: 'ingress-nginx-controller-metrics',
    instance: '10.2.0.9:10254',
    ...where,
    ingress: ing.names[0],
    host: ing.host,
    service: ing.service,
    method: 'GET',
    path: '/',
    canary: '',
    controller_class: 'k8s.io/ingress-nginx',
    controller_namespace: 'ingress-nginx',
    controller_pod: 'ingress-nginx-controller-5c8d66c76d-kq2lm',
    ...labels,
  };
}

/** An Envoy proxy's cluster stats as Prometheus scrapes them from Envoy Gateway's proxy pods (/stats/prometheus). */
function envoyLabels(world: AlertWorld, labels: Record<string, string>): Record<string, string> {
  const gw = world.edge as Extract<AlertWorld['edge'], { kind: 'gateway' }>;
  return {
    job: 'envoy-gateway-proxies',
    namespace: 'envoy-gateway-system',
    pod: 'envoy-gateway-system-public-5b9c7d8f4-q7w2e',
    instance: '10.3.0.14:19001',
    envoy_cluster_name: `httproute/${world.namespace}/${gw.routes[0]}/rule/0`,
    ...labels,
  };
}

/** The edge's request counter and duration histogram for one status code, in the metric's own unit. */
interface EdgeSeries {
  readonly requests: (status: string, perSample: number, n: number) => Series;
  /** `le` bounds given in seconds; the histogram's own unit is applied. */
  readonly buckets: (perSample: Record<string, number>, n: number) => Series[];
  readonly bucketsConstant: (le: string, values: string) => Series;
  /** What the absent() of the requests selector returns: the equality matchers' labels. */
  readonly absentLabels: Record<string, string>;
  readonly scrapeUp: Series;
}

function edgeSeries(world: AlertWorld): EdgeSeries | undefined {
  const edge = world.edge;
  if (!edge) return undefined;
  if (edge.kind === 'ingress') {
    return {
      requests: (status, perSample, n) => s('nginx_ingress_controller_requests', ingressLabels(world, { status }), grow(0, perSample, n)),
      buckets: (perSample, n) =>
        Object.entries(perSample).map(([le, count]) => s('nginx_ingress_controller_request_duration_seconds_bucket', ingressLabels(world, { status: '200', le }), grow(0, count, n))),
      bucketsConstant: (le, values) => s('nginx_ingress_controller_request_duration_seconds_bucket', ingressLabels(world, { status: '200', le }), values),
      // One Ingress is matched by name; several by a regular expression, which absent() cannot turn into a label.
      absentLabels: { [edge.namespaceLabel]: world.namespace, ...(edge.names.length === 1 ? { ingress: edge.names[0] } : {}) },
      scrapeUp: s('up', { job: 'ingress-nginx-controller-metrics' }, flat(1, 70)),
    };
  }
  const ms = (le: string) => (le === '+Inf' ? le : String(Number(le) * 1000));
  return {
    requests: (status, perSample, n) => s('envoy_cluster_upstream_rq', envoyLabels(world, { envoy_response_code: status }), grow(0, perSample, n)),
    // Envoy's upstream_rq_time has no status label: the limiter's 429s never reach a cluster.
    buckets: (perSample, n) => Object.entries(perSample).map(([le, count]) => s('envoy_cluster_upstream_rq_time_bucket', envoyLabels(world, { le: ms(le) }), grow(0, count, n))),
    bucketsConstant: (le, values) => s('envoy_cluster_upstream_rq_time_bucket', envoyLabels(world, { le: ms(le) }), values),
    // The routes' clusters are matched by a regular expression: absent() returns no labels.
    absentLabels: {},
    scrapeUp: s('up', { job: 'envoy-gateway-proxies' }, flat(1, 70)),
  };
}

/**
 * The redis exporter's view of a Redis state: for every configured `db<N>=key` the size of that key in that
 * database, 0 where it does not exist (the exporter's own default). Lists of databases it is not configured
 * for are invisible, as they are to the real exporter.
 */
function exporterSizes(world: AlertWorld, state: Record<string, Record<string, string>>, n: number): Series[] {
  return world.redis!.checkKeys.map(({ db, key }) => s('redis_key_size', redisExporter(world, { db, key }), state[db.slice(2)]?.[key] ?? flat(0, n)));
}

/** Queue list keys (not the :delayed and :reserved sets) with the database their queues really live in. */
function queueLists(world: AlertWorld): Array<{ db: string; key: string }> {
  return world.redis!.checkKeys.filter((k) => !/:(delayed|reserved)$/.test(k.key));
}

// ---- the cases --------------------------------------------------------------------------------------

/** Every alert's cases; each has at least one firing and one quiet case (the test checks that). */
export function alertCases(world: AlertWorld, queueDatabase: number): AlertCases[] {
  const P = world.prefix;
  const ns = world.namespace;
  const t = world.alerts;
  const out: AlertCases[] = [];
  const add = (alert: string, cases: AlertCase[]) => out.push({ alert: `${P}${alert}`, cases });
  const webPod = podOf(world.web.deployment);

  const edge = edgeSeries(world);
  if (edge) {
    const req = edge.requests;
    // 10 req/s is 300 requests per 30 s sample.
    add('WebErrorRatioHigh', [
      { name: '10% of 10 req/s answer 503 for 15m', input: [req('200', 270, 30), req('503', 30, 30)], evals: [{ at: '3m', firing: [] }, { at: '14m', firing: [{}] }] },
      { name: '1% 5xx is below the threshold', input: [req('200', 297, 30), req('500', 3, 30)], evals: [{ at: '14m', firing: [] }] },
      { name: 'one 502 of two night requests is not judged (below the minimum rate)', input: [req('200', 1, 30), req('502', 1, 30)], evals: [{ at: '14m', firing: [] }] },
      { name: 'a burst of rate-limited 429s is not an error', input: [req('200', 270, 30), req('429', 3000, 30)], evals: [{ at: '14m', firing: [] }] },
    ]);

    add('WebLatencyHigh', [
      {
        name: 'p95 near 2s at 10 req/s for 15m',
        input: [...edge.buckets({ '0.5': 60, '1': 120, '2.5': 300, '+Inf': 300 }, 40), req('200', 300, 40)],
        evals: [{ at: '5m', firing: [] }, { at: '17m', firing: [{}] }],
      },
      {
        name: 'fast requests at 10 req/s',
        input: [...edge.buckets({ '0.5': 290, '1': 298, '2.5': 300, '+Inf': 300 }, 40), req('200', 300, 40)],
        evals: [{ at: '17m', firing: [] }],
      },
      {
        name: 'a slow night request every 5 minutes is no latency alert (minimum traffic)',
        finding: 'WebLatencyHigh has no minimum-traffic guard',
        // One request every 2 minutes, each taking 2 s.
        input: [
          ...['0.5', '1'].map((le) => edge.bucketsConstant(le, flat(0, 40))),
          ...['2.5', '+Inf'].map((le) => edge.bucketsConstant(le, steps(40, 4))),
          { ...req('200', 0, 40), values: steps(40, 4) },
        ],
        evals: [{ at: '19m', firing: [] }],
      },
    ]);

    add('EdgeMetricsAbsent', [
      { name: 'no request series of the edge for 31m', input: [edge.scrapeUp], evals: [{ at: '25m', firing: [] }, { at: '32m', firing: [edge.absentLabels] }] },
      { name: 'request series present', input: [req('200', 300, 70)], evals: [{ at: '32m', firing: [] }] },
    ]);
  }

  // CPU: 30 s samples, so a usage of c cores adds 30c seconds per sample.
  const worker = world.workers[0];
  const workerPod = podOf(worker);
  const cpuUsage = (pod: string, container: string, cores: number, n: number) => s('container_cpu_usage_seconds_total', cadvisor(world, pod, container), grow(0, cores * 30, n));
  const resource = (metric: string, pod: string, container: string, res: string, unit: string, value: number, n: number, replica = 0) =>
    s(metric, ksm(world, { pod, container, node: 'ip-10-0-1-21', resource: res, unit, uid: 'd2b1' }, replica), flat(value, n));
  add('ContainerCpuSaturated', [
    {
      name: 'php-fpm at 0.95 of its 1-core limit for 20m',
      input: [cpuUsage(webPod, world.web.container, 0.95, 45), resource('kube_pod_container_resource_limits', webPod, world.web.container, 'cpu', 'core', 1, 45), resource('kube_pod_container_resource_limits', webPod, world.web.container, 'cpu', 'core', 1, 45, 1)],
      evals: [{ at: '10m', firing: [] }, { at: '21m', firing: [{ namespace: ns, pod: webPod, container: world.web.container }] }],
    },
    {
      name: 'a worker at 95m of a 100m request with no CPU limit is not saturated',
      finding: 'ContainerCpuSaturated compares usage to the request where no CPU limit is set',
      input: [
        cpuUsage(workerPod, 'worker', 0.095, 45),
        resource('kube_pod_container_resource_requests', workerPod, 'worker', 'cpu', 'core', 0.1, 45),
        resource('kube_pod_container_resource_limits', workerPod, 'worker', 'memory', 'byte', 536870912, 45),
      ],
      evals: [{ at: '21m', firing: [] }],
    },
    {
      name: 'half of the limit',
      input: [cpuUsage(webPod, world.web.container, 0.5, 45), resource('kube_pod_container_resource_limits', webPod, world.web.container, 'cpu', 'core', 1, 45)],
      evals: [{ at: '21m', firing: [] }],
    },
  ]);

  // One CFS period is 100 ms: 300 periods per 30 s sample.
  const cfs = (metric: string, perSample: number, n: number) => s(metric, cadvisor(world, workerPod, 'worker'), grow(0, perSample, n));
  add('ContainerCpuThrottled', [
    { name: 'throttled in half of the periods for 20m', input: [cfs('container_cpu_cfs_periods_total', 300, 45), cfs('container_cpu_cfs_throttled_periods_total', 150, 45)], evals: [{ at: '10m', firing: [] }, { at: '21m', firing: [{ namespace: ns, pod: workerPod, container: 'worker' }] }] },
    { name: 'throttled in 2% of the periods', input: [cfs('container_cpu_cfs_periods_total', 300, 45), cfs('container_cpu_cfs_throttled_periods_total', 6, 45)], evals: [{ at: '21m', firing: [] }] },
  ]);

  const mib = 1024 * 1024;
  const workingSet = (pod: string, container: string, bytes: number, n: number) => s('container_memory_working_set_bytes', cadvisor(world, pod, container), flat(bytes, n));
  add('ContainerMemorySaturated', [
    {
      name: 'php-fpm at 500Mi of 512Mi, limits reported by two kube-state-metrics replicas',
      finding: 'ContainerMemorySaturated goes blind when kube-state-metrics is scraped twice',
      input: [
        workingSet(webPod, world.web.container, 500 * mib, 45),
        resource('kube_pod_container_resource_limits', webPod, world.web.container, 'memory', 'byte', 512 * mib, 45, 0),
        resource('kube_pod_container_resource_limits', webPod, world.web.container, 'memory', 'byte', 512 * mib, 45, 1),
      ],
      evals: [{ at: '10m', firing: [] }, { at: '21m', firing: [{ namespace: ns, pod: webPod, container: world.web.container }] }],
    },
    {
      name: 'half of the memory limit',
      input: [workingSet(webPod, world.web.container, 256 * mib, 45), resource('kube_pod_container_resource_limits', webPod, world.web.container, 'memory', 'byte', 512 * mib, 45)],
      evals: [{ at: '21m', firing: [] }],
    },
  ]);

  const restarts = (values: string, replica = 0) =>
    s('kube_pod_container_status_restarts_total', ksm(world, { pod: workerPod, container: 'worker', uid: 'd2b1' }, replica), values);
  add('PodRestartLoop', [
    { name: 'four restarts in 20 minutes', input: [restarts('0 0 1 1 1 2 2 2 3 3 3 4 4 4 4 4 4 4 4 4 4 4 4 4 4')], evals: [{ at: '11m', firing: [{ namespace: ns, pod: workerPod, container: 'worker' }] }] },
    { name: 'two restarts, reported by two kube-state-metrics replicas', input: [restarts('0 0 1 1 1 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2'), restarts('0 0 1 1 1 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2', 1)], evals: [{ at: '11m', firing: [] }] },
  ]);

  const spec = (deployment: string, replicas: number, n: number, replica = 0) => s('kube_deployment_spec_replicas', ksm(world, { deployment }, replica), flat(replicas, n));
  const available = (deployment: string, replicas: number, n: number) => s('kube_deployment_status_replicas_available', ksm(world, { deployment }), flat(replicas, n));
  add('KubeStateMetricsAbsent', [
    { name: 'no kube-state-metrics series for 16m', input: [s('up', { job: 'kubelet' }, flat(1, 40))], evals: [{ at: '10m', firing: [] }, { at: '16m', firing: [{ namespace: ns, deployment: world.web.deployment }] }] },
    { name: 'kube-state-metrics reports the web Deployment', input: [spec(world.web.deployment, 2, 40)], evals: [{ at: '16m', firing: [] }] },
  ]);
  add('CadvisorMetricsAbsent', [
    { name: 'no cAdvisor series for 16m', input: [spec(world.web.deployment, 2, 40)], evals: [{ at: '16m', firing: [{ namespace: ns, container: world.web.container }] }] },
    { name: 'cAdvisor reports the application container', input: [cpuUsage(webPod, world.web.container, 0.2, 40)], evals: [{ at: '16m', firing: [] }] },
  ]);

  const downAlerts: Array<[string, readonly string[]]> = [
    ['WebDown', [world.web.deployment]],
    ['QueueWorkersDown', world.workers],
    ...(world.fastapi ? [['NotificationServiceDown', [world.fastapi]] as [string, string[]]] : []),
    ...(world.waGateway ? [['WaGatewayDown', [world.waGateway]] as [string, string[]]] : []),
    ...(world.reverb ? [['ReverbDown', [world.reverb]] as [string, string[]]] : []),
  ];
  for (const [alert, deployments] of downAlerts) {
    const [first, ...others] = deployments;
    add(alert, [
      {
        name: `${first} has no available pod for 6m`,
        input: [spec(first, 2, 20), spec(first, 2, 20, 1), available(first, 0, 20), ...others.flatMap((d) => [spec(d, 1, 20), available(d, 1, 20)])],
        evals: [{ at: '3m', firing: [] }, { at: '6m', firing: [{ namespace: ns, deployment: first }] }],
      },
      { name: `${first} runs`, input: deployments.flatMap((d) => [spec(d, 2, 20), available(d, 2, 20)]), evals: [{ at: '6m', firing: [] }] },
      { name: `${first} scaled to zero on purpose`, input: [spec(first, 0, 20), available(first, 0, 20)], evals: [{ at: '6m', firing: [] }] },
    ]);
  }

  if (world.web.podMonitor) {
    const fpm = (metric: string, values: string, up = true) => s(metric, phpFpm(world, webPod, up), values);
    add('PhpFpmDown', [
      { name: 'the exporter cannot reach php-fpm for 6m', input: [fpm('phpfpm_up', flat(0, 20), false)], evals: [{ at: '6m', firing: [{ namespace: ns, pod: webPod }] }] },
      { name: 'php-fpm answers', input: [fpm('phpfpm_up', flat(1, 20))], evals: [{ at: '6m', firing: [] }] },
    ]);
    add('PhpFpmMaxChildrenReached', [
      { name: 'max children reached twice', input: [fpm('phpfpm_max_children_reached', '3 3 3 3 4 4 5 5 5 5 5 5')], evals: [{ at: '3m', firing: [{ namespace: ns, pod: webPod }] }] },
      { name: 'an old count that does not grow', input: [fpm('phpfpm_max_children_reached', flat(3, 30))], evals: [{ at: '14m', firing: [] }] },
    ]);
    add('PhpFpmListenQueue', [
      { name: 'four connections wait for 3 minutes', input: [fpm('phpfpm_listen_queue', '0 4 4 4 4 5 4 4 4 4')], evals: [{ at: '4m', firing: [{ namespace: ns, pod: webPod }] }] },
      { name: 'a one-scrape burst', input: [fpm('phpfpm_listen_queue', '0 0 2 0 0 0 0 0 0 0')], evals: [{ at: '4m', firing: [] }] },
    ]);
    add('PhpFpmMetricsAbsent', [
      { name: 'no exporter series for 16m', input: [spec(world.web.deployment, 2, 40)], evals: [{ at: '16m', firing: [{ namespace: ns, container: 'php-fpm-exporter' }] }] },
      { name: 'exporter scraped', input: [fpm('phpfpm_up', flat(1, 40))], evals: [{ at: '16m', firing: [] }] },
    ]);
  }

  if (world.redis) {
    const lists = queueLists(world);
    const queue = lists[0].key;
    // Where the queues really live: Laravel's REDIS_DB. The exporter sees them only if configured for that database.
    const db = String(queueDatabase);
    add('QueueBacklog', [
      {
        name: `1500 jobs wait in ${queue} (Redis database ${db}) for 11m`,
        input: [...exporterSizes(world, { [db]: { [queue]: flat(1500, 30) } }, 30)],
        evals: [{ at: '5m', firing: [] }, { at: '11m', firing: [{ namespace: ns, key: queue }] }],
      },
      { name: '200 jobs', input: exporterSizes(world, { [db]: { [queue]: flat(200, 30) } }, 30), evals: [{ at: '11m', firing: [] }] },
    ]);
    const windowSamples = Math.ceil(t.oldestJobSeconds / 30);
    const n = windowSamples + 30;
    const fireAt = `${Math.ceil((t.oldestJobSeconds + 90) / 60)}m`;
    add('QueueNotDraining', [
      {
        name: 'a busy healthy queue holding 3-7 jobs with no trend',
        finding: 'QueueNotDraining fires after one minute on a healthy busy queue',
        input: exporterSizes(world, { [db]: { [queue]: repeat([5, 3, 6, 4, 7, 5, 3, 6, 7, 4], n) } }, n),
        evals: [{ at: '2m', firing: [] }, { at: fireAt, firing: [] }, { at: `${Math.floor((n * 30) / 60)}m`, firing: [] }],
      },
      {
        name: 'a stalled queue holding 5 jobs',
        input: exporterSizes(world, { [db]: { [queue]: flat(5, n) } }, n),
        evals: [{ at: '2m', firing: [] }, { at: fireAt, firing: [{ namespace: ns, key: queue }] }],
      },
      {
        name: 'a queue that only grows',
        input: exporterSizes(world, { [db]: { [queue]: grow(1, 1, n) } }, n),
        evals: [{ at: fireAt, firing: [{ namespace: ns, key: queue }] }],
      },
      { name: 'an empty queue', input: exporterSizes(world, {}, n), evals: [{ at: fireAt, firing: [] }] },
    ]);
    const up = (value: number) => s('redis_up', redisExporter(world, {}), flat(value, 30));
    add('QueueMetricsDown', [
      { name: 'the exporter cannot reach Redis for 11m', input: [up(0)], evals: [{ at: '11m', firing: [{ namespace: ns, container: 'redis-exporter' }] }] },
      {
        name: 'the exporter is not scraped for 11m: the same labels as when Redis is unreachable',
        input: [s('up', { job: 'kubelet' }, flat(1, 30))],
        evals: [{ at: '11m', firing: [{ namespace: ns, container: 'redis-exporter' }] }],
      },
      { name: 'Redis reachable', input: [up(1)], evals: [{ at: '11m', firing: [] }] },
    ]);
  }

  // CronJob freshness: promtool starts at Unix time 0, the CronJob is created then.
  const staleCases = (cron: string, maxAgeSeconds: number, label: string): AlertCase[] => {
    const hourly = maxAgeSeconds >= 3600;
    const step = hourly ? 3600 : 60;
    const interval = hourly ? '1h' : '1m';
    const periods = Math.ceil(maxAgeSeconds / step);
    const samples = periods + 4;
    const after = `${periods + 2}${hourly ? 'h' : 'm'}`;
    const created = s('kube_cronjob_created', ksm(world, { cronjob: cron }), flat(0, samples));
    const lastSuccess = (values: string) => s('kube_cronjob_status_last_successful_time', ksm(world, { cronjob: cron }), values);
    return [
      { name: `${label} never succeeded since it was created`, interval, input: [created], evals: [{ at: after, firing: [{ namespace: ns, cronjob: cron }] }] },
      {
        name: `${label} last succeeded one period after creation: the same labels as never`,
        finding: 'the CronJob freshness alerts (SchedulerNotRunning) carry different labels in their two branches',
        interval,
        input: [created, lastSuccess(flat(step, samples))],
        evals: [{ at: after, firing: [{ namespace: ns, cronjob: cron }] }],
      },
      { name: `${label} succeeds every period`, interval, input: [created, lastSuccess(grow(0, step, samples))], evals: [{ at: after, firing: [] }] },
    ];
  };

  /** kube-state-metrics series of one Job owned by a CronJob. */
  const job = (cron: string, name: string, o: { start: number; failedPods: number; failedCondition: boolean; succeeded: boolean; n: number; reason?: string }) => [
    s('kube_job_owner', ksm(world, { job_name: name, owner_kind: 'CronJob', owner_name: cron, owner_is_controller: 'true' }), flat(1, o.n)),
    s('kube_job_status_start_time', ksm(world, { job_name: name }), flat(o.start, o.n)),
    s('kube_job_status_failed', ksm(world, { job_name: name, reason: o.reason ?? '' }), flat(o.failedPods, o.n)),
    s('kube_job_status_succeeded', ksm(world, { job_name: name }), flat(o.succeeded ? 1 : 0, o.n)),
    // kube-state-metrics writes kube_job_failed / kube_job_complete only for the condition the Job has.
    ...(o.failedCondition ? ['true', 'false', 'unknown'].map((c) => s('kube_job_failed', ksm(world, { job_name: name, condition: c }), flat(c === 'true' ? 1 : 0, o.n))) : []),
    ...(o.succeeded ? ['true', 'false', 'unknown'].map((c) => s('kube_job_complete', ksm(world, { job_name: name, condition: c }), flat(c === 'true' ? 1 : 0, o.n))) : []),
  ];

  if (world.scheduler) {
    const cron = world.scheduler;
    add('SchedulerNotRunning', staleCases(cron, t.schedulerStaleSeconds, 'the scheduler'));
    const failed = (i: number, start: number, failedCondition: boolean) => job(cron, `${cron}-2890${i}`, { start, failedPods: 1, failedCondition, succeeded: !failedCondition, n: 40, reason: failedCondition ? 'BackoffLimitExceeded' : '' });
    add('SchedulerFailing', [
      { name: `${SCHEDULER_FAILURES.count} failed runs in the window`, interval: '1m', input: [0, 1, 2].flatMap((i) => failed(i, 60 * (20 + i), true)), evals: [{ at: '25m', firing: [{}] }] },
      { name: 'failed pods of runs that then succeeded', interval: '1m', input: [0, 1, 2].flatMap((i) => failed(i, 60 * (20 + i), false)), evals: [{ at: '25m', firing: [] }] },
      { name: 'failed runs older than the window', interval: '1m', input: [0, 1, 2].flatMap((i) => failed(i, 60 * i, true)), evals: [{ at: '25m', firing: [] }] },
    ]);
  }

  if (world.scheduleWorker) {
    const { deployment, container } = world.scheduleWorker;
    const stale = t.schedulerStaleSeconds;
    const minutes = Math.ceil(stale / 60);
    const n = minutes * 2 + 20;
    const down = (values: string) => s('kube_deployment_status_replicas_available', ksm(world, { deployment }), values);
    add('SchedulerNotRunning', [
      {
        name: `no available scheduler pod for longer than ${stale}s`,
        input: [spec(deployment, 1, n), down(flat(0, n))],
        evals: [{ at: `${minutes - 1}m`, firing: [] }, { at: `${minutes + 2}m`, firing: [{ namespace: ns, deployment }] }],
      },
      {
        name: 'scaled to zero: no task runs either',
        input: [spec(deployment, 0, n), down(flat(0, n))],
        evals: [{ at: `${minutes + 2}m`, firing: [{ namespace: ns, deployment }] }],
      },
      {
        name: 'a Recreate rollout shorter than the threshold',
        input: [spec(deployment, 1, n), down(`1x4 0x4 1x${n}`)],
        evals: [{ at: `${minutes + 2}m`, firing: [] }],
      },
      { name: 'the scheduler runs', input: [spec(deployment, 1, n), down(flat(1, n))], evals: [{ at: `${minutes + 2}m`, firing: [] }] },
    ]);
    const pod = podOf(deployment);
    const restarts = (values: string) => s('kube_pod_container_status_restarts_total', ksm(world, { pod, container, uid: 'b0a1f2c3' }), values);
    add('SchedulerFailing', [
      { name: `${SCHEDULER_FAILURES.count} restarts of schedule:work within the window`, interval: '1m', input: [restarts('0 0 1 1 2 2 3 3 3 3 3 3')], evals: [{ at: '7m', firing: [{ namespace: ns, pod, container }] }] },
      { name: 'one restart', interval: '1m', input: [restarts('0 0 1 1 1 1 1 1 1 1 1 1')], evals: [{ at: '7m', firing: [] }] },
      {
        name: 'restarts of another container of the namespace do not count',
        interval: '1m',
        input: [s('kube_pod_container_status_restarts_total', ksm(world, { pod: podOf(world.web.deployment), container: world.web.container, uid: 'c1' }), '0 1 2 3 4 5 6 7 8 9')],
        evals: [{ at: '7m', firing: [] }],
      },
    ]);
  }

  if (world.migration) {
    const migrate = (failedValue: number) => ['true', 'false', 'unknown'].map((c) => s('kube_job_failed', ksm(world, { job_name: world.migration!, condition: c }), flat(c === 'true' ? failedValue : 1 - failedValue, 10)));
    add('MigrationFailed', [
      { name: 'the migration Job failed', input: migrate(1), evals: [{ at: '1m', firing: [{ namespace: ns, job_name: world.migration }] }] },
      { name: 'the migration Job completed', input: [s('kube_job_complete', ksm(world, { job_name: world.migration, condition: 'true' }), flat(1, 10))], evals: [{ at: '1m', firing: [] }] },
    ]);
  }

  const failedRunCases = (cron: string, maxAgeHours: number, label: string, finding?: string): AlertCase[] => {
    const n = maxAgeHours + 6;
    const jobName = (i: number) => `${cron}-2890${i}`;
    const h = 3600;
    return [
      {
        name: `the latest ${label} run failed (retries used up)`,
        interval: '1h',
        input: [s('kube_cronjob_status_last_successful_time', ksm(world, { cronjob: cron }), flat(1 * h, n)), ...job(cron, jobName(1), { start: 2 * h, failedPods: 2, failedCondition: true, succeeded: false, n, reason: 'BackoffLimitExceeded' })],
        evals: [{ at: '3h', firing: [{}] }],
      },
      {
        name: `the first ${label} run ever failed`,
        interval: '1h',
        input: job(cron, jobName(1), { start: 2 * h, failedPods: 2, failedCondition: true, succeeded: false, n, reason: 'BackoffLimitExceeded' }),
        evals: [{ at: '3h', firing: [{}] }],
      },
      {
        name: `a failed first pod and a successful retry (backoffLimit 1) is not a failed ${label}`,
        ...(finding ? { finding } : {}),
        interval: '1h',
        input: [s('kube_cronjob_status_last_successful_time', ksm(world, { cronjob: cron }), flat(2 * h + 300, n)), ...job(cron, jobName(1), { start: 2 * h, failedPods: 1, failedCondition: false, succeeded: true, n })],
        evals: [{ at: '3h', firing: [] }],
      },
      {
        name: `a failed ${label} run followed by a successful one`,
        interval: '1h',
        input: [
          ...job(cron, jobName(1), { start: 2 * h, failedPods: 2, failedCondition: true, succeeded: false, n, reason: 'BackoffLimitExceeded' }),
          ...job(cron, jobName(2), { start: 3 * h, failedPods: 0, failedCondition: false, succeeded: true, n }),
          s('kube_cronjob_status_last_successful_time', ksm(world, { cronjob: cron }), `_ _ _ ${flat(3 * h + 300, n - 3)}`),
        ],
        evals: [{ at: '5h', firing: [] }],
      },
    ];
  };

  if (world.backup) {
    add('BackupTooOld', staleCases(world.backup, t.backupMaxAgeHours * 3600, 'the backup'));
    add('BackupFailed', failedRunCases(world.backup, t.backupMaxAgeHours, 'backup', 'BackupFailed counts a failed first pod that a retry made good'));
  }
  if (world.restoreCheck) {
    add('RestoreCheckStale', staleCases(world.restoreCheck, t.restoreCheckMaxAgeHours * 3600, 'the restore check'));
    add('RestoreCheckFailed', failedRunCases(world.restoreCheck, t.restoreCheckMaxAgeHours, 'restore check'));
  }
  if (world.uptime) {
    const uptime = world.uptime;
    // What Prometheus stores for a Probe's static target: the job, the target URL as instance, the Probe's namespace.
    const probe = (metric: string, values: string, target = uptime.targets[0]) => s(metric, { job: uptime.job, instance: target, namespace: ns }, values);
    const days = (n: number) => n * 86400;
    add('UptimeCheckFailing', [
      { name: 'the public URL fails every probe for 7 minutes', interval: '1m', input: [probe('probe_success', `1 1 ${flat(0, 10)}`)], evals: [{ at: '9m', firing: [{ namespace: ns, instance: uptime.targets[0] }] }] },
      { name: 'one failed probe among successes', interval: '1m', input: [probe('probe_success', `1 1 0 1 1 1 1 1 1 1 1 1`)], evals: [{ at: '9m', firing: [] }] },
    ]);
    add('UptimeCheckAbsent', [
      { name: 'no probe series for 16m', interval: '1m', input: [s('up', { job: 'other', namespace: ns }, flat(1, 20))], evals: [{ at: '16m', firing: [{ namespace: ns, job: uptime.job }] }] },
      { name: 'the blackbox exporter is scraped', interval: '1m', input: [probe('probe_success', flat(1, 20))], evals: [{ at: '16m', firing: [] }] },
    ]);
    add('CertificateExpiringSoon', [
      {
        name: 'the certificate expires a day inside the threshold (renewal failing)',
        interval: '10m',
        input: [probe('probe_ssl_earliest_cert_expiry', flat(days(t.certificateExpiryDays - 1), 12))],
        evals: [{ at: '90m', firing: [{ namespace: ns, instance: uptime.targets[0] }] }],
      },
      { name: 'a certificate two days beyond the threshold', interval: '10m', input: [probe('probe_ssl_earliest_cert_expiry', flat(days(t.certificateExpiryDays + 2), 12))], evals: [{ at: '90m', firing: [] }] },
    ]);
  }
  return out;
}

/** A counter that gains one every `every` samples. */
function steps(n: number, every: number): string {
  return Array.from({ length: n + 1 }, (_, i) => Math.floor(i / every)).join(' ');
}

function repeat(pattern: readonly number[], n: number): string {
  return Array.from({ length: n + 1 }, (_, i) => pattern[i % pattern.length]).join(' ');
}

import * as fs from 'fs';
import * as path from 'path';
import { alertDefinitions, alertPrefix } from '../../../lib/operations/alert-rules';
import { ingressNginxRequestMetrics } from '../../../lib/edge/ingress-nginx';
import { AppContext } from '../../../lib/core/app-context';
import { secretKeysOf } from '../core/eso';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { DEFAULT_RESOURCES, PORTS } from '../../../lib/core/defaults';
import { imageRef } from '../../../lib/core/image';
import { PembayaranStack } from '../../../lib/pembayaran-stack';
import { promQlProblems } from '../../../lib/operations/promql';
import { container, find, K8sObject, objectsOf, podSpecOf, rejectionsOf, ROOT, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, PHP_FPM_ENVIRONMENTS, gateFindings, withChanges, withIngressEdge } from '../../helpers';

const stackOf = (app: any, env: string): PembayaranStack => app.node.findChild(env).node.findChild('Pembayaran') as PembayaranStack;
const withConfig = (env: string, change: (c: EnvironmentConfig) => void): EnvironmentConfig => {
  const config = structuredClone(shippedConfig(env));
  change(config);
  return config;
};
const rulesOf = (objects: K8sObject[]) => find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);

describe.each(PHP_FPM_ENVIRONMENTS)('observability of %s (nginx + php-fpm)', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const web = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));

  test('php-fpm and nginx exporter sidecars read the loopback status pages, are hardened, probed and sized', () => {
    const fpm = container(web, 'php-fpm-exporter');
    const nginx = container(web, 'nginx-exporter');
    expect(fpm.image).toBe(imageRef(config.observability.metrics.phpFpmExporterImage));
    expect(nginx.image).toBe(imageRef(config.observability.metrics.nginxExporterImage));
    // php-fpm's status listener (pm.status_listen): answers while every child of the main pool is busy.
    expect(fpm.args).toContain('--phpfpm.scrape-uri=tcp://127.0.0.1:9002/fpm-status');
    expect(nginx.args).toContain('--nginx.scrape-uri=http://127.0.0.1:8081/nginx-status');
    expect(fpm.ports).toEqual([{ name: 'fpm-metrics', containerPort: PORTS.phpFpmExporter, protocol: 'TCP' }]);
    expect(nginx.ports).toEqual([{ name: 'nginx-metrics', containerPort: PORTS.nginxExporter, protocol: 'TCP' }]);
    for (const c of [fpm, nginx]) {
      expect(c.resources).toEqual({ requests: DEFAULT_RESOURCES.exporter.requests, limits: DEFAULT_RESOURCES.exporter.limits });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      // Readiness never depends on php-fpm or nginx: a sidecar's readiness gates the pod's traffic.
      expect(c.readinessProbe.tcpSocket.port).toBe(c.ports[0].name);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/metrics', port: c.ports[0].name });
    }
  });

  test('a PodMonitor scrapes both exporter ports of the web pods, selected by the web selector labels', () => {
    const monitor = find(objects, 'PodMonitor', 'pembayaran-web');
    const deployment = find(objects, 'Deployment', 'pembayaran-web');
    expect(monitor.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    const podPorts = web.containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name));
    expect(monitor.spec.podMetricsEndpoints.map((e: any) => e.port)).toEqual(['fpm-metrics', 'nginx-metrics']);
    for (const e of monitor.spec.podMetricsEndpoints) expect(podPorts).toContain(e.port);
    expect(monitor.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  test('the redis exporter reports every pool queue list under the Laravel prefix, with its own ServiceAccount and the Redis password from the secret', () => {
    const deployment = find(objects, 'Deployment', 'pembayaran-queue-metrics');
    const spec = podSpecOf(deployment);
    expect(spec.serviceAccountName).toBe('pembayaran-queue-metrics');
    find(objects, 'ServiceAccount', 'pembayaran-queue-metrics');
    const exporter = container(spec, 'redis-exporter');
    const env = Object.fromEntries(exporter.env.map((e: any) => [e.name, e]));
    expect(env.REDIS_PASSWORD.valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-laravel', key: 'REDIS_PASSWORD' });
    // Both shipped environments reach Redis over TLS (redis.tls); test/lib/core/data-store-tls.test.ts has the rest.
    expect(env.REDIS_ADDR.value).toBe(`rediss://${config.redis.host}:${config.redis.port}`);
    const keys = env.REDIS_EXPORTER_CHECK_SINGLE_KEYS.value.split(',');
    for (const queue of config.workers.flatMap((w) => w.queues)) expect(keys).toContain(`db0=pembayaran_database_queues:${queue}`);
    expect(exporter.readinessProbe.httpGet.path).toBe('/health');
    expect(exporter.livenessProbe.httpGet.path).toBe('/health');
    expect(exporter.resources.limits.memory).toBeDefined();
    expect(find(objects, 'PodMonitor', 'pembayaran-queue-metrics').spec.podMetricsEndpoints[0].port).toBe('metrics');
  });

  test('NetworkPolicies let the monitoring namespace scrape the exporters and the redis exporter reach Redis', () => {
    const scrapeWeb = find(objects, 'NetworkPolicy', 'pembayaran-allow-web-from-monitoring');
    expect(scrapeWeb.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': config.networkPolicy.monitoringNamespace } } }]);
    expect(scrapeWeb.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([PORTS.nginxExporter, PORTS.phpFpmExporter]);
    const scrapeQueue = find(objects, 'NetworkPolicy', 'pembayaran-allow-queue-metrics-from-monitoring');
    expect(scrapeQueue.spec.ingress[0].ports.map((p: any) => p.port)).toEqual([PORTS.redisExporter]);
    const toRedis = find(objects, 'NetworkPolicy', 'pembayaran-allow-queue-metrics-to-redis');
    expect(toRedis.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('queue-metrics');
    expect(toRedis.spec.egress[0].ports).toEqual([{ port: config.redis.port, protocol: 'TCP' }]);
  });

  test('the alerts cover errors, latency, saturation, restarts, queues, scheduler, migration, dependencies and backups', () => {
    const names = rulesOf(objects).map((r: any) => r.alert);
    expect(names).toEqual(expect.arrayContaining([
      'PembayaranWebErrorRatioHigh', 'PembayaranWebLatencyHigh', 'PembayaranContainerCpuSaturated', 'PembayaranContainerMemorySaturated',
      'PembayaranPodRestartLoop', 'PembayaranQueueBacklog', 'PembayaranQueueNotDraining', 'PembayaranSchedulerNotRunning', 'PembayaranSchedulerFailing',
      'PembayaranMigrationFailed', 'PembayaranNotificationServiceDown', 'PembayaranWaGatewayDown', 'PembayaranWebDown', 'PembayaranQueueWorkersDown',
      'PembayaranBackupTooOld', 'PembayaranBackupFailed', 'PembayaranContainerCpuThrottled', 'PembayaranPhpFpmDown', 'PembayaranPhpFpmMaxChildrenReached',
      'PembayaranPhpFpmListenQueue', 'PembayaranPhpFpmMetricsAbsent', 'PembayaranKubeStateMetricsAbsent', 'PembayaranCadvisorMetricsAbsent', 'PembayaranEdgeMetricsAbsent',
      'PembayaranQueueMetricsDown',
    ]));
    expect(new Set(names).size).toBe(names.length);
    const rule = (name: string) => rulesOf(objects).find((r: any) => r.alert === name);
    // The shipped environments' edge is Gateway API through Envoy Gateway: its per-route upstream counters.
    expect(rule('PembayaranWebErrorRatioHigh').expr).toContain(`envoy_cluster_upstream_rq{envoy_cluster_name=~"httproute/${config.namespace}/(pembayaran-web|pembayaran-web-webhooks|pembayaran-web-operator)/rule/[0-9]+"`);
    expect(rule('PembayaranWebLatencyHigh').expr).toContain('envoy_cluster_upstream_rq_time_bucket');
    expect(rule('PembayaranWebLatencyHigh').expr).toContain('histogram_quantile(0.95');
    expect(rule('PembayaranWaGatewayDown').expr).toContain('kube_deployment_status_replicas_available{namespace="' + config.namespace + '", deployment="pembayaran-wa-gateway"}');
    // scheduler.mode work (the default); cron mode: test/lib/laravel/scheduler.test.ts and the promtool cases.
    expect(rule('PembayaranSchedulerNotRunning').expr).toContain('kube_deployment_status_replicas_available{namespace="' + config.namespace + '", deployment="pembayaran-scheduler"}');
    expect(rule('PembayaranSchedulerFailing').expr).toContain('pod=~"pembayaran-scheduler-[a-z0-9]+-[a-z0-9]+", container="schedule-work"');
    expect(rule('PembayaranMigrationFailed').expr).toContain('job_name="pembayaran-migrate"');
    expect(rule('PembayaranQueueNotDraining').annotations.description).toContain('Proxy');
  });

});

describe.each(SHIPPED_ENVIRONMENTS)('alerts of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);

  test('every alert has a severity, a summary and a runbook hint, and a structurally valid expression', () => {
    const rules = rulesOf(objects);
    expect(rules.length).toBeGreaterThanOrEqual(15);
    for (const rule of rules) {
      expect([rule.alert, ['critical', 'warning'].includes(rule.labels.severity)]).toEqual([rule.alert, true]);
      expect(rule.annotations.summary).toBeTruthy();
      expect(rule.annotations.description).toMatch(/\nRunbook: \S/);
      expect([rule.alert, promQlProblems(rule.expr)]).toEqual([rule.alert, []]);
      expect(rule.expr).toContain(config.namespace);
    }
  });

  test('Reverb, which every shipped environment runs, is watched; the web alerts leave its websocket route out', () => {
    const rule = (name: string) => rulesOf(objects).find((r: any) => r.alert === name);
    expect(rule('PembayaranReverbDown').expr).toContain(`deployment="pembayaran-reverb"`);
    expect(rule('PembayaranWebErrorRatioHigh').expr).not.toContain('pembayaran-reverb');
    expect(rule('PembayaranWebLatencyHigh').expr).not.toContain('pembayaran-reverb');
  });

  test('the added objects pass the quality gate', () => {
    expect(gateFindings(env, objects)).toEqual([]);
  });
});

describe('alert thresholds come from observability.alerts', () => {
  const config = withConfig('production', (c) => {
    Object.assign(c.observability.alerts, {
      errorRatio: 0.02, latencySeconds: 0.75, queueDepth: 250, oldestJobSeconds: 300, saturation: 0.8, backupMaxAgeHours: 30, restarts: 5,
      schedulerStaleSeconds: 900, ingressNamespaceLabel: 'namespace', runbookBaseUrl: 'https://runbooks.example.com/pembayaran',
    });
    c.observability.monitorLabels = { release: 'kube-prometheus-stack' };
  });
  const objects = objectsOf(config);
  const rule = (name: string) => rulesOf(objects).find((r: any) => r.alert === name);

  test.each([
    ['PembayaranWebErrorRatioHigh', '> 0.02'],
    ['PembayaranWebLatencyHigh', '> 0.75'],
    ['PembayaranQueueBacklog', '> 250'],
    ['PembayaranQueueNotDraining', '[300s]'],
    ['PembayaranContainerCpuSaturated', '> 0.8'],
    ['PembayaranContainerMemorySaturated', '> 0.8'],
    ['PembayaranBackupTooOld', '> 108000'],
    ['PembayaranPodRestartLoop', '>= 5'],
  ])('%s uses %s', (name, fragment) => {
    expect(rule(name).expr).toContain(fragment);
  });

  test('SchedulerNotRunning uses schedulerStaleSeconds in both scheduler modes', () => {
    expect(rule('PembayaranSchedulerNotRunning').for).toBe('900s');
    const cron = objectsOf(withConfig('production', (c) => {
      c.observability.alerts.schedulerStaleSeconds = 900;
      c.scheduler = { ...c.scheduler, mode: 'cron' };
    }));
    expect(rulesOf(cron).find((r: any) => r.alert === 'PembayaranSchedulerNotRunning').expr).toContain('> 900');
  });

  test('the ingress namespace label (ingress-nginx edge), runbook URLs and monitor labels follow the config', () => {
    const ingress = withIngressEdge('production', (d) => (d.observability = { ...d.observability, alerts: { ingressNamespaceLabel: 'namespace' } }));
    const ingressRule = (name: string) => rulesOf(objectsOf(ingress)).find((r: any) => r.alert === name);
    expect(ingressRule('PembayaranWebErrorRatioHigh').expr).toContain('nginx_ingress_controller_requests{namespace="pembayaran", ingress=~"pembayaran-web|pembayaran-web-webhooks|pembayaran-web-operator"');
    expect(ingressRule('PembayaranWebLatencyHigh').expr).toContain('nginx_ingress_controller_request_duration_seconds_bucket{namespace="pembayaran"');
    // The generic Ingress profile knows no metrics: no edge alerts rather than alerts on series that never exist.
    const generic = withIngressEdge('production', (d) => (d.web.edge = { ...d.web.edge, rateLimitRps: 0, ingress: { controller: 'generic', operatorAnnotations: { 'example.com/allow': '10.8.0.0/16' } } }));
    expect(rulesOf(objectsOf(generic)).map((r: any) => r.alert)).not.toContain('PembayaranWebErrorRatioHigh');
    expect(rule('PembayaranBackupTooOld').annotations.runbook_url).toBe('https://runbooks.example.com/pembayaran#pembayaranbackuptooold');
    for (const kind of ['PrometheusRule', 'PodMonitor']) {
      for (const o of objects.filter((x) => x.kind === kind)) expect(o.metadata.labels.release).toBe('kube-prometheus-stack');
    }
  });
});

describe('switching observability off', () => {
  test('without metrics there are no exporters, no PodMonitors and no queue alerts; alerts stay', () => {
    // The php-fpm autoscaling trigger reads the exporter, so it goes too (the config checks refuse it alone).
    const objects = objectsOf(withConfig('production', (c) => ((c.observability.metrics.enabled = false), (c.web.autoscaling.phpFpm.enabled = false))));
    const web = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));
    expect(web.containers.map((c: any) => c.name)).toEqual(['php-fpm', 'nginx']);
    expect(objects.filter((o) => o.kind === 'PodMonitor' || o.metadata.name === 'pembayaran-queue-metrics')).toEqual([]);
    const names = rulesOf(objects).map((r: any) => r.alert);
    expect(names).not.toContain('PembayaranQueueBacklog');
    expect(names).toContain('PembayaranWebErrorRatioHigh');
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('without alerts there is no PrometheusRule; without backups no backup alerts', () => {
    expect(objectsOf(withConfig('production', (c) => (c.observability.alerts.enabled = false))).filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
    const names = rulesOf(objectsOf(withConfig('production', (c) => (c.backup.enabled = false)))).map((r: any) => r.alert);
    expect(names.filter((n: string) => n.includes('Backup'))).toEqual([]);
  });
});

test('a worker pool added after the stack is built is exported and alerted on', () => {
  const config = shippedConfig('production');
  const objects = objectsOf(config, (app) => {
    stackOf(app, 'production').addWorkerPool({ ...config.workers[0], name: 'reports', queues: ['reports'], autoscaling: { ...config.workers[0].autoscaling, enabled: false } });
  });
  const exporter = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-queue-metrics')), 'redis-exporter');
  expect(exporter.env.find((e: any) => e.name === 'REDIS_EXPORTER_CHECK_SINGLE_KEYS').value).toContain('db0=pembayaran_database_queues:reports');
  const rules = rulesOf(objects);
  expect(rules.find((r: any) => r.alert === 'PembayaranQueueBacklog').expr).toContain('pembayaran_database_queues:reports');
  expect(rules.find((r: any) => r.alert === 'PembayaranQueueWorkersDown').expr).toContain('pembayaran-worker-reports');
});

describe('PromQL structural check', () => {
  test.each([
    ['sum(rate(x[5m])', '"(" opened'],
    ['sum(rate(x[5m]))) > 1', 'closes nothing'],
    ['x{a="b"', 'never closed'],
    ['x{a="b}', 'unterminated string'],
    ['sum(x]', 'closes "("'],
    ['x{}', 'empty label selector'],
    ['rate(x[])', 'empty range'],
  ])('%s is refused', (expr, problem) => {
    expect(promQlProblems(expr).join('; ')).toContain(problem);
  });

  test('valid expressions with on(), time() and strings containing brackets pass', () => {
    expect(promQlProblems('absent(x{a=")"}) and on () (time() - max(y)) > 3')).toEqual([]);
  });

  test('every alert of a full target set passes, with regex-escaped queue keys', () => {
    const context = new AppContext({ namespace: 'ns', appName: 'app', environment: 'e', version: '1', podIdentity: { runAsUser: 1, runAsGroup: 1, fsGroup: 1 } });
    const alerts = alertDefinitions(
      context,
      {
        edge: ingressNginxRequestMetrics('ns', 'namespace', ['app-web', 'app-web-webhooks']),
        deployments: [{ alert: 'X', names: ['a', 'b.c'], title: 'x', severity: 'warning', runbook: 'r' }],
        queues: { keys: ['app_database_queues:a.b'], database: 0, exporterContainer: 'redis-exporter' },
        scheduler: { mode: 'cron', cronJobName: 's' },
        migrationJob: 'm',
        backupCronJob: 'b',
      },
      shippedConfig('production').observability.alerts,
    );
    for (const a of alerts) expect([a.alert, promQlProblems(a.expr)]).toEqual([a.alert, []]);
    expect(alerts.find((a) => a.alert === 'AppQueueBacklog')!.expr).toContain('key=~"app_database_queues:a\\\\.b"');
    expect(alerts.find((a) => a.alert === 'AppX')!.expr).toContain('deployment=~"a|b\\\\.c"');
  });
});

describe('Sentry', () => {
  const objects = shippedObjects('production');
  test('the Laravel secret carries SENTRY_LARAVEL_DSN and the FastAPI secret SENTRY_DSN by default', () => {
    const keys = (name: string) => secretKeysOf(find(objects, 'ExternalSecret', name));
    expect(keys('pembayaran-laravel')).toContain('SENTRY_LARAVEL_DSN');
    expect(keys('pembayaran-fastapi')).toContain('SENTRY_DSN');
  });
  test('docs/operations.md says where the DSNs come from', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
    expect(doc).toContain('SENTRY_LARAVEL_DSN');
    expect(doc).toContain('SENTRY_DSN');
  });
});

test('docs/operations.md lists every alert in its table', () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'operations.md'), 'utf8');
  for (const rule of rulesOf(shippedObjects('production'))) expect([rule.alert, doc.includes(`| ${rule.alert} |`)]).toEqual([rule.alert, true]);
});

describe('alert names derive from the app name', () => {
  test.each([
    ['pembayaran', 'Pembayaran'],
    ['acme-pay', 'AcmePay'],
    ['acmepay2', 'Acmepay2'],
    ['9pay', 'App9pay'],
  ])('%s gives the prefix %s', (appName, prefix) => {
    expect(alertPrefix(appName)).toBe(prefix);
  });

  test('appName acmepay renames every alert and its own objects, and no alert keeps the Pembayaran prefix', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.appName = 'acme-pay')));
    const rule = find(objects, 'PrometheusRule', 'acme-pay-alerts');
    const names = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect(name).toMatch(/^AcmePay[A-Z]/);
    expect(names).toContain('AcmePayWebDown');
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['acme-pay-production.alerts']);
    expect(JSON.stringify(rule)).not.toContain('Pembayaran');
  });
});

describe('the Observability rule-set API', () => {
  const config = shippedConfig('production');
  const custom = (alert: string) => ({
    alert,
    expr: 'sum(rate(payments_failed_total{namespace="pembayaran"}[5m])) > 1',
    for: '10m',
    severity: 'critical' as const,
    summary: 'Payments fail',
    description: 'More than one failed payment per second.',
    runbook: 'Check the payment provider status page.',
  });
  const observabilityOf = (app: any) => stackOf(app, 'production').observability!;

  test('addAlert puts an alert with the app prefix into the built-in set, next to the built-in alerts', () => {
    const objects = objectsOf(config, (app) => {
      const o = observabilityOf(app);
      o.addAlert(custom(o.alertName('PaymentsFailing')));
    });
    const rules = rulesOf(objects);
    const added = rules.find((r: any) => r.alert === 'PembayaranPaymentsFailing');
    expect(added).toMatchObject({ for: '10m', labels: { severity: 'critical', environment: 'production' }, annotations: { summary: 'Payments fail', description: 'More than one failed payment per second.\nRunbook: Check the payment provider status page.' } });
    expect(rules.map((r: any) => r.alert)).toContain('PembayaranWebDown');
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(1);
  });

  test('a built-in alert name cannot be added again, to the built-in set or to another set', () => {
    objectsOf(config, (app) => {
      const o = observabilityOf(app);
      expect(() => o.addAlert(custom('PembayaranWebDown'))).toThrow('alert PembayaranWebDown is already defined in PrometheusRule pembayaran-alerts: choose another name');
      expect(() => o.addRuleSet('payments').addAlert(custom('PembayaranQueueBacklog'))).toThrow('already defined in PrometheusRule pembayaran-alerts');
    });
  });

  test('a second rule set has its own object and group name, the monitor labels, and no built-in alert', () => {
    const objects = objectsOf(config, (app) => {
      const o = observabilityOf(app);
      const payments = o.addRuleSet('payments');
      payments.addAlert(custom(o.alertName('PaymentsFailing')));
      expect(() => o.addAlert(custom('PembayaranPaymentsFailing'))).toThrow('already defined in PrometheusRule pembayaran-payments-alerts');
    });
    const rules = objects.filter((o) => o.kind === 'PrometheusRule');
    expect(rules.map((r) => r.metadata.name).sort()).toEqual(['pembayaran-alerts', 'pembayaran-payments-alerts']);
    const second = find(objects, 'PrometheusRule', 'pembayaran-payments-alerts');
    expect(second.spec.groups.map((g: any) => g.name)).toEqual(['pembayaran-production.payments']);
    expect(second.spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['PembayaranPaymentsFailing']);
    expect(second.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
    const groups = rules.flatMap((r) => r.spec.groups.map((g: any) => g.name));
    expect(new Set(groups).size).toBe(groups.length);
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('rule set names that would collide or are not DNS labels are refused', () => {
    objectsOf(config, (app) => {
      const o = observabilityOf(app);
      o.addRuleSet('payments');
      expect(() => o.addRuleSet('payments')).toThrow('rule set "payments" already exists');
      expect(() => o.addRuleSet('alerts')).toThrow('is the built-in one');
      expect(() => o.addRuleSet('Payments!')).toThrow('is not a DNS label');
    });
  });

  test('invalid alert names and durations are refused', () => {
    objectsOf(config, (app) => {
      const o = observabilityOf(app);
      expect(() => o.addAlert(custom('Payments-Failing'))).toThrow('not a valid Prometheus alert name');
      expect(() => o.addAlert({ ...custom('PembayaranX'), for: 'ten minutes' })).toThrow('is not a Prometheus duration');
    });
  });

  test('a name that a later worker pool makes a built-in alert collides at synthesis', () => {
    expect(() =>
      objectsOf(withConfig('production', (c) => (c.workers = [])), (app) => {
        const o = observabilityOf(app);
        o.addAlert(custom('PembayaranQueueWorkersDown'));
        stackOf(app, 'production').addWorkerPool({ ...config.workers[0] });
      }),
    ).toThrow('alert PembayaranQueueWorkersDown is already defined in PrometheusRule pembayaran-alerts');
  });

  test('without alerts enabled addAlert says what to do', () => {
    objectsOf(withConfig('production', (c) => (c.observability.alerts.enabled = false)), (app) => {
      expect(() => observabilityOf(app).addAlert(custom('PembayaranX'))).toThrow('observability.alerts.enabled is false');
    });
  });
});

describe('the Redis database of the queues reaches Laravel, the exporter, the alerts and KEDA', () => {
  const objects = objectsOf(withConfig('production', (c) => (c.redis.database = 3)));
  test('REDIS_DB, exporter keys, alert matcher and KEDA databaseIndex all say 3', () => {
    expect(find(objects, 'ConfigMap', 'pembayaran-laravel').data.REDIS_DB).toBe('3');
    const exporter = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-queue-metrics')), 'redis-exporter');
    const keys = exporter.env.find((e: any) => e.name === 'REDIS_EXPORTER_CHECK_SINGLE_KEYS').value.split(',');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^db3=/);
    expect(rulesOf(objects).find((r: any) => r.alert === 'PembayaranQueueBacklog').expr).toContain('db="db3"');
    for (const trigger of find(objects, 'ScaledObject', 'pembayaran-worker-default').spec.triggers) expect(trigger.metadata.databaseIndex).toBe('3');
  });
  test('the default is database 0 everywhere', () => {
    const shipped = shippedObjects('production');
    expect(find(shipped, 'ConfigMap', 'pembayaran-laravel').data.REDIS_DB).toBe('0');
    expect(rulesOf(shipped).find((r: any) => r.alert === 'PembayaranQueueBacklog').expr).toContain('db="db0"');
  });
  test('laravel.env.REDIS_DB is refused: the exporter and KEDA would read another database', () => {
    const problems = rejectionsOf('config/production.yaml', withChanges('production', (doc) => (doc.laravel.env = { REDIS_DB: '2' })));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringContaining('laravel.env.REDIS_DB: sets the Redis database')]);
  });
});

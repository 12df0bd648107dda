/**
 * Reverb (websockets) as config/production.yaml ships it (reverb.enabled, two pods, the main host): what the
 * brief asks of it, on the objects synth writes after the quality gate (schema, Pod Security restricted,
 * production policy).
 */
import * as path from 'path';
import * as yaml from 'js-yaml';
import { synthesize } from '../../tools/synth/synthesize';
import { formatProblem, parseEnvironment } from '../../lib/config/load';
import { PORTS, REVERB_DEFAULTS } from '../../lib/core/defaults';
import { container, find, K8sObject, objectsOf, podSpecOf, rejectionsOf, ROOT, withChanges } from '../helpers';

const result = synthesize({ configFiles: [path.join(ROOT, 'config', 'production.yaml')], outdir: path.join(ROOT, 'dist'), dryRun: true });
const objects: K8sObject[] = [...result.files.values()].map((text) => yaml.load(text) as K8sObject);
const deployment = find(objects, 'Deployment', 'pembayaran-reverb');
const spec = podSpecOf(deployment);
const reverb = container(spec, 'reverb');
const policy = (name: string) => find(objects, 'NetworkPolicy', `pembayaran-${name}`).spec;

describe('Reverb in the shipped production: websockets', () => {
  test('passes the quality gate (synthesize refuses any finding)', () => {
    expect(result.environments).toEqual(['production']);
    expect(result.files.has('production/deployment-pembayaran-reverb.yaml')).toBe(true);
  });

  test('the Deployment runs php artisan reverb:start on its port, from the application image with the prepare init container', () => {
    expect(reverb.command).toEqual(['php', 'artisan', 'reverb:start', '--host=0.0.0.0', `--port=${PORTS.reverb}`, '--no-interaction']);
    expect(reverb.image).toBe('ghcr.io/example/pembayaran:1.4.2');
    expect(reverb.ports).toEqual([{ name: 'http', containerPort: PORTS.reverb, protocol: 'TCP' }]);
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['prepare']);
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  test('probes, shutdown, disruption budget and spreading', () => {
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) expect(reverb[probe].tcpSocket).toEqual({ port: 'http' });
    expect(reverb.lifecycle.preStop.exec.command).toEqual(['/bin/sh', '-c', `sleep ${REVERB_DEFAULTS.drainSeconds}`]);
    expect(spec.terminationGracePeriodSeconds).toBe(REVERB_DEFAULTS.drainSeconds + REVERB_DEFAULTS.closeSeconds);
    expect(find(objects, 'PodDisruptionBudget', 'pembayaran-reverb').spec).toMatchObject({ maxUnavailable: 1, selector: { matchLabels: deployment.spec.selector.matchLabels } });
    expect(spec.topologySpreadConstraints.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
  });

  test('Pod Security restricted: non-root, read-only root, no capabilities, no token', () => {
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    }
  });

  test('horizontal scaling through Redis pub/sub; the broadcaster publishes to the Service inside the cluster', () => {
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data).toMatchObject({
      BROADCAST_CONNECTION: 'reverb',
      REVERB_HOST: 'pembayaran-reverb.pembayaran.svc',
      REVERB_PORT: '80',
      REVERB_SCHEME: 'http',
      REVERB_SERVER_PORT: String(PORTS.reverb),
      REVERB_SCALING_ENABLED: 'true',
      REVERB_SCALING_CHANNEL: 'pembayaran_database_reverb',
    });
    expect(find(objects, 'Service', 'pembayaran-reverb').spec).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 'http' }] });
    const secret = find(objects, 'ExternalSecret', 'pembayaran-laravel');
    expect(Object.keys(secret.spec.target.template.data)).toEqual(expect.arrayContaining(['REVERB_APP_ID', 'REVERB_APP_KEY', 'REVERB_APP_SECRET']));
    // Reverb's own Redis client takes no CA option: production's private Redis CA reaches it as OpenSSL's default file.
    expect(reverb.env).toEqual([{ name: 'SSL_CERT_FILE', value: '/etc/pembayaran/tls/redis/ca.crt' }]);
  });

  test('its own route on the edge: /app on the main host to the Reverb Service, an hour per connection, the site rate limit per client', () => {
    const route = find(objects, 'HTTPRoute', 'pembayaran-reverb');
    expect(route.spec.hostnames).toEqual(['pembayaran.example.com']);
    expect(route.spec.rules).toEqual([
      { backendRefs: [{ kind: 'Service', name: 'pembayaran-reverb', port: 80 }], matches: [{ path: { type: 'PathPrefix', value: '/app' } }], timeouts: { request: '3600s' } },
    ]);
    const traffic = find(objects, 'BackendTrafficPolicy', 'pembayaran-reverb').spec;
    expect(traffic.timeout.http.requestTimeout).toBe('3600s');
    expect(traffic.rateLimit.local.rules[0].limit).toEqual({ requests: 30, unit: 'Second' });
    // The site route still serves everything else; /apps (Reverb's HTTP API) is not routed to Reverb.
    expect(find(objects, 'HTTPRoute', 'pembayaran-web').spec.rules[0].backendRefs[0].name).toBe('pembayaran-web');
  });

  test('excluded from the web latency and error alerts; its own ReverbDown alert', () => {
    const rules = find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);
    const latency = rules.find((r: any) => r.alert === 'PembayaranWebLatencyHigh');
    const errors = rules.find((r: any) => r.alert === 'PembayaranWebErrorRatioHigh');
    for (const rule of [latency, errors]) {
      expect(rule.expr).toContain('pembayaran-web');
      expect(rule.expr).not.toContain('reverb');
    }
    expect(rules.find((r: any) => r.alert === 'PembayaranReverbDown').expr).toContain('deployment="pembayaran-reverb"');
  });

  test('ingress-nginx: the websocket Ingress reads and sends for the connection timeout, whatever the site annotations say', () => {
    const withIngress = objectsOf(
      parseEnvironment(
        'config/production.yaml',
        withChanges('production', (d) => {
          d.reverb = { enabled: true };
          d.web.edge = { kind: 'ingress', hosts: d.web.edge.hosts, ingress: { annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '75' } } };
        }),
      ),
    );
    const ingress = find(withIngress, 'Ingress', 'pembayaran-reverb');
    expect(ingress.metadata.annotations).toMatchObject({ 'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600', 'nginx.ingress.kubernetes.io/proxy-send-timeout': '3600' });
    expect(ingress.spec.rules.map((r: any) => r.host)).toEqual(['pembayaran.example.com', 'api.pembayaran.example.com', 'admin.pembayaran.example.com']);
    expect(ingress.spec.rules[0].http.paths).toEqual([{ path: '/app', pathType: 'Prefix', backend: { service: { name: 'pembayaran-reverb', port: { name: 'http' } } } }]);
  });
});

describe('example reverb: NetworkPolicies', () => {
  test('Reverb joins the Laravel component set: the database, Redis, object storage and internet egress of Laravel', () => {
    for (const name of ['allow-laravel-to-database', 'allow-laravel-to-redis', 'allow-laravel-to-object-storage', 'allow-laravel-to-internet']) {
      expect(policy(name).podSelector.matchExpressions[0].values).toContain('reverb');
    }
  });

  test('only the Gateway proxies and the Laravel pods reach 8080 of Reverb', () => {
    const fromGateway = policy('allow-reverb-from-gateway');
    expect(fromGateway.podSelector.matchLabels['app.kubernetes.io/component']).toBe('reverb');
    expect(fromGateway.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'envoy-gateway-system' });
    expect(fromGateway.ingress[0].ports).toEqual([{ protocol: 'TCP', port: PORTS.reverb }]);
    const fromLaravel = policy('allow-reverb-from-laravel');
    expect(fromLaravel.ingress[0].from[0].podSelector.matchExpressions[0].values).toEqual(expect.arrayContaining(['web', 'worker-default', 'scheduler']));
    expect(policy('allow-laravel-to-reverb').egress[0].ports).toEqual([{ protocol: 'TCP', port: PORTS.reverb }]);
  });
});

describe('reverb config checks', () => {
  const problemsOf = (change: (d: any) => void) => rejectionsOf('config/test.yaml', withChanges('production', change)).map(formatProblem);

  test('fails when a websocket host is not among the edge hosts', () => {
    expect(problemsOf((d) => (d.reverb = { enabled: true, edge: { hostnames: ['ws.pembayaran.example.com'] } }))).toEqual([
      'config/test.yaml: reverb.edge.hostnames[0]: "ws.pembayaran.example.com" is not among the edge\'s hosts (pembayaran.example.com, api.pembayaran.example.com, admin.pembayaran.example.com), whose listeners and certificates serve the websocket route: add it to web.edge.hosts or use one of them',
    ]);
  });

  test('fails when laravel.env sets what the reverb section owns', () => {
    expect(problemsOf((d) => ((d.reverb = { enabled: true }), (d.laravel.env = { REVERB_HOST: 'x' })))).toEqual([
      'config/test.yaml: laravel.env.REVERB_HOST: is set by reverb (the broadcaster publishes to the Reverb Service, the servers scale through Redis): remove it while reverb.enabled is true',
    ]);
  });

  test('off by default: no Reverb object, no broadcaster setting', () => {
    const plain = objectsOf(parseEnvironment('config/production.yaml', withChanges('production', (d) => delete d.reverb)));
    expect(plain.some((o) => o.metadata.name === 'pembayaran-reverb')).toBe(false);
    expect(find(plain, 'ConfigMap', 'pembayaran-laravel').data.BROADCAST_CONNECTION).toBeUndefined();
  });

  test('one replica: no disruption budget (it would block every drain)', () => {
    const single = objectsOf(parseEnvironment('config/production.yaml', withChanges('production', (d) => (d.reverb = { enabled: true, replicas: 1 }))));
    expect(single.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'pembayaran-reverb')).toBe(false);
  });
});


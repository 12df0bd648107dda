import { App, Chart } from 'cdk8s';
import { parseEnvironment } from '../../../lib/config/load';
import { EnvironmentConfig, Peer } from '../../../lib/config/types.generated';
import { PembayaranStack } from '../../../lib/pembayaran-stack';
import { PRIVATE_CIDRS } from '../../../lib/network/network-policies';
import { PORTS } from '../../../lib/core/defaults';
import { OCTANE_PORT } from '../../../lib/laravel/octane-servers';
import { ConnectivityModel, describeVerdict, Endpoint, PodEndpoint, Protocol, Workload } from '../../../tools/connectivity/analyzer';
import { cidrContains, parseCidr, parseIp } from '../../../lib/network/ip';
import { find, K8sObject, objectsOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges, withIngressEdge } from '../../helpers';

const COMPONENT = 'app.kubernetes.io/component';
const METRICS_PORTS: number[] = [PORTS.phpFpmExporter, PORTS.nginxExporter, PORTS.redisExporter];
const PUBLIC_IP = '1.1.1.1';
/** NodeLocal DNSCache's address on every node (EKS, GKE). */
const NODE_LOCAL_DNS = '169.254.20.10';
/** A public address inside the production object store peer (an S3 address). */
const PUBLIC_SAMPLES = ['52.219.0.10', '1.1.1.1'];

function modelOf(config: EnvironmentConfig, objects: readonly K8sObject[]): ConnectivityModel {
  const np = config.networkPolicy;
  const namespaces = new Set([np.ingressController.namespace, 'ingress-nginx', ENVOY_NAMESPACE, 'gateway-system', 'other-tenant', 'kube-system', np.dns.namespace, np.monitoringNamespace, 'monitoring', 'attacker']);
  for (const store of [config.database, config.redis, config.objectStorage]) {
    for (const peer of store.peers) if (peer.namespace) namespaces.add(peer.namespace);
  }
  const model = new ConnectivityModel(objects, { extraNamespaces: [...namespaces].map((name) => ({ name })) });
  expect(model.warnings).toEqual([]);
  return model;
}

/** The environment's workloads, sorted into Laravel pods, FastAPI and the WA gateway. */
function workloadsOf(model: ConnectivityModel, config: EnvironmentConfig) {
  const all = model.workloads().filter((w) => w.namespace === config.namespace);
  const component = (w: Workload) => w.labels[COMPONENT];
  // Reverb runs the application too, and has Laravel's egress.
  const laravelComponents = ['web', ...config.workers.map((p) => `worker-${p.name}`), 'scheduler', 'migration', ...(config.reverb.enabled ? ['reverb'] : [])];
  const laravel = all.filter((w) => laravelComponents.includes(component(w)));
  const one = (c: string) => {
    const found = all.filter((w) => component(w) === c);
    expect(found).toHaveLength(1);
    return found[0];
  };
  // Every workload is accounted for: the matrix below covers them all.
  expect(laravel.map(component).sort()).toEqual([...laravelComponents].sort());
  // Besides Laravel: FastAPI, the WA gateway, the backup CronJob and the queue-depth exporter.
  const others = ['fastapi', 'wa-gateway', ...(config.backup.enabled ? ['backup'] : []), ...(config.backup.enabled && config.backup.restoreCheck.enabled ? ['restore-check'] : []), ...(config.observability.metrics.enabled && config.observability.metrics.queueDepth ? ['queue-metrics'] : [])];
  expect(all.filter((w) => !laravel.includes(w)).map(component).sort()).toEqual(others.sort());
  const reverb = config.reverb.enabled ? one('reverb') : undefined;
  return { all, laravel, web: one('web'), fastapi: one('fastapi'), wa: one('wa-gateway'), reverb, webPort: webPortOf(config) };
}

/** The port the edge reaches the web pods on: nginx's 8080, or Octane's own server. */
function webPortOf(config: EnvironmentConfig): number {
  return config.web.runtime === 'octane' ? OCTANE_PORT : 8080;
}

/** Mismatches between the model and the expectation, each explained; empty when all agree. */
function mismatches(
  model: ConnectivityModel,
  probes: ReadonlyArray<{ from: Endpoint; to: Endpoint; port: number; protocol?: Protocol; expected: boolean }>,
): string[] {
  return probes.flatMap(({ from, to, port, protocol, expected }) => {
    const verdict = model.explain(from, to, port, protocol);
    return verdict.allowed === expected ? [] : [`expected ${expected ? 'ALLOWED' : 'DENIED'}: ${describeVerdict(verdict)}`];
  });
}

/** Pods that must not reach anything in the namespace, whatever they claim to be. */
function strangers(config: EnvironmentConfig, web: Workload): PodEndpoint[] {
  return [
    { name: 'unlabelled pod', namespace: config.namespace, labels: {} },
    {
      name: 'debug pod of the app',
      namespace: config.namespace,
      labels: { 'app.kubernetes.io/name': config.appName, 'app.kubernetes.io/instance': `${config.appName}-${config.name}`, [COMPONENT]: 'debug' },
    },
    { name: 'pod copying the web labels', namespace: 'attacker', labels: { ...web.labels } },
    { name: 'attacker pod', namespace: 'attacker', labels: { app: 'evil' } },
    { name: 'kube-system pod', namespace: 'kube-system', labels: { app: 'something' } },
    { name: 'prometheus', namespace: config.networkPolicy.monitoringNamespace, labels: { 'app.kubernetes.io/name': 'prometheus' } },
  ];
}

/** Envoy Gateway's proxy pods as it labels them (upstream internal/infrastructure/kubernetes/proxy/resource.go), written out. */
const ENVOY_NAMESPACE = 'envoy-gateway-system';
function envoyProxyPod(gateway: { name: string; namespace: string }): PodEndpoint {
  return {
    name: `envoy proxy of Gateway ${gateway.namespace}/${gateway.name}`,
    namespace: ENVOY_NAMESPACE,
    labels: {
      'app.kubernetes.io/name': 'envoy',
      'app.kubernetes.io/component': 'proxy',
      'app.kubernetes.io/managed-by': 'envoy-gateway',
      'gateway.envoyproxy.io/owning-gateway-name': gateway.name,
      'gateway.envoyproxy.io/owning-gateway-namespace': gateway.namespace,
      'pod-template-hash': '5d8f7c9b4',
    },
  };
}

/** The Gateways the environment's routes attach to. */
function gatewaysOf(config: EnvironmentConfig): { name: string; namespace: string }[] {
  const gateway = config.web.edge.gateway;
  if (gateway.create) return [{ name: `${config.appName}-gateway`, namespace: config.namespace }];
  const refs = gateway.parentRefs.map((p) => ({ name: p.name, namespace: p.namespace ?? config.namespace }));
  return refs.filter((r, i) => refs.findIndex((o) => o.name === r.name && o.namespace === r.namespace) === i);
}

function ingressControllerPod(config: EnvironmentConfig): PodEndpoint {
  const ic = config.networkPolicy.ingressController;
  return { name: 'ingress controller', namespace: ic.namespace, labels: { 'app.kubernetes.io/name': 'ingress-nginx', ...ic.podLabels } };
}

/** The pods that carry the public traffic for this environment's edge kind. */
function edgePods(config: EnvironmentConfig): PodEndpoint[] {
  return config.web.edge.kind === 'ingress' ? [ingressControllerPod(config)] : gatewaysOf(config).map(envoyProxyPod);
}

/** Edge-like pods that must not reach the web pods: the other kind's, another tenant's proxies, the controller. */
function edgeImpostors(config: EnvironmentConfig): PodEndpoint[] {
  const otherKind = config.web.edge.kind === 'ingress' ? [envoyProxyPod({ name: `${config.appName}-gateway`, namespace: config.namespace })] : [ingressControllerPod(config)];
  return [
    ...otherKind,
    envoyProxyPod({ name: 'public', namespace: 'other-tenant' }),
    { name: 'Envoy Gateway controller', namespace: ENVOY_NAMESPACE, labels: { 'app.kubernetes.io/name': 'gateway-helm', 'control-plane': 'envoy-gateway' } },
  ];
}

/** cert-manager's HTTP-01 solver pod as cert-manager creates it in the namespace (it is not in the manifests). */
function solverPod(config: EnvironmentConfig): PodEndpoint {
  return {
    name: 'cert-manager HTTP-01 solver',
    namespace: config.namespace,
    labels: { 'acme.cert-manager.io/http01-solver': 'true', 'acme.cert-manager.io/http-domain': '1234', 'acme.cert-manager.io/http-token': '5678' },
    ports: [{ name: 'http', containerPort: 8089, protocol: 'TCP' }],
  };
}

/** Whether cert-manager proves this environment's certificates in its namespace over HTTP-01. */
function solvesHttp01Here(config: EnvironmentConfig): boolean {
  return config.web.edge.tls.acmeChallenge === 'http01' && (config.web.edge.kind === 'ingress' || config.web.edge.gateway.create);
}

/**
 * The full ingress matrix: every source (workloads, strangers, the ingress controller, an external address)
 * against every declared container port of every workload.
 */
function ingressMismatches(config: EnvironmentConfig, objects: readonly K8sObject[]): string[] {
  // Someone else's policy opening all egress of their pod in our namespace: the ingress side alone must stop it.
  const rogueEgress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'rogue-allow-all-egress', namespace: config.namespace },
    spec: { podSelector: { matchLabels: { rogue: 'true' } }, policyTypes: ['Egress'], egress: [{}] },
  };
  const model = modelOf(config, [...objects, rogueEgress]);
  const { all, laravel, web, fastapi, wa, reverb, webPort } = workloadsOf(model, config);
  const edge = edgePods(config);
  const rogue: PodEndpoint = { name: 'rogue pod with open egress', namespace: config.namespace, labels: { rogue: 'true' } };
  const sources: Endpoint[] = [...all, ...strangers(config, web), rogue, ...edge, ...edgeImpostors(config), { name: 'external', ip: '203.0.113.10' }];
  const expected = (from: Endpoint, to: Workload, port: number) => {
    if (to === fastapi && port === 8001) return laravel.includes(from as Workload);
    if (to === wa && port === 3001) return from === fastapi || (config.waGateway.allowFromLaravel && laravel.includes(from as Workload));
    if (to === web && port === webPort) return edge.includes(from as PodEndpoint);
    // Websockets from the edge; Laravel publishes its broadcasts to Reverb's HTTP API on the same port.
    if (to === reverb && port === 8080) return edge.includes(from as PodEndpoint) || laravel.includes(from as Workload);
    // Metrics ports (exporter sidecars, the queue-depth exporter): Prometheus's namespace only.
    if (METRICS_PORTS.includes(port)) return (from as PodEndpoint).namespace === config.networkPolicy.monitoringNamespace;
    return false;
  };
  const probes = sources.flatMap((from) =>
    all.flatMap((to) => to.ports.filter(() => from !== to).map((p) => ({ from, to, port: p.containerPort, protocol: p.protocol, expected: expected(from, to, p.containerPort) }))),
  );
  // The ports that matter are really declared, so the matrix above is not vacuous.
  expect(fastapi.ports.map((p) => p.containerPort)).toEqual([8001]);
  expect(wa.ports.map((p) => p.containerPort)).toEqual([3001]);
  // 8082 is the kubelet's readiness port (node-local traffic); no policy admits it. php-fpm (9000) declares no port: it listens on loopback.
  // Octane's pod is its one server: no nginx, no php-fpm, no exporter sidecars.
  const webPorts = config.web.runtime === 'octane' ? [webPort] : config.observability.metrics.enabled ? [8080, 8082, 9113, 9253] : [8080, 8082];
  expect(web.ports.map((p) => p.containerPort).sort()).toEqual(webPorts);
  if (reverb) expect(reverb.ports.map((p) => p.containerPort)).toEqual([8080]);
  return mismatches(model, probes);
}

/**
 * Which workloads each data store admits: Laravel pods, plus the backup job, the queue-depth exporter, and
 * the restore check, which reaches the object store only (its database is a socket in its own pod).
 */
function dataStoreClients(store: 'database' | 'redis' | 'objectStorage', laravel: readonly Workload[], all: readonly Workload[]): Workload[] {
  const extra = { database: ['backup'], redis: ['queue-metrics'], objectStorage: ['backup', 'restore-check'] }[store];
  return [...laravel, ...all.filter((w) => extra.includes(w.labels[COMPONENT]))];
}

/** Whether an object-storage peer (a CIDR, such as public S3) opens this address and port to the workload. */
function viaObjectStorage(config: EnvironmentConfig, clients: readonly Workload[], from: Workload, ip: string, port: number): boolean {
  if (!clients.includes(from) || port !== config.objectStorage.port) return false;
  return config.objectStorage.peers.some(
    (peer) => peer.cidr !== undefined && cidrContains(parseCidr(peer.cidr)!, parseIp(ip)!) && !(peer.except ?? []).some((e) => cidrContains(parseCidr(e)!, parseIp(ip)!)),
  );
}

function internetConfigured(config: EnvironmentConfig, laravel: readonly Workload[], fastapi: Workload, wa: Workload, from: Workload): boolean {
  const ie = config.networkPolicy.internetEgress;
  return (laravel.includes(from) && ie.laravel) || (from === fastapi && ie.fastapi) || (from === wa && ie.waGateway);
}

/** An address a cidr peer covers (outside its excepts): what the data store would answer on. */
function sampleIp(peer: Peer): string {
  const cidr = parseCidr(peer.cidr!)!;
  const base = Number(cidr.network);
  // Inside a small block, its tenth address; inside a huge one (0.0.0.0/0), a real public address.
  const inBlock = cidr.prefix >= 8 ? [[base >>> 24, (base >>> 16) & 255, (base >>> 8) & 255, (base & 255) + 10].join('.')] : [];
  const candidates = [...inBlock, ...PUBLIC_SAMPLES];
  const ip = candidates.find((c) => cidrContains(cidr, parseIp(c)!) && !(peer.except ?? []).some((e) => cidrContains(parseCidr(e)!, parseIp(c)!)));
  if (!ip) throw new Error(`no sample address for ${JSON.stringify(peer)}`);
  return ip;
}

function isPrivate(ip: string): boolean {
  return PRIVATE_CIDRS.some((c) => cidrContains(parseCidr(c)!, parseIp(ip)!));
}

/** Every shipped environment with each edge kind: as shipped (Gateway API) and switched to an Ingress. */
const EDGE_CASES = SHIPPED_ENVIRONMENTS.flatMap((env) => [
  { env, kind: 'gateway' as const },
  { env, kind: 'ingress' as const },
]);

describe.each(EDGE_CASES)('NetworkPolicies of $env with the $kind edge', ({ env, kind }) => {
  const config = kind === 'gateway' ? shippedConfig(env) : withIngressEdge(env);
  const objects = kind === 'gateway' ? shippedObjects(env) : objectsOf(config);
  const model = modelOf(config, objects);
  const { all, laravel, fastapi, wa, web, webPort } = workloadsOf(model, config);

  test('the config is the edge kind under test', () => {
    expect(config.web.edge.kind).toBe(kind);
    expect(objects.some((o) => o.kind === (kind === 'gateway' ? 'HTTPRoute' : 'Ingress'))).toBe(true);
    expect(objects.some((o) => o.kind === (kind === 'gateway' ? 'Ingress' : 'HTTPRoute'))).toBe(false);
  });

  test('the full ingress matrix: only Laravel reaches 8001, only FastAPI reaches 3001, only the edge reaches web:8080', () => {
    expect(ingressMismatches(config, objects)).toEqual([]);
    // Spelled out for the reader, beyond the matrix.
    for (const pod of edgePods(config)) {
      expect(model.canReach(pod, web, webPort)).toBe(true);
      expect(model.canReach(pod, web, 9000)).toBe(false);
      expect(model.canReach(pod, web, 8082)).toBe(false);
      expect(model.canReach(pod, fastapi, 8001)).toBe(false);
      expect(model.canReach(pod, wa, 3001)).toBe(false);
    }
    for (const impostor of edgeImpostors(config)) {
      expect({ impostor: impostor.name, allowed: model.canReach(impostor, web, webPort) }).toEqual({ impostor: impostor.name, allowed: false });
    }
    for (const l of laravel) expect({ from: l.name, allowed: model.canReach(l, wa, 3001) }).toEqual({ from: l.name, allowed: config.waGateway.allowFromLaravel });
  });

  test("cert-manager's HTTP-01 solver is reachable from the edge on 8089 exactly when the certificates are proved here", () => {
    const solver = solverPod(config);
    const expected = solvesHttp01Here(config);
    const probes = [
      ...edgePods(config).flatMap((from) => [
        { from, to: solver, port: 8089, expected },
        { from, to: solver, port: 8080, expected: false },
      ]),
      ...[...all, ...strangers(config, web), ...edgeImpostors(config)].map((from) => ({ from, to: solver, port: 8089, expected: false })),
      { from: { name: 'external', ip: '203.0.113.10' }, to: solver, port: 8089, expected: false },
    ];
    expect(mismatches(model, probes)).toEqual([]);
    // The shipped choices: staging owns its Gateway (solver here); production's platform Gateway holds its certificates.
    if (kind === 'gateway') expect(expected).toBe(env === 'staging');
    else expect(expected).toBe(true);
  });

  test('with acmeChallenge dns01 no solver is admitted', () => {
    const dns01 = (d: any) => (d.web.edge.tls = { ...d.web.edge.tls, acmeChallenge: 'dns01' });
    const changed = kind === 'gateway' ? parseEnvironment(`config/${env}.yaml`, withChanges(env, dns01)) : withIngressEdge(env, dns01);
    const changedObjects = objectsOf(changed);
    const m = modelOf(changed, changedObjects);
    for (const pod of edgePods(changed)) expect(m.canReach(pod, solverPod(changed), 8089)).toBe(false);
    expect(changedObjects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.includes('acme')).map((o) => o.metadata.name)).toEqual([]);
  });

  test('every workload, and any pod of the namespace, resolves names through the cluster DNS only (UDP and TCP 53)', () => {
    const dns = { name: 'cluster DNS', namespace: config.networkPolicy.dns.namespace, labels: { ...config.networkPolicy.dns.podLabels } };
    const otherSystemPod = { name: 'other kube-system pod', namespace: 'kube-system', labels: { 'k8s-app': 'metrics-server' } };
    const unlabelled = { name: 'unlabelled pod', namespace: config.namespace, labels: {} };
    const nodeLocal = config.networkPolicy.dns.ipBlocks.includes(`${NODE_LOCAL_DNS}/32`);
    // production and the sandbox run NodeLocal DNSCache; staging does not.
    expect(nodeLocal).toBe(env !== 'staging');
    const probes = [...all, unlabelled].flatMap((from) => [
      { from, to: dns, port: 53, protocol: 'UDP' as const, expected: true },
      { from, to: dns, port: 53, protocol: 'TCP' as const, expected: true },
      { from, to: dns, port: 9153, expected: false },
      { from, to: otherSystemPod, port: 53, protocol: 'UDP' as const, expected: false },
      { from, to: { ip: '8.8.8.8' }, port: 53, protocol: 'UDP' as const, expected: false },
      // NodeLocal DNSCache's link-local address, open on 53 only where the config lists it; the metadata endpoint never.
      { from, to: { ip: NODE_LOCAL_DNS }, port: 53, protocol: 'UDP' as const, expected: nodeLocal },
      { from, to: { ip: NODE_LOCAL_DNS }, port: 53, protocol: 'TCP' as const, expected: nodeLocal },
      { from, to: { ip: NODE_LOCAL_DNS }, port: 80, expected: false },
      { from, to: { ip: '169.254.169.254' }, port: 53, protocol: 'UDP' as const, expected: false },
    ]);
    expect(mismatches(model, probes)).toEqual([]);
  });

  test('HTTPS to the internet only from the configured pods; private ranges and other ports stay closed', () => {
    const ie = config.networkPolicy.internetEgress;
    expect(ie.allowedPrivateCidrs).toEqual([]);
    const storageClients = dataStoreClients('objectStorage', laravel, all);
    const probes = all.flatMap((from) => [
      {
        from,
        to: { ip: PUBLIC_IP },
        port: 443,
        expected: internetConfigured(config, laravel, fastapi, wa, from) || viaObjectStorage(config, storageClients, from, PUBLIC_IP, 443),
      },
      { from, to: { ip: PUBLIC_IP }, port: 80, expected: false },
      { from, to: { ip: PUBLIC_IP }, port: 8443, expected: false },
      { from, to: { ip: '10.1.2.3' }, port: 443, expected: false },
      { from, to: { ip: '172.16.5.5' }, port: 443, expected: false },
      { from, to: { ip: '192.168.1.1' }, port: 443, expected: false },
      { from, to: { ip: '100.64.0.1' }, port: 443, expected: false },
      { from, to: { ip: '169.254.169.254' }, port: 443, expected: false },
      { from, to: { ip: '169.254.169.254' }, port: 80, expected: false },
      // A pod of another namespace is not "the internet".
      { from, to: { namespace: 'attacker', labels: {} }, port: 443, expected: false },
    ]);
    expect(mismatches(model, probes)).toEqual([]);
    // The shipped configs: Laravel and the WA gateway call out, FastAPI does not.
    expect(laravel.every((w) => model.canReach(w, { ip: PUBLIC_IP }, 443))).toBe(ie.laravel);
    expect(model.canReach(wa, { ip: PUBLIC_IP }, 443)).toBe(ie.waGateway);
    expect(model.canReach(fastapi, { ip: PUBLIC_IP }, 443)).toBe(ie.fastapi);
  });

  test('the database, Redis and the object store are reachable from Laravel pods (and the backup job or the queue exporter) only, each on its own port', () => {
    const defaultDbPort = config.database.connection === 'mysql' ? 3306 : 5432;
    const stores = [
      { name: 'database' as const, port: config.database.port ?? defaultDbPort, peers: config.database.peers },
      { name: 'redis' as const, port: config.redis.port, peers: config.redis.peers },
      { name: 'objectStorage' as const, port: config.objectStorage.port, peers: config.objectStorage.peers },
    ];
    const probes = stores.flatMap((store) =>
      store.peers.flatMap((peer) => {
        const to: Endpoint = peer.cidr
          ? { name: `${store.name} ${sampleIp(peer)}`, ip: sampleIp(peer) }
          : { name: store.name, namespace: peer.namespace!, labels: { ...peer.podLabels } };
        const viaInternet = (from: Workload, port: number) =>
          'ip' in to && !('namespace' in to) && port === 443 && !isPrivate(to.ip!) && internetConfigured(config, laravel, fastapi, wa, from);
        const neighbour: Endpoint | undefined = peer.namespace ? { name: `other pod in ${peer.namespace}`, namespace: peer.namespace, labels: { app: 'other' } } : undefined;
        return all.flatMap((from) => [
          { from, to, port: store.port, expected: dataStoreClients(store.name, laravel, all).includes(from) || viaInternet(from, store.port) },
          { from, to, port: 22, expected: false },
          { from, to, port: store.port + 1, expected: viaInternet(from, store.port + 1) },
          ...(neighbour && Object.keys(peer.podLabels ?? {}).length > 0 ? [{ from, to: neighbour, port: store.port, expected: false }] : []),
        ]);
      }),
    );
    expect(mismatches(model, probes)).toEqual([]);
  });

  test('policies: default deny of everything, names <app>-<purpose>, FOUNDATION wave, network-policy component', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    const deny = find(objects, 'NetworkPolicy', `${config.appName}-default-deny`);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    for (const p of policies) {
      expect(p.metadata.name).toMatch(new RegExp(`^${config.appName}-(default-deny|allow-[a-z0-9-]+)$`));
      expect(p.metadata.namespace).toBe(config.namespace);
      expect(p.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
      expect(p.metadata.labels[COMPONENT]).toBe('network-policy');
      // No rule with an empty peer or port list, which would mean "anything".
      for (const rule of [...(p.spec.ingress ?? []), ...(p.spec.egress ?? [])]) {
        expect((rule.from ?? rule.to ?? []).length).toBeGreaterThan(0);
        expect((rule.ports ?? []).length).toBeGreaterThan(0);
      }
    }
    // Scrape rules exist exactly when metrics do; the matrix above proves they admit the monitoring namespace only.
    const scrapeRules = policies.map((p) => p.metadata.name).filter((n) => n.includes('from-monitoring'));
    expect(scrapeRules.length > 0).toBe(config.observability.metrics.enabled);
  });
});

describe('NetworkPolicies options', () => {
  test('waGateway.allowFromLaravel opens 3001 to the Laravel pods, and to nothing else', () => {
    for (const env of SHIPPED_ENVIRONMENTS) {
      const config = parseEnvironment(`config/${env}.yaml`, withChanges(env, (d) => (d.waGateway.allowFromLaravel = true)));
      expect(config.waGateway.allowFromLaravel).toBe(true);
      expect(ingressMismatches(config, objectsOf(config))).toEqual([]);
    }
  });

  test('ingress edge: a pod in the controller namespace without the controller labels is denied when podLabels are configured', () => {
    const changed = withIngressEdge('production', (d) => {
      d.networkPolicy = { ...d.networkPolicy, ingressController: { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/component': 'controller' } } };
    });
    const m = modelOf(changed, objectsOf(changed));
    const w = workloadsOf(m, changed);
    const why = (from: Endpoint) => describeVerdict(m.explain(from, w.web, 8080));
    const controller = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/component': 'controller' } };
    const admissionWebhook = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/component': 'admission-webhook' } };
    expect(m.canReach(controller, w.web, 8080)).toBe(true);
    expect({ allowed: m.canReach(admissionWebhook, w.web, 8080), why: why(admissionWebhook) }).toMatchObject({ allowed: false });
    expect(ingressMismatches(changed, objectsOf(changed))).toEqual([]);
  });

  test("gateway edge: networkPolicy.gatewayDataPlane replaces the implementation's proxy namespace and labels", () => {
    // e.g. Envoy Gateway with merged Gateways: the proxies carry the GatewayClass label, not the Gateway's.
    const changed = parseEnvironment('config/production.yaml', withChanges('production', (d) => {
      d.networkPolicy = { ...d.networkPolicy, gatewayDataPlane: { namespace: 'edge-proxies', podLabels: { 'gateway.envoyproxy.io/owning-gatewayclass': 'eg' } } };
    }));
    const m = new ConnectivityModel(objectsOf(changed), { extraNamespaces: [{ name: 'edge-proxies' }, { name: ENVOY_NAMESPACE }] });
    const web = m.workloads().find((w) => w.labels[COMPONENT] === 'web')!;
    expect(m.canReach({ namespace: 'edge-proxies', labels: { 'gateway.envoyproxy.io/owning-gatewayclass': 'eg' } }, web, 8080)).toBe(true);
    expect(m.canReach({ namespace: 'edge-proxies', labels: {} }, web, 8080)).toBe(false);
    expect(m.canReach(envoyProxyPod({ name: 'public', namespace: 'gateway-system' }), web, 8080)).toBe(false);
  });

  test('gateway edge: the proxies of every Gateway the routes attach to are admitted, and only those', () => {
    const changed = parseEnvironment('config/production.yaml', withChanges('production', (d) => {
      d.web.edge.gateway.parentRefs = [
        { name: 'public', namespace: 'gateway-system', sectionName: 'https' },
        { name: 'internal', namespace: 'gateway-system', sectionName: 'https' },
      ];
    }));
    const m = modelOf(changed, objectsOf(changed));
    const web = workloadsOf(m, changed).web;
    expect(edgePods(changed)).toHaveLength(2);
    for (const pod of edgePods(changed)) expect(m.canReach(pod, web, 8080)).toBe(true);
    expect(ingressMismatches(changed, objectsOf(changed))).toEqual([]);
  });

  test('internetEgress decides which pods call out; allowedPrivateCidrs reopens only the listed private ranges', () => {
    const config = parseEnvironment('config/staging.yaml', withChanges('staging', (d) => {
      d.networkPolicy = { internetEgress: { laravel: false, waGateway: false, fastapi: true, allowedPrivateCidrs: ['10.50.0.0/16'] } };
    }));
    const model = modelOf(config, objectsOf(config));
    const { all, fastapi } = workloadsOf(model, config);
    const probes = all.flatMap((from) => [
      { from, to: { ip: PUBLIC_IP }, port: 443, expected: from === fastapi },
      { from, to: { ip: '10.50.3.4' }, port: 443, expected: from === fastapi },
      { from, to: { ip: '10.50.3.4' }, port: 80, expected: false },
      { from, to: { ip: '10.51.0.1' }, port: 443, expected: false },
      { from, to: { ip: '169.254.169.254' }, port: 443, expected: false },
    ]);
    expect(mismatches(model, probes)).toEqual([]);
  });

  test('a worker pool added after the stack is built is a Laravel pod for every policy', () => {
    const config = shippedConfig('staging');
    const objects = objectsOf(config, (app: App) => {
      const stack = (app.node.findChild(config.name) as Chart).node.findChild('Pembayaran') as PembayaranStack;
      stack.addWorkerPool({ ...config.workers[0], name: 'reports', queues: ['reports'] });
    });
    const model = modelOf(config, objects);
    const reports = model.workloads().find((w) => w.labels[COMPONENT] === 'worker-reports')!;
    const fastapi = model.workloads().find((w) => w.labels[COMPONENT] === 'fastapi')!;
    expect(describeVerdict(model.explain(reports, fastapi, 8001))).toMatch(/ALLOWED/);
    expect(model.canReach(reports, { namespace: 'databases', labels: { 'app.kubernetes.io/name': 'postgresql' } }, 5432)).toBe(true);
  });

  test('extension methods: metrics scrape from the monitoring namespace, data store egress for a backup job, raw allows', () => {
    const config = shippedConfig('production');
    const objects = objectsOf(config, (app: App) => {
      const stack = (app.node.findChild(config.name) as Chart).node.findChild('Pembayaran') as PembayaranStack;
      const np = stack.networkPolicies;
      np.allowMetricsScrape('web', [9253]);
      np.allowMetricsScrape('web', [9113, 9253]);
      np.allowDataStoreEgress('reports-export', np.componentSelector('reports-export'), 'database');
      np.allowEgress('laravel-to-smtp', { pods: np.laravelSelector, to: [{ ipBlock: { cidr: '203.0.113.25/32' } }], ports: [{ port: 587 }] });
      expect(() => np.allowEgress('anything', { pods: {}, to: [], ports: [{ port: 1 }] })).toThrow(/no to/);
      expect(() => np.allowIngress('anything', { pods: {}, from: [{ podSelector: {} }], ports: [] })).toThrow(/no ports/);
      expect(() => np.allowEgress('laravel-to-smtp', { pods: {}, to: [{ podSelector: {} }], ports: [{ port: 1 }] })).toThrow(/already exists/);
    });
    const scrape = find(objects, 'NetworkPolicy', 'pembayaran-allow-web-from-monitoring');
    expect(scrape.spec.ingress[0].ports).toEqual([
      { port: 9113, protocol: 'TCP' },
      { port: 9253, protocol: 'TCP' },
    ]);
    const model = modelOf(config, objects);
    const web = model.workloads().find((w) => w.labels[COMPONENT] === 'web')!;
    const worker = model.workloads().find((w) => w.labels[COMPONENT] === 'worker-default')!;
    const prometheus = { namespace: 'monitoring', labels: {} };
    expect(model.canReach(prometheus, web, 9253)).toBe(true);
    expect(model.canReach(prometheus, web, 9113)).toBe(true);
    expect(model.canReach(prometheus, web, 8080)).toBe(false);
    expect(model.canReach(prometheus, worker, 9253)).toBe(false);
    expect(model.canReach({ namespace: 'attacker', labels: {} }, web, 9253)).toBe(false);
    const exporter = { namespace: config.namespace, labels: { ...web.labels, [COMPONENT]: 'reports-export' } };
    expect(model.canReach(exporter, { ip: '10.20.0.10' }, 3306)).toBe(true);
    expect(model.canReach(exporter, { ip: '10.20.1.10' }, 6379)).toBe(false);
    expect(model.canReach(web, { ip: '203.0.113.25' }, 587)).toBe(true);
    expect(model.canReach(fastapiOf(model), { ip: '203.0.113.25' }, 587)).toBe(false);
  });
});

function fastapiOf(model: ConnectivityModel): Workload {
  return model.workloads().find((w) => w.labels[COMPONENT] === 'fastapi')!;
}

import { ACME_HTTP01_SOLVER } from '../../lib/edge/edge-routes';
import { ENVOY_GATEWAY_NAMESPACE, envoyProxyLabels } from '../../lib/edge/envoy-gateway';
import type { KubeObject } from '../k8s/manifests';
import { ConnectivityModel, Endpoint, PodEndpoint, Protocol } from './analyzer';

export interface ReportOptions {
  /** Namespace of the hypothetical ingress controller pod. */
  readonly ingressNamespace: string;
  /** Namespace of the hypothetical Gateway proxy pods (Envoy Gateway's labels). @default 'envoy-gateway-system' */
  readonly gatewayNamespace?: string;
  /** The manifests, to find the edge (Ingresses, HTTPRoutes and their Gateways). @default - an ingress controller row only */
  readonly objects?: readonly KubeObject[];
  /** Namespace of the hypothetical Prometheus pod that scrapes metrics ports. @default 'monitoring' */
  readonly monitoringNamespace?: string;
  /** Extra egress targets besides DNS and the default external addresses. */
  readonly egressTargets?: readonly EgressTarget[];
}

export interface EgressTarget {
  readonly ip: string;
  readonly port: number;
  readonly protocol: Protocol;
}

const ALLOWED = '✓';
const DENIED = '·';

/** The defaults: a public address and a private (VPC-range) one, both on HTTPS. */
export const DEFAULT_EGRESS_TARGETS: readonly EgressTarget[] = [
  { ip: '1.1.1.1', port: 443, protocol: 'TCP' },
  { ip: '10.0.0.1', port: 443, protocol: 'TCP' },
];

/** Stand-in for CoreDNS/kube-dns as its usual manifests label it and name its ports. */
const KUBE_DNS: PodEndpoint = {
  name: 'kube-dns',
  namespace: 'kube-system',
  labels: { 'k8s-app': 'kube-dns' },
  ports: [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
    { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
  ],
};

/** NodeLocal DNSCache's address on every node (EKS, GKE): pods that use it resolve through it, not kube-dns. */
export const NODE_LOCAL_DNS = '169.254.20.10';

interface Probe {
  readonly label: string;
  readonly endpoint: Endpoint;
}

/**
 * The pods that bring public traffic in, as the manifests' edge implies: the ingress controller for
 * Ingresses (or when the manifests have no edge), and for HTTPRoutes the proxies of each Gateway they attach
 * to, labelled as Envoy Gateway labels them.
 */
export function edgeProbes(objects: readonly KubeObject[], options: ReportOptions): Probe[] {
  const gateways = new Map<string, { name: string; namespace: string }>();
  let ingresses = false;
  for (const o of objects) {
    if (!o || typeof o !== 'object') continue;
    if (o.kind === 'Ingress' && String(o.apiVersion).startsWith('networking.k8s.io/')) ingresses = true;
    if (o.kind !== 'HTTPRoute' || !String(o.apiVersion).startsWith('gateway.networking.k8s.io/')) continue;
    for (const ref of Array.isArray(o.spec?.parentRefs) ? o.spec.parentRefs : []) {
      if ((ref?.kind ?? 'Gateway') !== 'Gateway' || typeof ref?.name !== 'string') continue;
      const gateway = { name: ref.name, namespace: ref.namespace ?? o.metadata?.namespace ?? 'default' };
      gateways.set(`${gateway.namespace}/${gateway.name}`, gateway);
    }
  }
  const probes: Probe[] = [];
  if (ingresses || gateways.size === 0) {
    probes.push({
      label: `ingress controller (${options.ingressNamespace})`,
      endpoint: { namespace: options.ingressNamespace, labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } },
    });
  }
  const proxyNamespace = options.gatewayNamespace ?? ENVOY_GATEWAY_NAMESPACE;
  for (const key of [...gateways.keys()].sort()) {
    probes.push({ label: `gateway proxy of ${key} (${proxyNamespace})`, endpoint: { namespace: proxyNamespace, labels: envoyProxyLabels(gateways.get(key)!) } });
  }
  return probes;
}

/** cert-manager's HTTP-01 solver pod in a namespace, as cert-manager creates it during an issuance. */
export function acmeSolver(namespace: string): PodEndpoint {
  return {
    name: 'cert-manager HTTP-01 solver',
    namespace,
    labels: { [ACME_HTTP01_SOLVER.label]: ACME_HTTP01_SOLVER.value },
    ports: [{ name: 'http', containerPort: ACME_HTTP01_SOLVER.port, protocol: 'TCP' }],
  };
}

/** The hypothetical sources that show who besides the workloads gets in. */
export function probeSources(model: ConnectivityModel, options: ReportOptions): Probe[] {
  const workloads = model.workloads();
  const appNamespaces = [...new Set(workloads.map((w) => w.namespace))];
  let other = 'another-namespace';
  while (appNamespaces.includes(other)) other += '-x';
  return [
    ...appNamespaces.map((ns) => ({ label: `unlabelled pod in ${ns}`, endpoint: { namespace: ns, labels: {} } })),
    { label: `pod in ${other}`, endpoint: { namespace: other, labels: {} } },
    ...edgeProbes(options.objects ?? [], options),
    {
      label: `prometheus (${options.monitoringNamespace ?? 'monitoring'})`,
      endpoint: { namespace: options.monitoringNamespace ?? 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } },
    },
    { label: 'external 203.0.113.10', endpoint: { ip: '203.0.113.10' } },
    { label: 'external 10.0.0.1 (private)', endpoint: { ip: '10.0.0.1' } },
  ];
}

/** The full text report: the ingress matrix, the egress table, then warnings. */
export function renderReport(model: ConnectivityModel, source: string, options: ReportOptions): string {
  const workloads = model.workloads();
  const showNamespace = new Set(workloads.map((w) => w.namespace)).size > 1;
  const workloadLabel = (w: PodEndpoint) => (showNamespace ? `${w.namespace}/${w.name}` : w.name ?? '');
  const lines: string[] = [];
  const namespaces = [...new Set(workloads.map((w) => w.namespace))].join(', ') || '(none)';
  lines.push(`Connectivity of ${source}: ${workloads.length} workloads in ${namespaces}; ${model.policyIds().length} NetworkPolicies`);
  lines.push(`${ALLOWED} = allowed, ${DENIED} = denied`);
  lines.push('');

  const sources: Probe[] = [
    ...workloads.map((w) => ({ label: workloadLabel(w), endpoint: w as Endpoint })),
    ...probeSources(model, options),
  ];
  // Besides the workloads: the pod cert-manager starts to prove a domain over HTTP-01 (not in the manifests).
  const solvers = [...new Set(workloads.map((w) => w.namespace))].map((ns) => ({ ...acmeSolver(ns), name: `cert-manager HTTP-01 solver (hypothetical)` }));
  const destinations = [...workloads, ...solvers].flatMap((w) =>
    (w.ports ?? []).map((p) => ({ workload: w, port: p.containerPort, protocol: p.protocol, name: p.name })),
  );
  lines.push('Ingress: who can connect to each declared container port');
  if (destinations.length === 0) {
    lines.push('  (no workload declares a container port)');
  } else {
    destinations.forEach((d, i) =>
      lines.push(`  [${i + 1}] ${workloadLabel(d.workload)}:${d.port}/${d.protocol}${d.name ? ` (${d.name})` : ''}`),
    );
    lines.push('');
    const headers = destinations.map((_, i) => `[${i + 1}]`);
    const cells = sources.map((s) => destinations.map((d) => mark(model.canReach(s.endpoint, d.workload, d.port, d.protocol))));
    lines.push(
      ...table(
        'source',
        sources.map((s) => s.label),
        headers,
        cells,
      ),
    );
  }
  lines.push('');

  const targets: { header: string; endpoint: Endpoint; port: number; protocol: Protocol }[] = [
    { header: 'DNS 53/UDP', endpoint: KUBE_DNS, port: 53, protocol: 'UDP' },
    { header: 'DNS 53/TCP', endpoint: KUBE_DNS, port: 53, protocol: 'TCP' },
    { header: 'NodeLocal DNS 53/UDP', endpoint: { ip: NODE_LOCAL_DNS }, port: 53, protocol: 'UDP' },
    ...[...DEFAULT_EGRESS_TARGETS, ...(options.egressTargets ?? [])].map((t) => ({
      header: `${t.ip}:${t.port}${t.protocol === 'TCP' ? '' : `/${t.protocol}`}`,
      endpoint: { ip: t.ip },
      port: t.port,
      protocol: t.protocol,
    })),
  ];
  lines.push(`Egress: what each workload can connect to (DNS = kube-system pod k8s-app=kube-dns; NodeLocal DNS = ${NODE_LOCAL_DNS} on the node)`);
  if (workloads.length === 0) {
    lines.push('  (no workloads)');
  } else {
    const cells = workloads.map((w) => targets.map((t) => mark(model.canReach(w, t.endpoint, t.port, t.protocol))));
    lines.push(
      ...table(
        'source',
        workloads.map(workloadLabel),
        targets.map((t) => t.header),
        cells,
      ),
    );
  }
  lines.push('');
  lines.push('Note: ipBlock rules are matched only against the external rows and columns; whether they');
  lines.push('also match pod IPs depends on the network plugin. Node-local traffic (probes) is always allowed.');

  if (model.warnings.length > 0) {
    lines.push('');
    lines.push('Warnings:');
    lines.push(...model.warnings.map((w) => `  ${w}`));
  }
  return lines.join('\n') + '\n';
}

function mark(allowed: boolean): string {
  return allowed ? ALLOWED : DENIED;
}

/** Left-aligned row labels, each column as wide as its header with the mark centred. */
function table(corner: string, rows: readonly string[], headers: readonly string[], cells: readonly string[][]): string[] {
  const labelWidth = Math.max(corner.length, ...rows.map((r) => r.length));
  const center = (text: string, width: number) => {
    const left = Math.floor((width - text.length) / 2);
    return ' '.repeat(left) + text + ' '.repeat(width - text.length - left);
  };
  const out = [`  ${corner.padEnd(labelWidth)}  ${headers.join('  ')}`.trimEnd()];
  rows.forEach((row, i) => {
    out.push(`  ${row.padEnd(labelWidth)}  ${cells[i].map((c, j) => center(c, headers[j].length)).join('  ')}`.trimEnd());
  });
  return out;
}

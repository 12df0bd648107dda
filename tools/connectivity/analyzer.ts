import type { KubeObject } from '../k8s/manifests';
import { podTemplateOf } from '../k8s/workloads';
import { LabelSelector, matchesLabelSelector } from '../k8s/selectors';
import { Cidr, cidrContains, parseCidr, parseIp } from '../../lib/network/ip';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type Labels = Readonly<Record<string, string>>;

/** The label Kubernetes puts on every namespace, so policies can select a namespace by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

/** A pod: a workload's pod template or a hypothetical pod (`{ namespace, labels }`). */
export interface PodEndpoint {
  /** Shown in reports; workloads use `<Kind>/<name>`. */
  readonly name?: string;
  readonly namespace: string;
  readonly labels?: Labels;
  /** Needed only to resolve named ports when this pod is a destination. */
  readonly ports?: readonly ContainerPort[];
  /**
   * A pod IP. Only then can `ipBlock` peers match the pod: Kubernetes leaves it to the network
   * plugin whether ipBlocks apply to pod IPs, so the model does not assume it by default.
   */
  readonly ip?: string;
}

/** An address outside the cluster: only the pod-side policy applies to it. */
export interface ExternalEndpoint {
  readonly name?: string;
  readonly ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

/** A pod template found in the manifests. */
export interface Workload extends PodEndpoint {
  readonly name: string;
  readonly kind: string;
  readonly labels: Labels;
  readonly ports: readonly ContainerPort[];
}

export interface NamespaceInfo {
  readonly name: string;
  readonly labels?: Labels;
}

export interface ConnectivityOptions {
  /** Namespaces that are not in the manifests (ingress controller, kube-system, an attacker's). */
  readonly extraNamespaces?: readonly NamespaceInfo[];
  /** Namespace of namespaced objects that name none, as `kubectl apply` would use. */
  readonly defaultNamespace?: string;
}

/** One direction's answer: which policies isolate the pod and which of them allow the traffic. */
export interface DirectionVerdict {
  readonly allowed: boolean;
  /** False when no policy of this direction selects the pod, which then allows everything. */
  readonly isolated: boolean;
  /** `namespace/name` of every policy of this direction that selects the pod. */
  readonly policies: readonly string[];
  /** Those of `policies` with a rule that matches the traffic. */
  readonly allowedBy: readonly string[];
}

export interface Verdict {
  readonly allowed: boolean;
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** The source pod's egress; absent when the source is external. */
  readonly egress?: DirectionVerdict;
  /** The destination pod's ingress; absent when the destination is external. */
  readonly ingress?: DirectionVerdict;
}

const PROTOCOLS: readonly string[] = ['TCP', 'UDP', 'SCTP'];

type Direction = 'ingress' | 'egress';

interface Peer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr?: Cidr; readonly except: readonly Cidr[] };
}

interface PolicyPort {
  readonly protocol: string;
  readonly port?: number | string;
  readonly endPort?: number;
}

/** `undefined` peers or ports mean "all", as an empty or missing list does in the API. */
interface Rule {
  readonly peers?: readonly Peer[];
  readonly ports?: readonly PolicyPort[];
}

interface Policy {
  readonly id: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly types: ReadonlySet<Direction>;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

/**
 * Answers "can A reach B on port P" from NetworkPolicy (networking.k8s.io/v1) objects.
 *
 * Semantics follow https://kubernetes.io/docs/concepts/services-networking/network-policies/ :
 * a pod is isolated for a direction once any policy of that type selects it, and then only traffic
 * matching a rule of one of those policies is allowed (the union of all of them); traffic between
 * two pods needs both the source's egress and the destination's ingress to allow it.
 * Not modelled: traffic from the pod's own node (always allowed by Kubernetes), hostNetwork pods,
 * Service/NAT address rewriting, and CNI-specific extensions (e.g. Calico or Cilium policies).
 */
export class ConnectivityModel {
  /** Problems found in the policies; affected peers or ports match nothing. */
  readonly warnings: string[] = [];
  private readonly namespaceLabels = new Map<string, Labels>();
  private readonly policies: Policy[] = [];
  private readonly found: Workload[] = [];

  constructor(objects: readonly KubeObject[], options: ConnectivityOptions = {}) {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    for (const obj of objects) {
      if (!obj || typeof obj !== 'object') continue;
      if (obj.kind === 'Namespace') this.addNamespace(obj.metadata?.name, obj.metadata?.labels);
    }
    for (const ns of options.extraNamespaces ?? []) this.addNamespace(ns.name, ns.labels);
    for (const obj of objects) {
      if (!obj || typeof obj !== 'object') continue;
      const namespace = obj.metadata?.namespace ?? defaultNamespace;
      if (obj.kind === 'NetworkPolicy' && String(obj.apiVersion).startsWith('networking.k8s.io/')) {
        this.policies.push(this.parsePolicy(obj, namespace));
      } else {
        const workload = extractWorkload(obj, namespace);
        if (workload) this.found.push(workload);
      }
    }
  }

  /** Pod templates found in the manifests, in input order. */
  workloads(): Workload[] {
    return [...this.found];
  }

  /** `namespace/name` of every NetworkPolicy read. */
  policyIds(): string[] {
    return this.policies.map((p) => p.id);
  }

  /** Labels of a namespace, including the automatic name label; unknown namespaces get only that. */
  namespaceLabelsOf(name: string): Labels {
    return this.namespaceLabels.get(name) ?? { [NAMESPACE_NAME_LABEL]: name };
  }

  /** True when `from` may open a connection to `to` on the port (a number, or a port name of `to`). */
  canReach(from: Endpoint, to: Endpoint, port: number | string, protocol?: Protocol): boolean {
    return this.explain(from, to, port, protocol).allowed;
  }

  /** Like `canReach`, with the policies that decided each direction (for reports and test messages). */
  explain(from: Endpoint, to: Endpoint, port: number | string, protocol?: Protocol): Verdict {
    if (!isPod(from) && !isPod(to)) {
      throw new Error('at least one end must be a pod: NetworkPolicy says nothing about traffic between two external addresses');
    }
    for (const end of [from, to]) {
      if (end.ip !== undefined && !parseIp(end.ip)) throw new Error(`"${end.ip}" is not an IPv4 or IPv6 address`);
    }
    const resolved = resolvePort(to, port, protocol);
    const egress = isPod(from) ? this.evaluate('egress', from, to, to, resolved.port, resolved.protocol) : undefined;
    const ingress = isPod(to) ? this.evaluate('ingress', to, from, to, resolved.port, resolved.protocol) : undefined;
    return {
      allowed: (egress?.allowed ?? true) && (ingress?.allowed ?? true),
      from: endpointName(from),
      to: endpointName(to),
      port: resolved.port,
      protocol: resolved.protocol,
      egress,
      ingress,
    };
  }

  private addNamespace(name: string | undefined, labels: Labels | undefined): void {
    if (!name) return;
    // Later declarations add to earlier ones; the name label cannot be overridden (the API server sets it).
    this.namespaceLabels.set(name, { ...this.namespaceLabels.get(name), ...labels, [NAMESPACE_NAME_LABEL]: name });
  }

  /**
   * `subject` is the pod whose policies apply (the source for egress, the destination for ingress),
   * `peer` the other end, `destination` the pod whose container ports name the port.
   */
  private evaluate(
    direction: Direction,
    subject: PodEndpoint,
    peer: Endpoint,
    destination: Endpoint,
    port: number,
    protocol: Protocol,
  ): DirectionVerdict {
    const selecting = this.policies.filter(
      (p) => p.types.has(direction) && p.namespace === subject.namespace && matchesLabelSelector(p.podSelector, subject.labels ?? {}),
    );
    if (selecting.length === 0) return { allowed: true, isolated: false, policies: [], allowedBy: [] };
    const allowedBy = selecting.filter((policy) =>
      policy[direction].some(
        (rule) =>
          (rule.peers === undefined || rule.peers.some((p) => this.peerMatches(p, policy.namespace, peer))) &&
          (rule.ports === undefined || rule.ports.some((p) => portMatches(p, destination, port, protocol))),
      ),
    );
    return {
      allowed: allowedBy.length > 0,
      isolated: true,
      policies: selecting.map((p) => p.id),
      allowedBy: allowedBy.map((p) => p.id),
    };
  }

  private peerMatches(peer: Peer, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock) {
      const ip = endpoint.ip === undefined ? undefined : parseIp(endpoint.ip);
      const { cidr, except } = peer.ipBlock;
      return !!ip && !!cidr && cidrContains(cidr, ip) && !except.some((e) => cidrContains(e, ip));
    }
    if (!isPod(endpoint)) return false;
    if (peer.namespaceSelector) {
      // With a namespaceSelector, the podSelector (if any) is ANDed with it across namespaces.
      return (
        matchesLabelSelector(peer.namespaceSelector, this.namespaceLabelsOf(endpoint.namespace)) &&
        (!peer.podSelector || matchesLabelSelector(peer.podSelector, endpoint.labels ?? {}))
      );
    }
    if (peer.podSelector) {
      // A podSelector alone only ever means pods of the policy's own namespace.
      return endpoint.namespace === policyNamespace && matchesLabelSelector(peer.podSelector, endpoint.labels ?? {});
    }
    return false;
  }

  private parsePolicy(obj: KubeObject, namespace: string): Policy {
    const id = `${namespace}/${obj.metadata?.name}`;
    const spec = obj.spec ?? {};
    const warn = (msg: string) => this.warnings.push(`NetworkPolicy ${id}: ${msg}`);
    const types = new Set<Direction>();
    if (Array.isArray(spec.policyTypes) && spec.policyTypes.length > 0) {
      for (const t of spec.policyTypes) {
        if (t === 'Ingress') types.add('ingress');
        else if (t === 'Egress') types.add('egress');
        else warn(`unknown policyType "${t}"`);
      }
    } else {
      // API server defaulting: every policy affects ingress; egress only with a non-empty egress list.
      types.add('ingress');
      if (Array.isArray(spec.egress) && spec.egress.length > 0) types.add('egress');
    }
    if (spec.podSelector == null) warn('spec.podSelector is missing (the API requires it); treating it as {} (all pods)');
    const parseRules = (rules: any, peerField: 'from' | 'to'): Rule[] =>
      (Array.isArray(rules) ? rules : []).map((rule: any, i: number) => ({
        peers: nonEmpty(rule?.[peerField])?.map((p: any, j: number) => parsePeer(p, (m) => warn(`${peerField}[${j}] of rule ${i}: ${m}`))),
        ports: nonEmpty(rule?.ports)?.map((p: any, j: number) => parsePort(p, (m) => warn(`ports[${j}] of rule ${i}: ${m}`))),
      }));
    const policy: Policy = {
      id,
      namespace,
      podSelector: spec.podSelector ?? {},
      types,
      ingress: parseRules(spec.ingress, 'from'),
      egress: parseRules(spec.egress, 'to'),
    };
    // Fail here, naming the policy, rather than later in the middle of a query.
    const peers = [...policy.ingress, ...policy.egress].flatMap((r) => r.peers ?? []);
    try {
      for (const sel of [policy.podSelector, ...peers.flatMap((p) => [p.podSelector, p.namespaceSelector])]) matchesLabelSelector(sel, {});
    } catch (err) {
      throw new Error(`NetworkPolicy ${id}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return policy;
  }
}

/** True when the endpoint is a pod (it has a namespace) rather than an external address. */
export function isPod(endpoint: Endpoint): endpoint is PodEndpoint {
  return typeof (endpoint as PodEndpoint).namespace === 'string';
}

export function endpointName(endpoint: Endpoint): string {
  if (!isPod(endpoint)) return endpoint.name ?? endpoint.ip;
  if (endpoint.name) return `${endpoint.namespace}/${endpoint.name}`;
  const labels = Object.entries(endpoint.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return `pod in ${endpoint.namespace}{${labels.join(',')}}`;
}

/** One line saying what decided a verdict, for test failure messages. */
export function describeVerdict(v: Verdict): string {
  const side = (name: string, d: DirectionVerdict | undefined) => {
    if (!d) return `${name} n/a`;
    if (!d.isolated) return `${name} open (no policy selects the pod)`;
    return d.allowed
      ? `${name} allowed by ${d.allowedBy.join(', ')}`
      : `${name} denied (isolated by ${d.policies.join(', ')}; no rule matches)`;
  };
  return `${v.from} -> ${v.to} ${v.port}/${v.protocol}: ${v.allowed ? 'ALLOWED' : 'DENIED'}; ${side('egress', v.egress)}; ${side('ingress', v.ingress)}`;
}

function nonEmpty(list: unknown): any[] | undefined {
  return Array.isArray(list) && list.length > 0 ? list : undefined;
}

function parsePeer(raw: any, warn: (msg: string) => void): Peer {
  const podSelector = raw?.podSelector ?? undefined;
  const namespaceSelector = raw?.namespaceSelector ?? undefined;
  const ipBlock = raw?.ipBlock ?? undefined;
  if (ipBlock) {
    if (podSelector || namespaceSelector) warn('ipBlock cannot be combined with selectors (the API rejects it); using the ipBlock alone');
    const cidr = parseCidr(String(ipBlock.cidr ?? ''));
    if (!cidr) warn(`invalid ipBlock cidr "${ipBlock.cidr}"; it matches nothing`);
    const except = (Array.isArray(ipBlock.except) ? ipBlock.except : []).flatMap((e: unknown) => {
      const parsed = parseCidr(String(e));
      // An unparsable except would wrongly widen the block: keep it from matching at all instead.
      if (!parsed) warn(`invalid ipBlock except "${e}"; the whole ipBlock matches nothing`);
      return parsed ? [parsed] : [];
    });
    const exceptOk = except.length === (Array.isArray(ipBlock.except) ? ipBlock.except.length : 0);
    return { ipBlock: { cidr: exceptOk ? cidr : undefined, except } };
  }
  if (!podSelector && !namespaceSelector) warn('a peer needs podSelector, namespaceSelector or ipBlock; it matches nothing');
  return { podSelector, namespaceSelector };
}

function parsePort(raw: any, warn: (msg: string) => void): PolicyPort {
  const protocol = raw?.protocol ?? 'TCP';
  if (!PROTOCOLS.includes(protocol)) warn(`unknown protocol "${protocol}"`);
  const port = raw?.port ?? undefined;
  const endPort = raw?.endPort ?? undefined;
  if (typeof port === 'string' && /^\d+$/.test(port)) {
    warn(`port "${port}" is a string, which Kubernetes reads as a port name, not a number`);
  }
  if (endPort !== undefined && typeof port !== 'number') warn('endPort needs a numeric port; ignoring endPort');
  if (typeof port === 'number' && typeof endPort === 'number' && endPort < port)
    warn(`endPort ${endPort} < port ${port}; it matches nothing`);
  return { protocol, port, endPort: typeof port === 'number' ? endPort : undefined };
}

function portMatches(rule: PolicyPort, destination: Endpoint, port: number, protocol: Protocol): boolean {
  if (rule.protocol !== protocol) return false;
  if (rule.port === undefined) return true;
  if (typeof rule.port === 'number') {
    return rule.endPort === undefined ? port === rule.port : port >= rule.port && port <= rule.endPort;
  }
  // A named port is the destination pod's container port of that name and protocol; outside the cluster it names nothing.
  if (!isPod(destination)) return false;
  return (destination.ports ?? []).some((cp) => cp.name === rule.port && cp.protocol === rule.protocol && cp.containerPort === port);
}

function resolvePort(to: Endpoint, port: number | string, protocol: Protocol | undefined): { port: number; protocol: Protocol } {
  if (typeof port === 'number') return { port, protocol: protocol ?? 'TCP' };
  const candidates = isPod(to) ? (to.ports ?? []).filter((cp) => cp.name === port && (!protocol || cp.protocol === protocol)) : [];
  if (candidates.length === 0)
    throw new Error(`${endpointName(to)} has no container port named "${port}"${protocol ? ` for ${protocol}` : ''}`);
  return { port: candidates[0].containerPort, protocol: candidates[0].protocol };
}

function extractWorkload(obj: KubeObject, namespace: string): Workload | undefined {
  const template = podTemplateOf(obj);
  if (!template) return undefined;
  const podSpec = template.spec;
  // Native sidecars (init containers that keep running) serve ports too.
  const containers = [...(podSpec.containers ?? []), ...(podSpec.initContainers ?? []).filter((c: any) => c?.restartPolicy === 'Always')];
  const ports: ContainerPort[] = containers.flatMap((c: any) =>
    (c?.ports ?? []).map((p: any) => ({
      ...(p.name ? { name: p.name } : {}),
      containerPort: Number(p.containerPort),
      protocol: (p.protocol ?? 'TCP') as Protocol,
    })),
  );
  return {
    name: `${obj.kind}/${obj.metadata?.name}`,
    kind: obj.kind,
    namespace,
    labels: { ...(template.metadata?.labels ?? {}) },
    ports,
  };
}

import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, LabelSelector, NetworkPolicyPeer, NetworkPolicyPort } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { NetworkPolicyConfig, Peer } from '../config/types.generated';
import { PORTS } from '../core/defaults';
import { FASTAPI_COMPONENT } from '../notifications/fastapi';
import { SyncWave } from '../core/sync-waves';
import { WA_GATEWAY_COMPONENT } from '../notifications/wa-gateway';
import { WEB_COMPONENT } from '../laravel/laravel-web';
import { ACME_HTTP01_SOLVER, Edge } from '../edge/edge-routes';

/** Component label of the NetworkPolicy objects themselves. */
export const NETWORK_POLICY_COMPONENT = 'network-policy';

/** The label the API server puts on every namespace: lets a policy select a namespace by name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Address ranges that are not the internet: internet egress excludes them unless explicitly allowed. */
export const PRIVATE_CIDRS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  // Carrier-grade NAT, used by some VPCs and pod networks.
  '100.64.0.0/10',
  // Link-local, including the cloud metadata endpoint 169.254.169.254.
  '169.254.0.0/16',
  '127.0.0.0/8',
];

/** A port a rule opens; TCP unless told. */
export interface PolicyPort {
  readonly port: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Last port of a range starting at `port`. */
  readonly endPort?: number;
}

/** A data store Laravel (or a backup job) talks to: where it is and on which port. */
export interface DataStoreEndpoint {
  readonly port: number;
  readonly peers: readonly Peer[];
}

export type DataStore = 'database' | 'redis' | 'objectStorage';

export interface NetworkPoliciesProps {
  readonly context: AppContext;
  /**
   * Components of the Laravel pods (web, each worker pool, scheduler, migration). Read at synthesis, so
   * a worker pool added after this construct is still covered.
   */
  readonly laravelComponents: () => readonly string[];
  /** The `networkPolicy` section of the environment config. */
  readonly config: NetworkPolicyConfig;
  readonly database: DataStoreEndpoint;
  readonly redis: DataStoreEndpoint;
  readonly objectStorage: DataStoreEndpoint;
  /** Also let Laravel pods reach the WA gateway (by default only FastAPI can). */
  readonly waGatewayFromLaravel: boolean;
  /**
   * The public edge (lib/edge/'s WebEdge): its data-plane pods (ingress controller or Gateway proxies) may
   * reach nginx, and cert-manager's HTTP-01 solver pods when its certificates are proved here.
   */
  readonly edge: Pick<Edge, 'dataPlanePeers' | 'policyPurpose' | 'solvesHttp01InNamespace'>;
  /** The web pods' port the edge reaches: nginx's, or Octane's (LaravelWeb.containerPort). @default PORTS.nginxHttp */
  readonly webPort?: number;
}

export interface AllowIngressOptions {
  /** The pods receiving the traffic, in this namespace. */
  readonly pods: LabelSelector;
  /** Who may connect. Never empty: an empty list would mean "anyone". */
  readonly from: readonly NetworkPolicyPeer[];
  /** Destination ports. Never empty: an empty list would mean "every port". */
  readonly ports: readonly PolicyPort[];
}

export interface AllowEgressOptions {
  /** The pods opening the connections, in this namespace. */
  readonly pods: LabelSelector;
  /** Where they may connect. Never empty: an empty list would mean "anywhere". */
  readonly to: readonly NetworkPolicyPeer[];
  /** Destination ports. Never empty: an empty list would mean "every port". */
  readonly ports: readonly PolicyPort[];
}

/**
 * The namespace's NetworkPolicies: every pod is denied all ingress and egress, then each needed flow is
 * allowed by its own small policy named `<app>-allow-<purpose>` (policies add up, so a flow is open when
 * any policy allows it). A flow between two pods of the namespace needs both sides: an egress policy on
 * the source (`<src>-to-<dst>`) and an ingress policy on the destination (`<dst>-from-<src>`).
 *
 * Laravel pods are selected by `app.kubernetes.io/component In [web, worker-<pool>..., scheduler, migration]`
 * (plus the app's name and instance labels), computed from the stack at synthesis: no extra label on the
 * pods, and a pool added later with `addWorkerPool` is covered without further changes.
 *
 * Platform teams add flows with `allowIngress`, `allowEgress`, `allowBetween`, `allowDataStoreEgress`
 * (e.g. a backup job) and `allowMetricsScrape` (exporter sidecars). All policies are in the FOUNDATION
 * sync wave: they exist before the pods they protect.
 * @see https://kubernetes.io/docs/concepts/services-networking/network-policies/
 */
export class NetworkPolicies extends Construct {
  /** Every policy created, by name. */
  public readonly policies = new Map<string, KubeNetworkPolicy>();
  private readonly context: AppContext;
  private readonly props: NetworkPoliciesProps;
  private readonly metricsPorts = new Map<string, PolicyPort[]>();

  constructor(scope: Construct, id: string, props: NetworkPoliciesProps) {
    super(scope, id);
    this.context = props.context;
    this.props = props;
    const config = props.config;

    // Every pod: no traffic in or out unless a policy below allows it.
    this.addPolicy('default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

    // Every pod resolves names through the cluster DNS, and node-local caches reached by address (NodeLocal
    // DNSCache listens on a link-local address of the node, where no pod selector reaches).
    this.allowEgress('dns', {
      pods: {},
      to: [this.namespacePeer(config.dns.namespace, config.dns.podLabels), ...config.dns.ipBlocks.map((cidr) => ({ ipBlock: { cidr } }))],
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    });

    // The edge (ingress controller or Gateway data plane) reaches the web server's port only (nginx's, or
    // Octane's); php-fpm (9000) stays inside the pod.
    const edge = props.edge;
    const edgePeers = edge.dataPlanePeers.map((peer) => this.namespacePeer(peer.namespace, peer.podLabels));
    this.allowIngress(`web-from-${edge.policyPurpose}`, { pods: this.componentSelector(WEB_COMPONENT), from: edgePeers, ports: [{ port: props.webPort ?? PORTS.nginxHttp }] });
    // First issuance and every renewal: the ACME server's request reaches cert-manager's solver through the edge.
    if (edge.solvesHttp01InNamespace) {
      this.allowIngress(`acme-http01-solver-from-${edge.policyPurpose}`, {
        pods: { matchLabels: { [ACME_HTTP01_SOLVER.label]: ACME_HTTP01_SOLVER.value } },
        from: edgePeers,
        ports: [{ port: ACME_HTTP01_SOLVER.port }],
      });
    }

    // Notification path: Laravel → FastAPI → WA gateway; nothing else reaches 8001 or 3001.
    this.allowBetween('laravel', this.laravelSelector, 'fastapi', this.componentSelector(FASTAPI_COMPONENT), [{ port: PORTS.fastapi }]);
    this.allowBetween('fastapi', this.componentSelector(FASTAPI_COMPONENT), 'wa-gateway', this.componentSelector(WA_GATEWAY_COMPONENT), [
      { port: PORTS.waGateway },
    ]);
    if (props.waGatewayFromLaravel) {
      this.allowBetween('laravel', this.laravelSelector, 'wa-gateway', this.componentSelector(WA_GATEWAY_COMPONENT), [{ port: PORTS.waGateway }]);
    }

    // Laravel's data stores, each on its own port only.
    for (const store of ['database', 'redis', 'objectStorage'] as const) this.allowDataStoreEgress('laravel', this.laravelSelector, store);

    // HTTPS to the internet, for the configured pods only.
    const internet = config.internetEgress;
    const https = (source: string, pods: LabelSelector) =>
      this.allowEgress(`${source}-to-internet`, { pods, to: this.internetPeers(), ports: [{ port: 443 }] });
    if (internet.laravel) https('laravel', this.laravelSelector);
    if (internet.fastapi) https('fastapi', this.componentSelector(FASTAPI_COMPONENT));
    if (internet.waGateway) https('wa-gateway', this.componentSelector(WA_GATEWAY_COMPONENT));
  }

  /** Selector of one component's pods, e.g. `web` or `worker-default`. */
  componentSelector(component: string): LabelSelector {
    return { matchLabels: this.context.selectorLabels(component) };
  }

  /** Selector of every Laravel pod: web, each worker pool, scheduler and migration (resolved at synthesis). */
  get laravelSelector(): LabelSelector {
    return {
      matchLabels: { 'app.kubernetes.io/name': this.context.appName, 'app.kubernetes.io/instance': this.context.instance },
      matchExpressions: [
        {
          key: 'app.kubernetes.io/component',
          operator: 'In',
          values: Lazy.any({ produce: () => this.laravelComponents() }) as unknown as string[],
        },
      ],
    };
  }

  /** Components the Laravel selector covers, as of now. */
  laravelComponents(): string[] {
    const components = [...this.props.laravelComponents()];
    if (components.length === 0) throw new Error('NetworkPolicies: no Laravel components to select');
    return [...new Set(components)];
  }

  /** Pods of another namespace, selected by its automatic name label (and pod labels when given). */
  namespacePeer(namespace: string, podLabels: Readonly<Record<string, string>> = {}): NetworkPolicyPeer {
    return {
      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
      ...(Object.keys(podLabels).length > 0 ? { podSelector: { matchLabels: { ...podLabels } } } : {}),
    };
  }

  /** Config peers (`cidr` with optional `except`, or `namespace` with optional `podLabels`) as policy peers. */
  peersOf(peers: readonly Peer[]): NetworkPolicyPeer[] {
    return peers.map((peer) => {
      if (peer.cidr !== undefined) {
        if (peer.namespace !== undefined || peer.podLabels !== undefined) {
          throw new Error(`NetworkPolicies: a peer is either a cidr or a namespace, not both (${JSON.stringify(peer)})`);
        }
        return { ipBlock: { cidr: peer.cidr, ...(peer.except?.length ? { except: [...peer.except] } : {}) } };
      }
      if (peer.namespace !== undefined) {
        if (peer.except !== undefined) throw new Error(`NetworkPolicies: "except" needs a cidr peer (${JSON.stringify(peer)})`);
        return this.namespacePeer(peer.namespace, peer.podLabels);
      }
      throw new Error(`NetworkPolicies: a peer needs a cidr or a namespace (${JSON.stringify(peer)})`);
    });
  }

  /** The internet: every IPv4 address except private ranges, plus the private ranges the config allows. */
  internetPeers(): NetworkPolicyPeer[] {
    const allowed = this.props.config.internetEgress.allowedPrivateCidrs;
    return [{ ipBlock: { cidr: '0.0.0.0/0', except: [...PRIVATE_CIDRS] } }, ...allowed.map((cidr) => ({ ipBlock: { cidr } }))];
  }

  /** Lets pods receive connections; creates `<app>-allow-<purpose>`. */
  allowIngress(purpose: string, options: AllowIngressOptions): KubeNetworkPolicy {
    requireNonEmpty(purpose, 'from', options.from);
    requireNonEmpty(purpose, 'ports', options.ports);
    return this.addPolicy(`allow-${purpose}`, {
      podSelector: options.pods,
      policyTypes: ['Ingress'],
      ingress: [{ from: [...options.from], ports: options.ports.map(toPolicyPort) }],
    });
  }

  /** Lets pods open connections; creates `<app>-allow-<purpose>`. */
  allowEgress(purpose: string, options: AllowEgressOptions): KubeNetworkPolicy {
    requireNonEmpty(purpose, 'to', options.to);
    requireNonEmpty(purpose, 'ports', options.ports);
    return this.addPolicy(`allow-${purpose}`, {
      podSelector: options.pods,
      policyTypes: ['Egress'],
      egress: [{ to: [...options.to], ports: options.ports.map(toPolicyPort) }],
    });
  }

  /**
   * Lets pods of this namespace reach other pods of this namespace: the source's egress
   * (`<app>-allow-<fromName>-to-<toName>`) and the destination's ingress (`<app>-allow-<toName>-from-<fromName>`).
   */
  allowBetween(fromName: string, from: LabelSelector, toName: string, to: LabelSelector, ports: readonly PolicyPort[]): KubeNetworkPolicy[] {
    return [
      this.allowEgress(`${fromName}-to-${toName}`, { pods: from, to: [{ podSelector: to }], ports }),
      this.allowIngress(`${toName}-from-${fromName}`, { pods: to, from: [{ podSelector: from }], ports }),
    ];
  }

  /**
   * Lets pods reach one of the environment's data stores on its port, e.g. a backup CronJob:
   * `allowDataStoreEgress('backup', policies.componentSelector('backup'), 'database')`.
   * Creates `<app>-allow-<sourceName>-to-<store>` (store in kebab case).
   */
  allowDataStoreEgress(sourceName: string, pods: LabelSelector, store: DataStore): KubeNetworkPolicy {
    const endpoint = this.props[store];
    return this.allowEgress(`${sourceName}-to-${kebab(store)}`, { pods, to: this.peersOf(endpoint.peers), ports: [{ port: endpoint.port }] });
  }

  /**
   * Lets Prometheus (the monitoring namespace) scrape a component's metrics ports. Call it only for ports
   * that exist (exporter sidecars); calling it again for the same component adds ports to its policy,
   * `<app>-allow-<component>-from-monitoring`.
   */
  allowMetricsScrape(component: string, ports: readonly number[]): KubeNetworkPolicy {
    requireNonEmpty(`${component}-from-monitoring`, 'ports', ports);
    const existing = this.metricsPorts.get(component);
    if (existing) {
      for (const port of ports) if (!existing.some((p) => p.port === port)) existing.push({ port });
      return this.policies.get(this.context.name(`allow-${component}-from-monitoring`))!;
    }
    const list: PolicyPort[] = ports.map((port) => ({ port }));
    this.metricsPorts.set(component, list);
    return this.addPolicy(`allow-${component}-from-monitoring`, {
      podSelector: this.componentSelector(component),
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [this.namespacePeer(this.props.config.monitoringNamespace)],
          ports: Lazy.any({ produce: () => [...list].sort((a, b) => a.port - b.port).map(toPolicyPort) }) as unknown as NetworkPolicyPort[],
        },
      ],
    });
  }

  /** Adds a raw policy named `<app>-<purpose>` (for flows the helpers above cannot express). */
  addPolicy(purpose: string, spec: KubeNetworkPolicyProps['spec']): KubeNetworkPolicy {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(purpose)) throw new Error(`NetworkPolicies: "${purpose}" is not a kebab-case name`);
    const name = this.context.name(purpose);
    if (this.policies.has(name)) throw new Error(`NetworkPolicies: a policy named ${name} already exists`);
    const policy = new KubeNetworkPolicy(this, purpose, {
      metadata: this.context.metadata(name, NETWORK_POLICY_COMPONENT, { wave: SyncWave.FOUNDATION }),
      spec,
    });
    this.policies.set(name, policy);
    return policy;
  }
}

type KubeNetworkPolicyProps = ConstructorParameters<typeof KubeNetworkPolicy>[2] & {};

function toPolicyPort(port: PolicyPort): NetworkPolicyPort {
  return {
    protocol: port.protocol ?? 'TCP',
    port: IntOrString.fromNumber(port.port),
    ...(port.endPort !== undefined ? { endPort: port.endPort } : {}),
  };
}

function requireNonEmpty(purpose: string, field: string, list: readonly unknown[]): void {
  if (list.length === 0) {
    throw new Error(`NetworkPolicies: allow-${purpose} has no ${field}; an empty list would mean "all", so name them explicitly`);
  }
}

function kebab(text: string): string {
  return text.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

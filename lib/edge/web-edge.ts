import { Construct } from 'constructs';
import type { AppContext } from '../core/app-context';
import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { Edge, EdgeHost, EdgePeer, EdgeRouteSpec } from './edge-routes';
import { GatewayEdge } from './gateway-edge';
import { IngressEdge } from './ingress-edge';

export type EdgeKind = 'gateway' | 'ingress';

/** The Service the edge sends requests to. */
export interface EdgeBackend {
  readonly serviceName: string;
  /** Service port number (HTTPRoute backendRefs need it). */
  readonly port: number;
  /** Service port name (the Ingress refers to it by name). */
  readonly portName: string;
}

/** A Gateway listener a route attaches to (`web.edge.gateway.parentRefs`). */
export interface GatewayParentRef {
  readonly name: string;
  /** @default - the environment's namespace */
  readonly namespace?: string;
  /** @default - every listener of the Gateway that admits the route */
  readonly sectionName?: string;
  /** HTTPS listeners get the application routes, HTTP listeners the redirect to HTTPS. */
  readonly listenerProtocol: 'HTTPS' | 'HTTP';
}

export interface GatewayEdgeOptions {
  /** `web.edge.implementation`, a key of GATEWAY_IMPLEMENTATIONS. */
  readonly implementation: string;
  readonly parentRefs: readonly GatewayParentRef[];
  /** Emit a Gateway of our own (then parentRefs must be empty). */
  readonly create: boolean;
  /** GatewayClass of our own Gateway. @default - required when `create` */
  readonly className?: string;
  /** X-Forwarded-For hops our own Gateway trusts. @default - the connection's source address */
  readonly xffTrustedHops?: number;
  /** Data-plane pods to admit instead of the implementation's (`networkPolicy.gatewayDataPlane`). @default - the implementation's */
  readonly dataPlane?: { readonly namespace?: string; readonly podLabels?: Readonly<Record<string, string>> };
}

export interface IngressEdgeOptions {
  /** `web.edge.ingress.controller`, a key of INGRESS_CONTROLLERS. */
  readonly controller: string;
  readonly className: string;
  /** Extra annotations of every Ingress. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly webhookAnnotations: Readonly<Record<string, string>>;
  readonly operatorAnnotations: Readonly<Record<string, string>>;
  /** The controller's pods (`networkPolicy.ingressController`). */
  readonly controllerPods: EdgePeer;
}

export interface WebEdgeProps {
  readonly context: AppContext;
  readonly kind: EdgeKind;
  readonly backend: EdgeBackend;
  readonly hosts: readonly EdgeHost[];
  /** From `edgeRoutes`: the site, and the webhook and operator routes when configured. */
  readonly routes: readonly EdgeRouteSpec[];
  /** nginx's client_max_body_size; the edge accepts the same bodies. */
  readonly clientMaxBodySize: string;
  /** cert-manager ClusterIssuer of the certificates the project owns. */
  readonly clusterIssuer: string;
  readonly acmeChallenge: 'http01' | 'dns01';
  /** Used when `kind` is gateway. */
  readonly gateway: GatewayEdgeOptions;
  /** Used when `kind` is ingress. */
  readonly ingress: IngressEdgeOptions;
}

/** The constructs of each edge kind; `web.edge.kind` picks one. */
export const EDGE_KINDS: Readonly<Record<EdgeKind, (scope: Construct, props: WebEdgeProps) => Edge>> = {
  gateway: (scope, props) => new GatewayEdge(scope, 'Gateway', props),
  ingress: (scope, props) => new IngressEdge(scope, 'Ingress', props),
};

/**
 * The public edge in front of the web Service: Gateway API HTTPRoutes (with the implementation's policies
 * and optionally a Gateway of our own) or Ingresses (annotated by a controller profile). Either way one
 * route per traffic class (site, webhooks, operator paths), TLS from cert-manager where the project owns
 * it, and the edge timeout of the request-timeout chain.
 * @see https://gateway-api.sigs.k8s.io/guides/migrating-from-ingress/
 */
export class WebEdge extends Construct implements Edge {
  public readonly kind: EdgeKind;
  /** The kind's construct (GatewayEdge or IngressEdge). */
  public readonly implementation: Edge;

  constructor(scope: Construct, id: string, props: WebEdgeProps) {
    super(scope, id);
    const build = EDGE_KINDS[props.kind];
    if (!build) throw new Error(`web.edge.kind "${props.kind}" is not supported; expected one of: ${Object.keys(EDGE_KINDS).join(', ')}`);
    this.kind = props.kind;
    this.implementation = build(this, props);
  }

  get dataPlanePeers(): readonly EdgePeer[] {
    return this.implementation.dataPlanePeers;
  }

  get policyPurpose(): string {
    return this.implementation.policyPurpose;
  }

  get solvesHttp01InNamespace(): boolean {
    return this.implementation.solvesHttp01InNamespace;
  }

  get tlsSecretNames(): readonly string[] {
    return this.implementation.tlsSecretNames;
  }

  requestMetrics(ingressNamespaceLabel: 'exported_namespace' | 'namespace'): EdgeRequestMetrics | undefined {
    return this.implementation.requestMetrics(ingressNamespaceLabel);
  }
}

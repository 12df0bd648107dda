import { Construct } from 'constructs';
import {
  Gateway,
  GatewaySpecListeners,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecParentRefs,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../../imports/gateway.networking.k8s.io';
import { SyncWave } from '../core/sync-waves';
import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { CERT_MANAGER_CLUSTER_ISSUER, Edge, EDGE_COMPONENT, EdgeHost, EdgePeer, webRequestRoutes } from './edge-routes';
import { GatewayImplementation, gatewayImplementation, GatewayRef } from './gateway-implementation';
import type { WebEdgeProps } from './web-edge';

/** Listener of our own Gateway that only redirects to HTTPS (and serves ACME HTTP-01 challenges). */
export const HTTP_LISTENER = 'http';

/** Name of the HTTPS listener of one host on our own Gateway. */
export function httpsListenerName(host: EdgeHost): string {
  return `https-${host.hostname}`;
}

/**
 * The Gateway API edge: one HTTPRoute (gateway.networking.k8s.io/v1) per traffic class, attached to the
 * HTTPS listeners of the configured Gateway (or of a Gateway of our own), backed by the web Service, with
 * the edge timeout of the request-timeout chain; an HTTPRoute on the plain-HTTP listeners that redirects
 * to HTTPS; and the implementation's policies for what Gateway API has no standard field for.
 * @see https://gateway-api.sigs.k8s.io/api-types/httproute/
 */
export class GatewayEdge extends Construct implements Edge {
  public readonly policyPurpose = 'gateway';
  public readonly dataPlanePeers: readonly EdgePeer[];
  public readonly solvesHttp01InNamespace: boolean;
  public readonly tlsSecretNames: readonly string[];
  /** The Gateways the routes attach to. */
  public readonly gateways: readonly GatewayRef[];
  /** The Gateway the project creates, when `gateway.create`. */
  public readonly ownGateway?: Gateway;
  private readonly implementation: GatewayImplementation;
  private readonly props: WebEdgeProps;

  constructor(scope: Construct, id: string, props: WebEdgeProps) {
    super(scope, id);
    this.props = props;
    const { context, gateway: options } = props;
    const implementation = (this.implementation = gatewayImplementation(options.implementation));

    let https: HttpRouteSpecParentRefs[];
    let http: HttpRouteSpecParentRefs[];
    if (options.create) {
      if (options.parentRefs.length > 0) throw new Error('GatewayEdge: with create, the routes attach to our own Gateway; leave parentRefs empty');
      if (!options.className) throw new Error('GatewayEdge: create needs className (the GatewayClass)');
      const own: GatewayRef = { name: context.name('gateway'), namespace: context.namespace };
      this.ownGateway = this.addGateway(own.name, options.className);
      implementation.addGatewayPolicies(this, context, own, { xffTrustedHops: options.xffTrustedHops });
      https = props.hosts.map((host) => ({ name: own.name, sectionName: httpsListenerName(host) }));
      http = [{ name: own.name, sectionName: HTTP_LISTENER }];
      this.gateways = [own];
    } else {
      if (options.parentRefs.length === 0) throw new Error('GatewayEdge: name the Gateway to attach to (parentRefs), or create one');
      if (options.xffTrustedHops !== undefined) throw new Error("GatewayEdge: xffTrustedHops configures our own Gateway; the Gateway's owner sets it otherwise");
      const ref = (p: (typeof options.parentRefs)[number]): HttpRouteSpecParentRefs => ({
        name: p.name,
        // A route in another namespace than its Gateway must say so; in the same one the field stays out.
        ...(p.namespace && p.namespace !== context.namespace ? { namespace: p.namespace } : {}),
        ...(p.sectionName ? { sectionName: p.sectionName } : {}),
      });
      https = options.parentRefs.filter((p) => p.listenerProtocol === 'HTTPS').map(ref);
      http = options.parentRefs.filter((p) => p.listenerProtocol === 'HTTP').map(ref);
      if (https.length === 0) throw new Error('GatewayEdge: no HTTPS listener among parentRefs; the application is served over HTTPS only');
      const seen = new Map<string, GatewayRef>();
      for (const p of options.parentRefs) {
        const g = { name: p.name, namespace: p.namespace ?? context.namespace };
        seen.set(`${g.namespace}/${g.name}`, g);
      }
      this.gateways = [...seen.values()];
    }

    const hostnames = props.hosts.map((h) => h.hostname);
    for (const route of props.routes) {
      const backend = route.backend ?? props.backend;
      new HttpRoute(this, route.role, {
        metadata: context.metadata(route.name, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS }),
        spec: {
          parentRefs: https,
          // A websocket upgrade is an ordinary HTTP/1.1 request to Gateway API; the implementations pass it through.
          hostnames: route.hostnames ? [...route.hostnames] : hostnames,
          rules: [
            {
              // No rule name: rule names are standard only since Gateway API v1.4; timeouts since v1.2.
              matches: route.paths.map((value) => ({ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value } })),
              backendRefs: [{ kind: 'Service', name: backend.serviceName, port: backend.port }],
              timeouts: { request: `${route.timeoutSeconds}s` },
            },
          ],
        },
      });
      implementation.addRoutePolicies(this, context, route);
    }
    if (http.length > 0) {
      new HttpRoute(this, 'redirect', {
        metadata: context.metadata(`${props.routes[0].name}-redirect`, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS }),
        spec: {
          parentRefs: http,
          hostnames,
          rules: [
            {
              filters: [
                {
                  type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                  requestRedirect: { scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS, statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301 },
                },
              ],
            },
          ],
        },
      });
    }

    this.dataPlanePeers = dedupePeers(this.gateways.map((g) => overridden(implementation.dataPlane(g), options.dataPlane)));
    this.solvesHttp01InNamespace = options.create && props.acmeChallenge === 'http01';
    this.tlsSecretNames = options.create ? props.hosts.map((h) => h.tlsSecretName) : [];
  }

  requestMetrics(): EdgeRequestMetrics {
    return this.implementation.requestMetrics(this.props.context.namespace, webRequestRoutes(this.props.routes).map((r) => r.name));
  }

  private addGateway(name: string, className: string): Gateway {
    const { context, hosts, clusterIssuer } = this.props;
    const sameNamespace = { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } };
    const listeners: GatewaySpecListeners[] = [
      { name: HTTP_LISTENER, protocol: 'HTTP', port: 80, allowedRoutes: sameNamespace },
      ...hosts.map((host) => ({
        name: httpsListenerName(host),
        protocol: 'HTTPS',
        port: 443,
        hostname: host.hostname,
        allowedRoutes: sameNamespace,
        // cert-manager issues one certificate per listener Secret (its Gateway support, cert-manager 1.15+).
        tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ kind: 'Secret', name: host.tlsSecretName }] },
      })),
    ];
    return new Gateway(this, 'Gateway', {
      metadata: context.metadata(name, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: { [CERT_MANAGER_CLUSTER_ISSUER]: clusterIssuer } }),
      spec: { gatewayClassName: className, listeners },
    });
  }
}

function overridden(peer: EdgePeer, override: GatewayEdgeOverride | undefined): EdgePeer {
  return { namespace: override?.namespace ?? peer.namespace, podLabels: override?.podLabels ?? peer.podLabels };
}

type GatewayEdgeOverride = WebEdgeProps['gateway']['dataPlane'];

function dedupePeers(peers: readonly EdgePeer[]): EdgePeer[] {
  const seen = new Map<string, EdgePeer>();
  for (const p of peers) seen.set(JSON.stringify([p.namespace, Object.entries(p.podLabels).sort()]), p);
  return [...seen.values()];
}

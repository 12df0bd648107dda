import { Construct } from 'constructs';
import type { AppContext } from '../core/app-context';
import type { EdgeRequestMetrics } from '../operations/alert-rules';
import type { EdgePeer, EdgeRouteSpec } from './edge-routes';
import { envoyGateway } from './envoy-gateway';

/** A Gateway by name and namespace. */
export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
}

/**
 * What a Gateway API implementation adds to the standard objects. Gateway API has no standard rate limit
 * or IP allow list, so each implementation expresses them with its own policy kinds; everything the
 * standard covers (hosts, paths, backends, request timeouts, the HTTPS redirect) stays in the HTTPRoutes.
 * To support another implementation, add one object implementing this interface to GATEWAY_IMPLEMENTATIONS.
 */
export interface GatewayImplementation {
  /** The config value of `web.edge.implementation`. */
  readonly name: string;
  /** The pods that carry a Gateway's traffic (they open the connections to the web pods). */
  dataPlane(gateway: GatewayRef): EdgePeer;
  /** Policies of one HTTPRoute (the route carries the spec's paths): rate limit, timeout, allow list. */
  addRoutePolicies(scope: Construct, context: AppContext, route: EdgeRouteSpec): void;
  /** Policies of a Gateway the project creates, e.g. which X-Forwarded-For hops to trust. */
  addGatewayPolicies(scope: Construct, context: AppContext, gateway: GatewayRef, options: { readonly xffTrustedHops?: number }): void;
  /** Where the data plane counts the requests of these HTTPRoutes (in `namespace`). */
  requestMetrics(namespace: string, routeNames: readonly string[]): EdgeRequestMetrics;
}

/** The implementations `web.edge.implementation` may name. */
export const GATEWAY_IMPLEMENTATIONS: Readonly<Record<string, GatewayImplementation>> = {
  [envoyGateway.name]: envoyGateway,
};

export function gatewayImplementation(name: string): GatewayImplementation {
  const found = GATEWAY_IMPLEMENTATIONS[name];
  if (!found) throw new Error(`web.edge.implementation "${name}" is not supported; expected one of: ${Object.keys(GATEWAY_IMPLEMENTATIONS).join(', ')}`);
  return found;
}

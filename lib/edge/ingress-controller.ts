import type { EdgeRequestMetrics } from '../operations/alert-rules';
import type { EdgeRouteSpec } from './edge-routes';
import { genericIngress } from './generic-ingress';
import { ingressNginx } from './ingress-nginx';

/** What a controller profile needs to write one route's Ingress. */
export interface IngressAnnotationOptions {
  /** nginx's client_max_body_size; the edge must accept the same request bodies. */
  readonly clientMaxBodySize: string;
}

/**
 * How one Ingress controller is told what the standard Ingress cannot say (rate limits, allow lists,
 * timeouts, body size, the TLS redirect): a profile of annotations. Settings a profile cannot express must
 * come from the config's annotations (the config checks refuse the rest). To support another controller,
 * add one object implementing this interface to INGRESS_CONTROLLERS.
 */
export interface IngressControllerProfile {
  /** The config value of `web.edge.ingress.controller`. */
  readonly name: string;
  /** Whether `annotations` expresses a per-client rate limit. */
  readonly rateLimits: boolean;
  /** Whether `annotations` expresses a client IP allow list. */
  readonly allowLists: boolean;
  /** The profile's annotations of one route's Ingress (the config's extra annotations are added over them). */
  annotations(route: EdgeRouteSpec, options: IngressAnnotationOptions): Record<string, string>;
  /** Where the controller counts these Ingresses' requests; undefined when the profile does not know. */
  requestMetrics(namespace: string, namespaceLabel: 'exported_namespace' | 'namespace', ingressNames: readonly string[]): EdgeRequestMetrics | undefined;
}

/** The profiles `web.edge.ingress.controller` may name. */
export const INGRESS_CONTROLLERS: Readonly<Record<string, IngressControllerProfile>> = {
  [ingressNginx.name]: ingressNginx,
  [genericIngress.name]: genericIngress,
};

export function ingressController(name: string): IngressControllerProfile {
  const found = INGRESS_CONTROLLERS[name];
  if (!found) throw new Error(`web.edge.ingress.controller "${name}" is not supported; expected one of: ${Object.keys(INGRESS_CONTROLLERS).join(', ')}`);
  return found;
}

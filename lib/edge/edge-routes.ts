import type { EdgeRequestMetrics } from '../operations/alert-rules';
import type { EdgeBackend } from './web-edge';

/** Component label of the edge objects (routes, their policies, the Gateway or the Ingresses). */
export const EDGE_COMPONENT = 'edge';

/**
 * cert-manager's ACME HTTP-01 solver pods: created in the namespace of the Ingress or Gateway whose
 * certificate they prove, labelled so, listening on this port; the edge must reach them.
 * @see https://cert-manager.io/docs/configuration/acme/http01/
 */
export const ACME_HTTP01_SOLVER = { label: 'acme.cert-manager.io/http01-solver', value: 'true', port: 8089 } as const;

/** The annotation that makes cert-manager issue the certificates of an Ingress's or a Gateway's TLS Secrets. */
export const CERT_MANAGER_CLUSTER_ISSUER = 'cert-manager.io/cluster-issuer';

/**
 * The traffic classes of the public edge. Each gets its own route object (HTTPRoute or Ingress), because
 * rate limits, timeouts and allow lists attach to whole routes: the site (every path), the payment
 * providers' webhooks (bursts from few addresses, never throttled by the per-client limit) and the
 * operator paths (an IP allow list), and the websocket connections of Reverb (their own backend, long timeouts,
 * not in the web request metrics: a connection is one request that lasts for hours).
 */
export type EdgeRouteRole = 'site' | 'webhooks' | 'operator' | 'websocket';

/** One route of the edge and what it enforces. */
export interface EdgeRouteSpec {
  readonly role: EdgeRouteRole;
  /** Object name: `<app>-web`, `<app>-web-webhooks`, `<app>-web-operator`. */
  readonly name: string;
  /** Path prefixes it serves; the site route serves `/`. */
  readonly paths: readonly string[];
  /** Requests per second per client address; 0: no limit. */
  readonly rateLimitRps: number;
  /** The edge's request timeout, from the request-timeout chain (longer than nginx's). */
  readonly timeoutSeconds: number;
  /** Client ranges allowed; every other client gets 403. Undefined: everyone. */
  readonly allowedCidrs?: readonly string[];
  /** The Service this route sends to. @default - the edge's backend (the web Service) */
  readonly backend?: EdgeBackend;
  /** The hosts this route serves. @default - every host of the edge */
  readonly hostnames?: readonly string[];
}

/** Routes whose requests the web alerts count (websocket connections would skew error ratio and latency). */
export function webRequestRoutes(routes: readonly EdgeRouteSpec[]): EdgeRouteSpec[] {
  return routes.filter((r) => r.role !== 'websocket');
}

/** A public host name and the Secret its certificate goes to (where the project owns the TLS). */
export interface EdgeHost {
  readonly hostname: string;
  readonly tlsSecretName: string;
}

/** Pods (of another namespace) that carry the edge's traffic to the web pods. */
export interface EdgePeer {
  readonly namespace: string;
  /** Empty: every pod of the namespace. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** What the rest of the stack needs from the edge, whatever its kind. */
export interface Edge {
  /** The pods the NetworkPolicies let reach the web pods (and cert-manager's HTTP-01 solver). */
  readonly dataPlanePeers: readonly EdgePeer[];
  /** Names the NetworkPolicy that admits them: `<app>-allow-web-from-<policyPurpose>`. */
  readonly policyPurpose: string;
  /** True when cert-manager's HTTP-01 solver pods for this edge's certificates run in the namespace. */
  readonly solvesHttp01InNamespace: boolean;
  /** Secrets cert-manager writes in the namespace (Argo CD must not report them as orphans). */
  readonly tlsSecretNames: readonly string[];
  /** Where the edge counts requests, for the web alerts; undefined when the edge's metrics are unknown. */
  requestMetrics(ingressNamespaceLabel: 'exported_namespace' | 'namespace'): EdgeRequestMetrics | undefined;
}

export interface EdgeRouteOptions {
  /** Name prefix of the routes, `<app>-web`. */
  readonly baseName: string;
  readonly rateLimitRps: number;
  readonly timeoutSeconds: number;
  readonly webhookPaths: readonly string[];
  readonly webhookRateLimitRps: number;
  readonly webhookTimeoutSeconds: number;
  readonly operatorPaths: readonly string[];
  readonly operatorAllowedCidrs: readonly string[];
  /** Reverb's websocket route, when it runs. @default - none */
  readonly websocket?: {
    /** Object name, `<app>-reverb`. */
    readonly name: string;
    readonly backend: EdgeBackend;
    readonly path: string;
    /** @default - every host of the edge */
    readonly hostnames?: readonly string[];
    readonly timeoutSeconds: number;
  };
}

/** The edge's routes: the site always, webhooks and operator paths when configured. */
export function edgeRoutes(options: EdgeRouteOptions): EdgeRouteSpec[] {
  const routes: EdgeRouteSpec[] = [
    { role: 'site', name: options.baseName, paths: ['/'], rateLimitRps: options.rateLimitRps, timeoutSeconds: options.timeoutSeconds },
  ];
  if (options.webhookPaths.length > 0) {
    routes.push({
      role: 'webhooks',
      name: `${options.baseName}-webhooks`,
      paths: [...options.webhookPaths],
      rateLimitRps: options.webhookRateLimitRps,
      timeoutSeconds: options.webhookTimeoutSeconds,
    });
  }
  if (options.operatorPaths.length > 0) {
    if (options.operatorAllowedCidrs.length === 0) {
      throw new Error('edgeRoutes: operator paths without allowed CIDRs would be public; give operatorAllowedCidrs');
    }
    routes.push({
      role: 'operator',
      name: `${options.baseName}-operator`,
      paths: [...options.operatorPaths],
      rateLimitRps: options.rateLimitRps,
      timeoutSeconds: options.timeoutSeconds,
      allowedCidrs: [...options.operatorAllowedCidrs],
    });
  }
  const ws = options.websocket;
  if (ws) {
    routes.push({
      role: 'websocket',
      name: ws.name,
      paths: [ws.path],
      // Per client, the site's limit on connection attempts (a reconnect storm); an open connection is one request.
      rateLimitRps: options.rateLimitRps,
      timeoutSeconds: ws.timeoutSeconds,
      backend: ws.backend,
      ...(ws.hostnames?.length ? { hostnames: [...ws.hostnames] } : {}),
    });
  }
  return routes;
}

/** Default Secret of a host's certificate: `<app>-tls` for the main host (as the Ingress always had), else per host. */
export function defaultTlsSecretName(appName: string, hostname: string, mainHost: string): string {
  return hostname === mainHost ? `${appName}-tls` : `${appName}-tls-${hostname.replace(/\./g, '-')}`;
}

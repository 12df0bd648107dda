import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { eq, re, regexEscape } from '../operations/promql';
import type { IngressControllerProfile } from './ingress-controller';

const ANNOTATION = 'nginx.ingress.kubernetes.io';

/** How many requests above the per-second rate one client may burst (ingress-nginx's own default). */
export const INGRESS_NGINX_BURST_MULTIPLIER = 5;

/**
 * The community ingress-nginx controller (end of maintenance March 2026: prefer web.edge.kind gateway).
 * Its rate limit answers 503 unless the controller's ConfigMap sets `limit-req-status-code: "429"` (a
 * controller-wide setting, no annotation exists): docs/deployment-guide.md lists it as a prerequisite.
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/
 */
export const ingressNginx: IngressControllerProfile = {
  name: 'ingress-nginx',
  rateLimits: true,
  allowLists: true,
  annotations(route, options) {
    return {
      [`${ANNOTATION}/ssl-redirect`]: 'true',
      [`${ANNOTATION}/force-ssl-redirect`]: 'true',
      [`${ANNOTATION}/proxy-body-size`]: options.clientMaxBodySize,
      [`${ANNOTATION}/proxy-read-timeout`]: String(route.timeoutSeconds),
      // A websocket sends as long as it reads; ingress-nginx upgrades the connection by itself.
      ...(route.role === 'websocket' ? { [`${ANNOTATION}/proxy-send-timeout`]: String(route.timeoutSeconds) } : {}),
      ...(route.rateLimitRps > 0
        ? { [`${ANNOTATION}/limit-rps`]: String(route.rateLimitRps), [`${ANNOTATION}/limit-burst-multiplier`]: String(INGRESS_NGINX_BURST_MULTIPLIER) }
        : {}),
      ...(route.allowedCidrs ? { [`${ANNOTATION}/allowlist-source-range`]: route.allowedCidrs.join(',') } : {}),
    };
  },
  requestMetrics: (namespace, namespaceLabel, ingressNames) => ingressNginxRequestMetrics(namespace, namespaceLabel, ingressNames),
};

/**
 * The request metrics of ingress-nginx for the given Ingresses.
 * `namespaceLabel`: the controller's metrics carry the Ingress namespace in `exported_namespace` when
 * Prometheus scrapes them without honorLabels (the chart default), in `namespace` with honorLabels.
 * @see https://kubernetes.github.io/ingress-nginx/user-guide/monitoring/
 */
export function ingressNginxRequestMetrics(
  namespace: string,
  namespaceLabel: 'exported_namespace' | 'namespace',
  ingressNames: readonly string[],
): EdgeRequestMetrics {
  const matchers = [
    eq(namespaceLabel, namespace),
    ingressNames.length === 1 ? eq('ingress', ingressNames[0]) : re('ingress', ingressNames.map(regexEscape).join('|')),
  ];
  return {
    target: `Ingress ${ingressNames.join(', ')} (ingress-nginx)`,
    requests: { metric: 'nginx_ingress_controller_requests', statusLabel: 'status', matchers },
    duration: { metric: 'nginx_ingress_controller_request_duration_seconds_bucket', matchers, unitSeconds: 1, statusLabel: 'status' },
  };
}

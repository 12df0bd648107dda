import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { eq, re, regexEscape } from '../operations/promql';

/**
 * The request metrics of the community ingress-nginx controller for the given Ingresses.
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
    duration: { metric: 'nginx_ingress_controller_request_duration_seconds_bucket', matchers, unitSeconds: 1 },
  };
}

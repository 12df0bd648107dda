import { Construct } from 'constructs';
import {
  BackendTrafficPolicy,
  BackendTrafficPolicySpecRateLimitLocalRules,
  BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType,
  BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit,
  BackendTrafficPolicySpecRateLimitType,
  ClientTrafficPolicy,
  SecurityPolicy,
  SecurityPolicySpecAuthorizationDefaultAction,
  SecurityPolicySpecAuthorizationRulesAction,
} from '../../imports/gateway.envoyproxy.io';
import type { AppContext } from '../core/app-context';
import { SyncWave } from '../core/sync-waves';
import { re, regexEscape } from '../operations/promql';
import type { EdgeRequestMetrics } from '../operations/alert-rules';
import { EDGE_COMPONENT, EdgePeer, EdgeRouteSpec } from './edge-routes';
import type { GatewayImplementation, GatewayRef } from './gateway-implementation';

/** Namespace Envoy Gateway runs its proxies in (its Helm chart's default, the controller's namespace). */
export const ENVOY_GATEWAY_NAMESPACE = 'envoy-gateway-system';

/** Labels Envoy Gateway puts on every proxy pod (internal/infrastructure/kubernetes/proxy/resource.go). */
export const ENVOY_PROXY_LABELS: Readonly<Record<string, string>> = {
  'app.kubernetes.io/name': 'envoy',
  'app.kubernetes.io/component': 'proxy',
  'app.kubernetes.io/managed-by': 'envoy-gateway',
};

/** Labels naming the Gateway a proxy pod serves. */
export function envoyProxyLabels(gateway: GatewayRef): Record<string, string> {
  return {
    ...ENVOY_PROXY_LABELS,
    'gateway.envoyproxy.io/owning-gateway-name': gateway.name,
    'gateway.envoyproxy.io/owning-gateway-namespace': gateway.namespace,
  };
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/** Every client address, each its own bucket: a per-client limit (IPv4 and IPv6 need a rule each). */
const EVERY_CLIENT = ['0.0.0.0/0', '::/0'];

/**
 * Envoy Gateway (gateway.envoyproxy.io/v1alpha1): per-route BackendTrafficPolicy (local rate limit per
 * client address, answered 429 by Envoy; request timeout) and SecurityPolicy (IP allow list, default deny),
 * a ClientTrafficPolicy on a Gateway the project owns (client address from X-Forwarded-For).
 * @see https://gateway.envoyproxy.io/docs/tasks/traffic/local-rate-limit/
 * @see https://gateway.envoyproxy.io/docs/tasks/security/restrict-ip-access/
 */
export const envoyGateway: GatewayImplementation = {
  name: 'envoy-gateway',

  dataPlane(gateway: GatewayRef): EdgePeer {
    return { namespace: ENVOY_GATEWAY_NAMESPACE, podLabels: envoyProxyLabels(gateway) };
  },

  addRoutePolicies(scope: Construct, context: AppContext, route: EdgeRouteSpec): void {
    const targetRefs = [{ group: GATEWAY_API_GROUP, kind: 'HTTPRoute', name: route.name }];
    const metadata = context.metadata(route.name, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS });
    new BackendTrafficPolicy(scope, `${route.role}-traffic`, {
      metadata,
      spec: {
        targetRefs,
        // Also in the HTTPRoute (timeouts.request, which wins where both are set): Envoy Gateway 1.1 dropped a
        // route's timeout once any BackendTrafficPolicy targeted it (envoyproxy/gateway#4091), and its own
        // default is 15 s, shorter than nginx's.
        timeout: { http: { requestTimeout: `${route.timeoutSeconds}s` } },
        ...(route.rateLimitRps > 0 ? { rateLimit: { type: BackendTrafficPolicySpecRateLimitType.LOCAL, local: { rules: perClientLimit(route.rateLimitRps) } } } : {}),
      },
    });
    if (route.allowedCidrs) {
      new SecurityPolicy(scope, `${route.role}-security`, {
        metadata,
        spec: {
          targetRefs,
          authorization: {
            defaultAction: SecurityPolicySpecAuthorizationDefaultAction.DENY,
            rules: [{ name: 'allowed-clients', action: SecurityPolicySpecAuthorizationRulesAction.ALLOW, principal: { clientCidRs: [...route.allowedCidrs] } }],
          },
        },
      });
    }
  },

  addGatewayPolicies(scope: Construct, context: AppContext, gateway: GatewayRef, options: { readonly xffTrustedHops?: number }): void {
    if (options.xffTrustedHops === undefined) return;
    new ClientTrafficPolicy(scope, 'client-traffic', {
      metadata: context.metadata(gateway.name, EDGE_COMPONENT, { wave: SyncWave.WORKLOADS }),
      spec: {
        targetRefs: [{ group: GATEWAY_API_GROUP, kind: 'Gateway', name: gateway.name }],
        clientIpDetection: { xForwardedFor: { numTrustedHops: options.xffTrustedHops } },
      },
    });
  },

  /**
   * Envoy's upstream request counters of the routes' clusters, named `httproute/<ns>/<route>/rule/<index>`
   * by Envoy Gateway. Requests the rate limiter refuses never reach a cluster, so they are not counted.
   */
  requestMetrics(namespace: string, routeNames: readonly string[]): EdgeRequestMetrics {
    const routes = routeNames.map(regexEscape).join('|');
    const clusters = routeNames.length === 1 ? routes : `(${routes})`;
    const matchers = [re('envoy_cluster_name', `httproute/${regexEscape(namespace)}/${clusters}/rule/[0-9]+`)];
    return {
      target: `HTTPRoute ${routeNames.join(', ')} (Envoy Gateway)`,
      requests: { metric: 'envoy_cluster_upstream_rq', statusLabel: 'envoy_response_code', matchers },
      duration: { metric: 'envoy_cluster_upstream_rq_time_bucket', matchers, unitSeconds: 0.001 },
    };
  },
};

function perClientLimit(requestsPerSecond: number): BackendTrafficPolicySpecRateLimitLocalRules[] {
  return EVERY_CLIENT.map((value) => ({
    clientSelectors: [{ sourceCidr: { type: BackendTrafficPolicySpecRateLimitLocalRulesClientSelectorsSourceCidrType.DISTINCT, value } }],
    limit: { requests: requestsPerSecond, unit: BackendTrafficPolicySpecRateLimitLocalRulesLimitUnit.SECOND },
  }));
}


import type { IngressControllerProfile } from './ingress-controller';

/**
 * Any Ingress controller: the standard fields only, every annotation from the config
 * (`web.edge.ingress.annotations`, `webhookAnnotations`, `operatorAnnotations`). It knows no rate-limit or
 * allow-list annotation and no request metrics, so the web error and latency alerts are not generated.
 */
export const genericIngress: IngressControllerProfile = {
  name: 'generic',
  rateLimits: false,
  allowLists: false,
  annotations: () => ({}),
  requestMetrics: () => undefined,
};

/**
 * The Gateway API edge as synthesized: routes per traffic class, the HTTPS redirect, a Gateway of our own
 * (staging), Envoy Gateway's policies; and the CRDs' CEL rules (the gate checks the schemas, not CEL).
 */
import { parseEnvironment } from '../../../lib/config/load';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { EDGE_KINDS } from '../../../lib/edge/web-edge';
import { GATEWAY_IMPLEMENTATIONS, gatewayImplementation } from '../../../lib/edge/gateway-implementation';
import schema from '../../../lib/config/schema.json';
import { find, gateFindings, K8sObject, objectsOf, shippedConfig, shippedObjects, withChanges } from '../../helpers';

const GATEWAY_KINDS = ['Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'SecurityPolicy', 'ClientTrafficPolicy'];
const edgeObjects = (objects: readonly K8sObject[]) => objects.filter((o) => GATEWAY_KINDS.includes(o.kind));
const routeOf = (objects: K8sObject[], name: string) => find(objects, 'HTTPRoute', name);
const policyOf = (objects: K8sObject[], kind: string, name: string) => find(objects, kind, name);

/**
 * The x-kubernetes-validations (CEL) rules of the Gateway API v1.6.1 and Envoy Gateway v1.9.0 CRDs that
 * apply to what the edge emits, re-stated: the API server would refuse an object breaking one of them.
 */
function celViolations(o: K8sObject): string[] {
  const out: string[] = [];
  const spec = o.spec ?? {};
  if (o.kind === 'HTTPRoute') {
    (spec.rules ?? []).forEach((rule: any, i: number) => {
      if ((rule.backendRefs ?? []).length > 0 && (rule.filters ?? []).some((f: any) => f.requestRedirect)) out.push(`rules[${i}]: RequestRedirect filter must not be used together with backendRefs`);
      for (const b of rule.backendRefs ?? []) if ((b.group ?? '') === '' && b.kind === 'Service' && b.port === undefined) out.push(`rules[${i}]: Must have port for Service reference`);
      for (const m of rule.matches ?? []) {
        const v: string = m.path?.value ?? '/';
        if (!v.startsWith('/') || /\/\/|\/\.\/|\/\.\.\/|%2f|%2F|#/.test(v) || v.endsWith('/..') || v.endsWith('/.')) out.push(`rules[${i}]: invalid path ${v}`);
      }
      for (const f of rule.filters ?? []) if ((f.type === 'RequestRedirect') !== !!f.requestRedirect) out.push(`rules[${i}]: filter.requestRedirect must match filter.type`);
    });
    const total = (spec.rules ?? []).reduce((n: number, r: any) => n + (r.matches ?? []).length, 0);
    if (total >= 128) out.push('the total number of matches across all rules in a route must be less than 128');
    const parents: any[] = spec.parentRefs ?? [];
    for (const p1 of parents) {
      const same = parents.filter((p2) => p2.name === p1.name && (p2.namespace ?? '') === (p1.namespace ?? ''));
      if (same.length > 1 && same.some((p) => !p.sectionName)) out.push('sectionName must be specified when parentRefs includes 2 or more references to the same parent');
      if (same.filter((p) => p.sectionName === p1.sectionName).length > 1) out.push('sectionName must be unique when parentRefs includes 2 or more references to the same parent');
    }
  }
  if (o.kind === 'Gateway') {
    const listeners: any[] = spec.listeners ?? [];
    for (const l of listeners) {
      if (['HTTP', 'TCP', 'UDP'].includes(l.protocol) && l.tls) out.push(`listener ${l.name}: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']`);
      if (l.protocol === 'HTTPS' && l.tls && !['', 'Terminate', undefined].includes(l.tls.mode)) out.push(`listener ${l.name}: tls mode must be Terminate for protocol HTTPS`);
      if (l.tls?.mode === 'Terminate' && !(l.tls.certificateRefs?.length > 0)) out.push(`listener ${l.name}: certificateRefs or options must be specified when mode is Terminate`);
      if (listeners.filter((x) => x.name === l.name).length > 1) out.push('Listener name must be unique within the Gateway');
      if (listeners.filter((x) => x.port === l.port && x.protocol === l.protocol && x.hostname === l.hostname).length > 1) out.push('Combination of port, protocol and hostname must be unique for each listener');
    }
  }
  if (['BackendTrafficPolicy', 'SecurityPolicy', 'ClientTrafficPolicy'].includes(o.kind)) {
    if (!!spec.targetRef === !!spec.targetRefs) out.push('either targetRef or targetRefs must be used');
    const allowed = { BackendTrafficPolicy: ['Gateway', 'HTTPRoute'], SecurityPolicy: ['Gateway', 'HTTPRoute'], ClientTrafficPolicy: ['Gateway', 'ListenerSet'] }[o.kind as 'SecurityPolicy']!;
    for (const t of spec.targetRefs ?? []) if (t.group !== 'gateway.networking.k8s.io' || !allowed.includes(t.kind)) out.push(`targetRefs: ${t.group}/${t.kind} not allowed`);
    for (const r of spec.rateLimit?.local?.rules ?? []) {
      for (const c of r.clientSelectors ?? []) if (!c.headers && !c.methods && !c.path && !c.sourceCIDR && !c.queryParams) out.push('at least one of headers, methods, path, sourceCIDR or queryParams must be specified');
      if (r.limit?.fromMetadata) out.push('limit fromMetadata is not supported for Local Rate Limits');
    }
    for (const r of spec.authorization?.rules ?? []) {
      if (!r.principal && !r.cel) out.push('at least one of principal or cel must be specified');
      if (r.principal && !r.principal.clientCIDRs && !r.principal.jwt && !r.principal.headers) out.push('at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified');
    }
    const xff = spec.clientIPDetection?.xForwardedFor;
    if (xff && xff.numTrustedHops !== undefined && xff.trustedCIDRs !== undefined) out.push('only one of numTrustedHops or trustedCIDRs must be set');
  }
  return out;
}

describe('production: HTTPRoutes through the platform team\'s shared Gateway', () => {
  const config = shippedConfig('production');
  const objects = shippedObjects('production');
  const hostnames = config.web.edge.hosts!.map((h) => h.hostname);

  test('one route per traffic class on the HTTPS listener, all hosts, backed by the web Service, with the edge timeout', () => {
    const https = [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }];
    const expected = [
      { name: 'pembayaran-web', paths: ['/'], timeout: '75s' },
      { name: 'pembayaran-web-webhooks', paths: ['/webhooks/'], timeout: '90s' },
      { name: 'pembayaran-web-operator', paths: ['/horizon', '/admin'], timeout: '75s' },
    ];
    for (const { name, paths, timeout } of expected) {
      const route = routeOf(objects, name);
      expect(route.spec.parentRefs).toEqual(https);
      expect(route.spec.hostnames).toEqual(hostnames);
      expect(route.spec.rules).toHaveLength(1);
      const [rule] = route.spec.rules;
      expect(rule.matches).toEqual(paths.map((value) => ({ path: { type: 'PathPrefix', value } })));
      expect(rule.backendRefs).toEqual([{ kind: 'Service', name: 'pembayaran-web', port: 80 }]);
      expect(rule.timeouts).toEqual({ request: timeout });
      expect(route.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    }
  });

  test('the plain-HTTP listener only redirects to HTTPS, with 301', () => {
    const redirect = routeOf(objects, 'pembayaran-web-redirect');
    expect(redirect.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateway-system', sectionName: 'http' }]);
    expect(redirect.spec.hostnames).toEqual(hostnames);
    expect(redirect.spec.rules).toEqual([{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }]);
  });

  test('Envoy Gateway: a per-client limit on the site and operator routes, none on the webhooks, the timeout on each route', () => {
    const perClient = (rps: number) => ({
      type: 'Local',
      local: {
        rules: ['0.0.0.0/0', '::/0'].map((value) => ({ clientSelectors: [{ sourceCIDR: { type: 'Distinct', value } }], limit: { requests: rps, unit: 'Second' } })),
      },
    });
    const site = policyOf(objects, 'BackendTrafficPolicy', 'pembayaran-web');
    expect(site.spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'pembayaran-web' }],
      rateLimit: perClient(30),
      timeout: { http: { requestTimeout: '75s' } },
    });
    const webhooks = policyOf(objects, 'BackendTrafficPolicy', 'pembayaran-web-webhooks');
    expect(webhooks.spec.rateLimit).toBeUndefined();
    expect(webhooks.spec.timeout).toEqual({ http: { requestTimeout: '90s' } });
    expect(policyOf(objects, 'BackendTrafficPolicy', 'pembayaran-web-operator').spec.rateLimit).toEqual(perClient(30));
  });

  test('the operator paths are allow-listed: deny by default, allow the configured ranges; no other route has an allow list', () => {
    const security = objects.filter((o) => o.kind === 'SecurityPolicy');
    expect(security.map((o) => o.metadata.name)).toEqual(['pembayaran-web-operator']);
    expect(security[0].spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'pembayaran-web-operator' }],
      authorization: { defaultAction: 'Deny', rules: [{ name: 'allowed-clients', action: 'Allow', principal: { clientCIDRs: config.web.edge.operatorAllowedCidrs } }] },
    });
  });

  test('no Gateway, no certificate and no Ingress of our own: the platform Gateway holds the TLS', () => {
    expect(objects.filter((o) => o.kind === 'Gateway' || o.kind === 'Ingress')).toEqual([]);
  });
});

describe('staging: a Gateway of its own with cert-manager certificates', () => {
  const config = shippedConfig('staging');
  const objects = shippedObjects('staging');
  const gateway = find(objects, 'Gateway', 'pembayaran-gateway');

  test('an HTTP listener and one HTTPS listener per host, each with its own certificate Secret, issued by cert-manager', () => {
    expect(gateway.metadata.annotations['cert-manager.io/cluster-issuer']).toBe(config.web.edge.tls.clusterIssuer);
    expect(gateway.spec.gatewayClassName).toBe('eg');
    const same = { namespaces: { from: 'Same' } };
    expect(gateway.spec.listeners).toEqual([
      { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: same },
      {
        name: 'https-staging.pembayaran.example.com',
        protocol: 'HTTPS',
        port: 443,
        hostname: 'staging.pembayaran.example.com',
        allowedRoutes: same,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'pembayaran-tls' }] },
      },
      {
        name: 'https-api.staging.pembayaran.example.com',
        protocol: 'HTTPS',
        port: 443,
        hostname: 'api.staging.pembayaran.example.com',
        allowedRoutes: same,
        tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'pembayaran-tls-api-staging-pembayaran-example-com' }] },
      },
    ]);
  });

  test('the application routes attach to the HTTPS listeners by name, the redirect to the HTTP listener', () => {
    const https = gateway.spec.listeners.filter((l: any) => l.protocol === 'HTTPS').map((l: any) => ({ name: 'pembayaran-gateway', sectionName: l.name }));
    for (const name of ['pembayaran-web', 'pembayaran-web-webhooks', 'pembayaran-web-operator']) expect(routeOf(objects, name).spec.parentRefs).toEqual(https);
    expect(routeOf(objects, 'pembayaran-web-redirect').spec.parentRefs).toEqual([{ name: 'pembayaran-gateway', sectionName: 'http' }]);
  });

  test('without xffTrustedHops no ClientTrafficPolicy; with it one on our Gateway, and the gate accepts it', () => {
    expect(objects.filter((o) => o.kind === 'ClientTrafficPolicy')).toEqual([]);
    const trusting = parseEnvironment('config/staging.yaml', withChanges('staging', (d) => (d.web.edge.gateway.xffTrustedHops = 1)));
    const changed = objectsOf(trusting);
    expect(find(changed, 'ClientTrafficPolicy', 'pembayaran-gateway').spec).toEqual({
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'pembayaran-gateway' }],
      clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } },
    });
    expect(gateFindings('staging', changed)).toEqual([]);
    expect(changed.flatMap(celViolations)).toEqual([]);
  });
});

describe('every Gateway API object the edge emits', () => {
  const variants: Array<[string, EnvironmentConfig]> = [
    ['production', shippedConfig('production')],
    ['staging', shippedConfig('staging')],
    ['a webhook limit and no operator paths', parseEnvironment('config/production.yaml', withChanges('production', (d) => {
      d.web.edge.webhookRateLimitRps = 200;
      d.web.edge.operatorPaths = [];
      d.web.edge.operatorAllowedCidrs = [];
    }))],
    ['no limit at all, one host, no HTTP listener', parseEnvironment('config/production.yaml', withChanges('production', (d) => {
      d.web.edge.rateLimitRps = 0;
      delete d.web.edge.hosts;
      d.web.edge.gateway.parentRefs = [{ name: 'public', namespace: 'pembayaran', sectionName: 'https' }];
    }))],
  ];

  test.each(variants)('%s: satisfies the CRDs\' CEL rules and passes the gate', (_name, config) => {
    const objects = objectsOf(config);
    expect(edgeObjects(objects).length).toBeGreaterThan(0);
    expect(objects.flatMap((o) => celViolations(o).map((v) => `${o.kind}/${o.metadata.name}: ${v}`))).toEqual([]);
    expect(gateFindings(config.name, objects)).toEqual([]);
  });

  test('a webhook limit is its own per-client limit; a Gateway in our own namespace is referenced without a namespace', () => {
    const [, limited] = variants[2];
    const objects = objectsOf(limited);
    expect(policyOf(objects, 'BackendTrafficPolicy', 'pembayaran-web-webhooks').spec.rateLimit.local.rules[0].limit).toEqual({ requests: 200, unit: 'Second' });
    expect(objects.filter((o) => o.kind === 'SecurityPolicy')).toEqual([]);
    const [, single] = variants[3];
    const routes = objectsOf(single).filter((o) => o.kind === 'HTTPRoute');
    expect(routes.map((r) => r.metadata.name)).toEqual(['pembayaran-web', 'pembayaran-web-webhooks', 'pembayaran-web-operator', 'pembayaran-reverb']);
    for (const route of routes) expect(route.spec.parentRefs).toEqual([{ name: 'public', sectionName: 'https' }]);
    expect(objectsOf(single).find((o) => o.kind === 'BackendTrafficPolicy' && o.metadata.name === 'pembayaran-web')!.spec.rateLimit).toBeUndefined();
  });
});

describe('registries', () => {
  const edgeSchema = (schema as any).properties.web.properties.edge.properties;

  test('the config enums name exactly the registered edge kinds and Gateway implementations', () => {
    expect(Object.keys(EDGE_KINDS).sort()).toEqual([...edgeSchema.kind.enum].sort());
    expect(Object.keys(GATEWAY_IMPLEMENTATIONS).sort()).toEqual([...edgeSchema.implementation.enum].sort());
  });

  test('an unknown implementation is refused by name', () => {
    expect(() => gatewayImplementation('istio')).toThrow('web.edge.implementation "istio" is not supported; expected one of: envoy-gateway');
  });
});

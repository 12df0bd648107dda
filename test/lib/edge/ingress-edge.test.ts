/** The Ingress edge: one Ingress per traffic class, annotated by the named controller profile. */
import schema from '../../../lib/config/schema.json';
import { ingressController, INGRESS_CONTROLLERS } from '../../../lib/edge/ingress-controller';
import { find, gateFindings, K8sObject, objectsOf, withIngressEdge } from '../../helpers';

const NGINX = 'nginx.ingress.kubernetes.io';
const ingresses = (objects: readonly K8sObject[]) => objects.filter((o) => o.kind === 'Ingress');

describe('the ingress-nginx profile (production switched to web.edge.kind: ingress)', () => {
  const config = withIngressEdge('production');
  const objects = objectsOf(config);
  const hosts = config.web.edge.hosts!.map((h) => h.hostname);

  test('three Ingresses, every host with its own certificate Secret, the site alone asking cert-manager for them', () => {
    const web = ingresses(objects).filter((i) => i.metadata.name !== 'pembayaran-reverb');
    expect(web.map((i) => i.metadata.name)).toEqual(['pembayaran-web', 'pembayaran-web-webhooks', 'pembayaran-web-operator']);
    const tls = hosts.map((host) => ({ hosts: [host], secretName: host === config.laravel.host ? 'pembayaran-tls' : `pembayaran-tls-${host.replace(/\./g, '-')}` }));
    for (const ingress of web) {
      expect(ingress.spec.ingressClassName).toBe('nginx');
      expect(ingress.spec.tls).toEqual(tls);
      expect(ingress.spec.rules.map((r: any) => r.host)).toEqual(hosts);
      expect(ingress.metadata.annotations[`${NGINX}/force-ssl-redirect`]).toBe('true');
      expect(ingress.metadata.annotations[`${NGINX}/proxy-body-size`]).toBe(config.web.clientMaxBodySize);
    }
    // One Certificate per Secret: two Ingresses asking for the same Secret would make cert-manager fight over it.
    expect(ingresses(objects).filter((i) => i.metadata.annotations['cert-manager.io/cluster-issuer']).map((i) => i.metadata.name)).toEqual(['pembayaran-web']);
    // production's Reverb: a fourth Ingress on its one host, reusing that host's certificate Secret.
    const reverb = find(objects, 'Ingress', 'pembayaran-reverb');
    expect(reverb.spec.tls).toEqual([{ hosts: ['pembayaran.example.com'], secretName: 'pembayaran-tls' }]);
    expect(reverb.spec.rules.map((r: any) => r.host)).toEqual(['pembayaran.example.com']);
  });

  test('the site is rate limited per client; the webhooks are not, and wait longer; the operator paths are allow-listed', () => {
    const annotations = (name: string) => find(objects, 'Ingress', name).metadata.annotations;
    expect(annotations('pembayaran-web')).toMatchObject({ [`${NGINX}/limit-rps`]: '30', [`${NGINX}/limit-burst-multiplier`]: '5', [`${NGINX}/proxy-read-timeout`]: '75' });
    expect(annotations('pembayaran-web')[`${NGINX}/allowlist-source-range`]).toBeUndefined();
    expect(annotations('pembayaran-web-webhooks')[`${NGINX}/limit-rps`]).toBeUndefined();
    expect(annotations('pembayaran-web-webhooks')[`${NGINX}/proxy-read-timeout`]).toBe('90');
    expect(annotations('pembayaran-web-operator')).toMatchObject({ [`${NGINX}/allowlist-source-range`]: '10.8.0.0/16', [`${NGINX}/limit-rps`]: '30' });
    const paths = (name: string) => find(objects, 'Ingress', name).spec.rules[0].http.paths.map((p: any) => [p.path, p.pathType, p.backend.service]);
    expect(paths('pembayaran-web-webhooks')).toEqual([['/webhooks/', 'Prefix', { name: 'pembayaran-web', port: { name: 'http' } }]]);
    expect(paths('pembayaran-web-operator').map((p: any) => p[0])).toEqual(['/horizon', '/admin']);
  });

  test('extra annotations from config: on every Ingress, and per traffic class', () => {
    const changed = objectsOf(withIngressEdge('production', (d) => {
      d.web.edge.ingress = { annotations: { [`${NGINX}/proxy-buffer-size`]: '16k' }, webhookAnnotations: { [`${NGINX}/proxy-request-buffering`]: 'off' } };
    }));
    expect(find(changed, 'Ingress', 'pembayaran-web').metadata.annotations[`${NGINX}/proxy-buffer-size`]).toBe('16k');
    expect(find(changed, 'Ingress', 'pembayaran-web-operator').metadata.annotations[`${NGINX}/proxy-buffer-size`]).toBe('16k');
    expect(find(changed, 'Ingress', 'pembayaran-web-webhooks').metadata.annotations[`${NGINX}/proxy-request-buffering`]).toBe('off');
    expect(find(changed, 'Ingress', 'pembayaran-web').metadata.annotations[`${NGINX}/proxy-request-buffering`]).toBeUndefined();
  });

  test('the Ingresses pass the gate', () => {
    expect(gateFindings('production', objects)).toEqual([]);
  });
});

describe('the generic profile', () => {
  const config = withIngressEdge('production', (d) => {
    d.web.edge.rateLimitRps = 0;
    d.web.edge.ingress = {
      controller: 'generic',
      className: 'traefik',
      annotations: { 'traefik.ingress.kubernetes.io/router.tls': 'true' },
      operatorAnnotations: { 'traefik.ingress.kubernetes.io/router.middlewares': 'pembayaran-operators@kubernetescrd' },
    };
  });
  const objects = objectsOf(config);

  test('writes no controller-specific annotation of its own: only cert-manager and the configured ones', () => {
    for (const ingress of ingresses(objects)) {
      expect(Object.keys(ingress.metadata.annotations).filter((k) => k.startsWith(NGINX))).toEqual([]);
      expect(ingress.spec.ingressClassName).toBe('traefik');
      expect(ingress.metadata.annotations['traefik.ingress.kubernetes.io/router.tls']).toBe('true');
    }
    expect(find(objects, 'Ingress', 'pembayaran-web-operator').metadata.annotations['traefik.ingress.kubernetes.io/router.middlewares']).toBe('pembayaran-operators@kubernetescrd');
    expect(gateFindings('production', objects)).toEqual([]);
  });
});

describe('controller profiles', () => {
  test('the config enum names exactly the registered profiles, each says what it can express', () => {
    const controller = (schema as any).properties.web.properties.edge.properties.ingress.properties.controller;
    expect(Object.keys(INGRESS_CONTROLLERS).sort()).toEqual([...controller.enum].sort());
    expect(INGRESS_CONTROLLERS['ingress-nginx']).toMatchObject({ rateLimits: true, allowLists: true });
    expect(INGRESS_CONTROLLERS.generic).toMatchObject({ rateLimits: false, allowLists: false });
    expect(() => ingressController('haproxy')).toThrow('web.edge.ingress.controller "haproxy" is not supported; expected one of: ingress-nginx, generic');
  });
});

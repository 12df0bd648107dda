/**
 * The `web.edge` config: configs written before it keep working (and are told what to change), new ones
 * get Gateway API, and every cross-field rule refuses what the edge could not serve safely.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ConfigProblem, formatProblem, parseEnvironment } from '../../../lib/config/load';
import { find, objectsOf, rejectionsOf, ROOT, withChanges } from '../../helpers';

const BEFORE = path.join(__dirname, 'fixtures', 'before-edge');
/** Two objects of production as they were synthesized before web.edge existed. */
const before = (file: string) => fs.readFileSync(path.join(BEFORE, file), 'utf8');
/** The shipped configs as they were written before web.edge: production with web.ingress, staging with no edge key at all. */
const LEGACY: Record<string, string> = {
  'production.yaml': withChanges('production', (d) => {
    delete d.web.edge;
    d.web.ingress = { rateLimitRps: 30 };
  }),
  'staging.yaml': withChanges('staging', (d) => delete d.web.edge),
};
const legacy = (file: string) => LEGACY[file];

function problemsOf(text: string, file = 'config/test.yaml'): string[] {
  return rejectionsOf(file, text).map(formatProblem);
}

/** A shipped config with changes to its `web.edge`. */
const edgeChange = (env: string, change: (edge: any, doc: any) => void) => withChanges(env, (d) => change(d.web.edge, d));

describe('configs written before web.edge', () => {
  test('web.ingress is read as the same ingress-nginx Ingress, with a warning that says what to write instead', () => {
    const warnings: ConfigProblem[] = [];
    const config = parseEnvironment('config/production.yaml', legacy('production.yaml'), warnings);
    expect(warnings.map(formatProblem)).toEqual([
      'config/production.yaml: web.ingress: is deprecated and read as the same ingress-nginx Ingress as before; replace it with web.edge: {kind: ingress, rateLimitRps: 30}, ' +
        'or move to Gateway API with web.edge.kind: gateway (ingress-nginx is unmaintained since March 2026; docs/deployment-guide.md, "Moving from ingress-nginx")',
    ]);
    expect(config.web.edge).toMatchObject({ kind: 'ingress', rateLimitRps: 30, ingress: { controller: 'ingress-nginx', className: 'nginx' } });
    expect(config.web.ingress).toBeUndefined();

    // The objects the cluster runs are those of before: the Ingress and the policy admitting the controller.
    const objects = objectsOf(config);
    const old = yaml.load(before('ingress-pembayaran-web.yaml')) as any;
    const ingress = find(objects, 'Ingress', 'pembayaran-web');
    expect(ingress.spec).toEqual(old.spec);
    expect(ingress.metadata.annotations).toEqual(old.metadata.annotations);
    // Beside it only the websocket route production's Reverb adds, on the same host and certificate.
    expect(objects.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name).sort()).toEqual(['pembayaran-reverb', 'pembayaran-web']);
    expect(find(objects, 'Ingress', 'pembayaran-reverb').spec.tls).toEqual(old.spec.tls);
    expect(objects.filter((o) => o.apiVersion.startsWith('gateway.'))).toEqual([]);
    const oldPolicy = yaml.load(before('networkpolicy-pembayaran-allow-web-from-ingress-controller.yaml')) as any;
    expect(find(objects, 'NetworkPolicy', 'pembayaran-allow-web-from-ingress-controller').spec).toEqual(oldPolicy.spec);
  });

  test('every legacy setting is carried over, and named in the replacement', () => {
    const legacy = withChanges('production', (d) => {
      delete d.web.edge;
      d.web.ingress = { className: 'nginx-public', clusterIssuer: 'letsencrypt-dns', tlsSecretName: 'pembayaran-cert', rateLimitRps: 0, annotations: { 'nginx.ingress.kubernetes.io/proxy-buffer-size': '16k' } };
    });
    const warnings: ConfigProblem[] = [];
    const config = parseEnvironment('config/production.yaml', legacy, warnings);
    expect(warnings[0].message).toContain(
      'replace it with web.edge: {kind: ingress, rateLimitRps: 0, hosts: [{hostname: pembayaran.example.com, tlsSecretName: pembayaran-cert}], tls: {clusterIssuer: letsencrypt-dns}, ' +
        "ingress: {className: nginx-public, annotations: {nginx.ingress.kubernetes.io/proxy-buffer-size: 16k}}}",
    );
    const ingress = find(objectsOf(config), 'Ingress', 'pembayaran-web');
    expect(ingress.spec.ingressClassName).toBe('nginx-public');
    expect(ingress.spec.tls).toEqual([{ hosts: ['pembayaran.example.com'], secretName: 'pembayaran-cert' }]);
    expect(ingress.metadata.annotations).toMatchObject({ 'cert-manager.io/cluster-issuer': 'letsencrypt-dns', 'nginx.ingress.kubernetes.io/proxy-buffer-size': '16k' });
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/limit-rps']).toBeUndefined();
  });

  test('the replacement the warning suggests loads to the same objects, without a warning', () => {
    const warnings: ConfigProblem[] = [];
    const fromLegacy = parseEnvironment('config/production.yaml', legacy('production.yaml'), warnings);
    const suggested = /replace it with web\.edge: (\{.*?\}), or move/.exec(warnings[0].message)![1];
    const doc = yaml.load(legacy('production.yaml')) as any;
    delete doc.web.ingress;
    doc.web.edge = yaml.load(suggested);
    const again: ConfigProblem[] = [];
    const replaced = parseEnvironment('config/production.yaml', yaml.dump(doc), again);
    expect(again).toEqual([]);
    expect(objectsOf(replaced)).toEqual(objectsOf(fromLegacy));
  });

  test('web.ingress beside web.edge is refused rather than silently ignored', () => {
    const both = withChanges('production', (d) => (d.web.ingress = { rateLimitRps: 30 }));
    expect(problemsOf(both)).toEqual(['config/test.yaml: web.ingress: is replaced by web.edge, which is also set; move its settings into web.edge and remove web.ingress']);
  });

  test('a config without any edge key is not switched to Gateway API behind its back: the loader says what to choose', () => {
    // The staging config of before relied on the default Ingress entirely.
    expect(problemsOf(legacy('staging.yaml'), 'config/staging.yaml')).toEqual([
      'config/staging.yaml: web.edge.gateway.parentRefs: is empty; web.edge.kind gateway (the default) needs the Gateway listener(s) to attach to (name, namespace, sectionName), ' +
        'or create: true to emit a Gateway; set web.edge.kind: ingress to keep an Ingress',
    ]);
  });

  test('npm run synth prints the warning, exits 0 and writes the Ingress', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edge-legacy-'));
    try {
      const file = path.join(dir, 'production.yaml');
      fs.writeFileSync(file, legacy('production.yaml'));
      const result = spawnSync('node', [path.join(ROOT, 'build', 'main.js'), '--config', file, '--outdir', path.join(dir, 'dist')], { cwd: dir, encoding: 'utf8' });
      expect(result.stderr).toMatch(/^warning: production\.yaml: web\.ingress: is deprecated and read as the same ingress-nginx Ingress as before; replace it with web\.edge: \{kind: ingress, rateLimitRps: 30\}/);
      expect(result.status).toBe(0);
      expect(fs.existsSync(path.join(dir, 'dist', 'production', 'ingress-pembayaran-web.yaml'))).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('web.edge defaults', () => {
  test('kind gateway through Envoy Gateway, one host (laravel.host), 20 req/s per client, HTTP-01 certificates', () => {
    const config = parseEnvironment('config/test.yaml', edgeChange('production', (edge, d) => (d.web.edge = { gateway: edge.gateway })));
    expect(config.web.edge).toMatchObject({
      kind: 'gateway',
      implementation: 'envoy-gateway',
      rateLimitRps: 20,
      webhookPaths: [],
      webhookRateLimitRps: 0,
      operatorPaths: [],
      operatorAllowedCidrs: [],
      tls: { clusterIssuer: 'letsencrypt-prod', acmeChallenge: 'http01' },
      gateway: { create: false },
      ingress: { controller: 'ingress-nginx', className: 'nginx' },
    });
    expect(config.web.edge.hosts).toBeUndefined();
    expect(config.web.edge.gateway.parentRefs.every((p) => p.listenerProtocol)).toBe(true);
    const routes = objectsOf(config).filter((o) => o.kind === 'HTTPRoute');
    // production's Reverb keeps its websocket route on the one host.
    expect(routes.map((r) => r.metadata.name).sort()).toEqual(['pembayaran-reverb', 'pembayaran-web', 'pembayaran-web-redirect']);
    for (const route of routes) expect(route.spec.hostnames).toEqual(['pembayaran.example.com']);
  });
});

describe('web.edge cross-field rules', () => {
  const cases: Array<[string, string, (edge: any, doc: any) => void, string[]]> = [
    ['the hosts leave out laravel.host', 'production', (e) => (e.hosts = [{ hostname: 'api.pembayaran.example.com' }]), [
      // Reverb's websocket host must be one of the edge's hosts as well.
      'reverb.edge.hostnames[0]: "pembayaran.example.com" is not among the edge\'s hosts (api.pembayaran.example.com), whose listeners and certificates serve the websocket route: add it to web.edge.hosts or use one of them',
      'web.edge.hosts: does not list laravel.host (pembayaran.example.com); APP_URL and the readiness probe use it: add it',
    ]],
    ['a host is an IP address', 'production', (e) => (e.hosts[2].hostname = '203.0.113.7'), ['web.edge.hosts[2].hostname: "203.0.113.7" is an IP address; routes and certificates need a DNS name']],
    ['a host is listed twice', 'production', (e) => e.hosts.push({ hostname: 'api.pembayaran.example.com' }), ['web.edge.hosts[3].hostname: "api.pembayaran.example.com" is listed twice']],
    ['two hosts share a certificate Secret', 'production', (e) => {
      e.hosts[0].tlsSecretName = 'shared';
      e.hosts[1].tlsSecretName = 'shared';
    }, ['web.edge.hosts[1].tlsSecretName: "shared" is also the Secret of pembayaran.example.com; each host needs its own certificate Secret']],
    ['a Gateway to attach to and create together', 'staging', (e) => (e.gateway.parentRefs = [{ name: 'public', sectionName: 'https' }]), [
      'web.edge.gateway.parentRefs: is set with create: true; the routes then attach to the Gateway the project creates: remove one of them',
    ]],
    ['create without a GatewayClass', 'staging', (e) => delete e.gateway.className, ['web.edge.gateway.className: is required with create: true: the GatewayClass of your Gateway API implementation']],
    ['only plain-HTTP listeners', 'production', (e) => (e.gateway.parentRefs = [{ name: 'public', namespace: 'gateway-system', sectionName: 'http', listenerProtocol: 'HTTP' }]), [
      'web.edge.gateway.parentRefs: names no HTTPS listener (listenerProtocol: HTTPS); the application is served over HTTPS only, plain HTTP listeners only redirect',
    ]],
    ['one Gateway twice without listener names', 'production', (e) => delete e.gateway.parentRefs[1].sectionName, [
      'web.edge.gateway.parentRefs[1].sectionName: is required: Gateway gateway-system/public is named more than once, so each reference must name its listener',
    ]],
    ['one listener twice', 'production', (e) => (e.gateway.parentRefs[1].sectionName = 'https'), ['web.edge.gateway.parentRefs[1].sectionName: "https" of Gateway gateway-system/public is named twice']],
    ['trusted X-Forwarded-For hops on a shared Gateway', 'production', (e) => (e.gateway.xffTrustedHops = 1), [
      "web.edge.gateway.xffTrustedHops: configures the Gateway the project creates (create: true); a shared Gateway's owner sets it on theirs",
    ]],
    ['Ingress annotations with the gateway kind', 'production', (e) => (e.ingress = { annotations: { a: 'b' } }), [
      "web.edge.ingress.annotations: applies to web.edge.kind ingress only; Gateway API settings are web.edge.gateway and the implementation's policies",
    ]],
    ['Gateway settings with the ingress kind', 'production', (e) => (e.kind = 'ingress'), ['web.edge.gateway: applies to web.edge.kind gateway only; remove it, or set web.edge.kind: gateway']],
    ['gatewayDataPlane with the ingress kind', 'production', (e, d) => {
      e.kind = 'ingress';
      delete e.gateway;
      d.networkPolicy.gatewayDataPlane = { namespace: 'edge' };
    }, ['networkPolicy.gatewayDataPlane: applies to web.edge.kind gateway only; with an Ingress, networkPolicy.ingressController says who reaches the web pods']],
    ['a rate limit the generic Ingress profile cannot express', 'production', (e) => {
      e.kind = 'ingress';
      delete e.gateway;
      e.webhookRateLimitRps = 100;
      e.ingress = { controller: 'generic', operatorAnnotations: { 'example.com/allow': '10.8.0.0/16' } };
    }, [
      "web.edge.rateLimitRps: is 30; the generic Ingress profile has no rate-limit annotation: set 0 and give your controller's annotation in web.edge.ingress.annotations",
      "web.edge.webhookRateLimitRps: is 100; the generic Ingress profile has no rate-limit annotation: set 0 and give your controller's annotation in web.edge.ingress.annotations",
    ]],
    ['operator paths the generic Ingress profile would leave public', 'production', (e) => {
      e.kind = 'ingress';
      delete e.gateway;
      e.rateLimitRps = 0;
      e.ingress = { controller: 'generic' };
    }, ["web.edge.ingress.operatorAnnotations: is empty; the generic Ingress profile has no allow-list annotation, so the operator paths would be public: give your controller's"]],
    ['operator paths without an allow list', 'production', (e) => (e.operatorAllowedCidrs = []), ['web.edge.operatorAllowedCidrs: is empty; the operator paths would be public: list the client ranges allowed (VPN, office)']],
    ['an allow list without operator paths', 'production', (e) => (e.operatorPaths = []), ['web.edge.operatorAllowedCidrs: is set, but web.edge.operatorPaths is empty: list the paths it protects']],
    ['webhook settings without webhook paths', 'production', (e) => {
      e.webhookPaths = [];
      e.webhookRateLimitRps = 50;
    }, [
      'web.edge.webhookRateLimitRps: is set, but web.edge.webhookPaths is empty: list the webhook paths',
      'web.edge.webhookTimeoutSeconds: is set, but web.edge.webhookPaths is empty: list the webhook paths',
    ]],
    ['"/" as a webhook path', 'production', (e) => (e.webhookPaths = ['/']), ['web.edge.webhookPaths[0]: "/" would exempt the whole site from the rate limit; list the webhook paths only']],
    ['"/" as an operator path', 'production', (e) => (e.operatorPaths = ['/']), ['web.edge.operatorPaths[0]: "/" would put the whole site behind the allow list; list the operator paths only']],
    ['a path both a webhook and an operator path', 'production', (e) => (e.operatorPaths = ['/horizon', '/webhooks']), [
      'web.edge.operatorPaths[1]: "/webhooks" is already listed at web.edge.webhookPaths[0]; a path belongs to one route',
    ]],
    ['paths Gateway API refuses', 'production', (e) => (e.webhookPaths = ['/hooks//stripe', '/hooks/%2Fx', '/hooks/.']), [
      'web.edge.webhookPaths[0]: "/hooks//stripe" contains "//"; a path prefix must be a plain absolute path',
      'web.edge.webhookPaths[1]: "/hooks/%2Fx" contains "%2F"; a path prefix must be a plain absolute path',
      'web.edge.webhookPaths[2]: "/hooks/." ends with a dot segment; a path prefix must be a plain absolute path',
    ]],
    ['a webhook timeout shorter than the edge timeout of the chain', 'production', (e) => (e.webhookTimeoutSeconds = 70), [
      'web.edge.webhookTimeoutSeconds: is 70; the edge must wait longer than nginx (fastcgi_read_timeout 70 s, from web.requestTimeoutSeconds 60), ' +
        'or it cuts answers nginx is still sending: set at least 75, or leave it out',
    ]],
    ['a longer request timeout that overtakes the webhook timeout', 'production', (_e, d) => (d.web.requestTimeoutSeconds = 120), [
      'web.edge.webhookTimeoutSeconds: is 90; the edge must wait longer than nginx (fastcgi_read_timeout 130 s, from web.requestTimeoutSeconds 120), ' +
        'or it cuts answers nginx is still sending: set at least 135, or leave it out',
    ]],
    ['DNS opened to every address', 'production', (_e, d) => (d.networkPolicy.dns.ipBlocks = ['0.0.0.0/0']), [
      'networkPolicy.dns.ipBlocks[0]: "0.0.0.0/0" opens port 53 to every address (a DNS tunnel out of the cluster); give the node-local cache\'s address, e.g. 169.254.20.10/32',
    ]],
  ];
  test.each(cases)('refused: %s', (_title, env, change, expected) => {
    expect(problemsOf(edgeChange(env, change))).toEqual(expected.map((line) => `config/test.yaml: ${line}`));
  });

  test('a webhook timeout at least the edge timeout of the chain is accepted, and reaches the webhook route only', () => {
    const config = parseEnvironment('config/test.yaml', edgeChange('production', (e) => (e.webhookTimeoutSeconds = 75)));
    const routes = objectsOf(config).filter((o) => o.kind === 'HTTPRoute');
    const timeout = (name: string) => routes.find((r) => r.metadata.name === name)!.spec.rules[0].timeouts.request;
    expect([timeout('pembayaran-web'), timeout('pembayaran-web-webhooks'), timeout('pembayaran-web-operator')]).toEqual(['75s', '75s', '75s']);
    const shipped = objectsOf(parseEnvironment('config/production.yaml', fs.readFileSync(path.join(ROOT, 'config', 'production.yaml'), 'utf8')));
    expect(shipped.find((o) => o.kind === 'HTTPRoute' && o.metadata.name === 'pembayaran-web-webhooks')!.spec.rules[0].timeouts.request).toBe('90s');
  });

  test('path patterns and the implementation are schema rules', () => {
    expect(problemsOf(edgeChange('production', (e) => (e.webhookPaths = ['webhooks'])))).toEqual([
      expect.stringMatching(/^config\/test\.yaml: web\.edge\.webhookPaths\[0\]: expected a path prefix starting with \/, e\.g\. \/webhooks\/ .* \(got "webhooks"\)$/),
    ]);
    expect(problemsOf(edgeChange('production', (e) => (e.implementation = 'istio')))).toEqual(['config/test.yaml: web.edge.implementation: expected one of "envoy-gateway" (got "istio")']);
  });
});

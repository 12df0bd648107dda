import { SchemaValidator, pointerToPath } from '../../../tools/validate/schema';
import { validateManifests } from '../../../tools/validate';
import { hardened } from './fixtures';

const validator = new SchemaValidator();
const byKind = (kind: string) => hardened().find((m) => m.object.kind === kind)!.object as any;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
/** The hardened HTTPRoute that forwards to the API Service (not its redirect twin). */
const apiRoute = () => hardened().find((m) => m.object.kind === 'HTTPRoute' && m.object.metadata.name === 'pembayaran-api')!.object as any;

describe('strict schema (k8s 1.28)', () => {
  test('an unknown field at a nested level is rejected with a readable path', () => {
    const dep = clone(byKind('Deployment'));
    dep.spec.template.spec.containers[0].securityContext.foo = true;
    dep.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/x';
    expect(validator.validate(dep)).toEqual([
      { rule: 'schema/unknown-field', message: 'spec.template.spec.containers[0].livenessProbe.httpGet: unknown field "paht"' },
      { rule: 'schema/unknown-field', message: 'spec.template.spec.containers[0].securityContext: unknown field "foo"' },
    ]);
  });

  test('an unknown top-level field is rejected', () => {
    const sa = clone(byKind('ServiceAccount'));
    sa.spec = {};
    expect(validator.validate(sa)).toEqual([{ rule: 'schema/unknown-field', message: 'unknown field "spec"' }]);
  });

  test('int-or-string ports accept numbers and names, reject other types', () => {
    const svc = clone(byKind('Service'));
    svc.spec.ports = [
      { name: 'a', port: 80, targetPort: 8080 },
      { name: 'b', port: 81, targetPort: 'http' },
    ];
    expect(validator.validate(svc)).toEqual([]);
    svc.spec.ports[0].targetPort = true;
    svc.spec.ports[1].port = '81';
    expect(validator.validate(svc).map((i) => i.message)).toEqual([
      'spec.ports[0].targetPort: must be string or integer, got boolean',
      'spec.ports[1].port: must be integer, got string',
    ]);
  });

  test('quantities accept strings and numbers', () => {
    const dep = clone(byKind('Deployment'));
    dep.spec.template.spec.containers[0].resources = { requests: { cpu: 0.5, memory: '256Mi' }, limits: { memory: 268435456 } };
    expect(validator.validate(dep)).toEqual([]);
    dep.spec.template.spec.containers[0].resources.limits.memory = { size: 1 };
    expect(validator.validate(dep)).toEqual([
      { rule: 'schema/invalid', message: 'spec.template.spec.containers[0].resources.limits.memory: must be string or number, got object' },
    ]);
  });

  test('labels with dots and slashes are shown in bracket form', () => {
    const ns = clone(byKind('Namespace'));
    ns.metadata.labels['app.kubernetes.io/name'] = 3;
    expect(validator.validate(ns)).toEqual([{ rule: 'schema/invalid', message: 'metadata.labels["app.kubernetes.io/name"]: must be string, got integer' }]);
  });

  test('missing required fields and wrong kinds of values are invalid', () => {
    const dep = clone(byKind('Deployment'));
    delete dep.spec.selector;
    dep.spec.replicas = 'two';
    expect(validator.validate(dep)).toEqual([
      { rule: 'schema/invalid', message: 'spec: missing required field "selector"' },
      { rule: 'schema/invalid', message: 'spec.replicas: must be integer, got string' },
    ]);
  });

  test('an unknown apiVersion/kind is a failure, not a skip', () => {
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      { rule: 'schema/unknown-kind', message: expect.stringContaining('unknown apiVersion/kind example.com/v1 Widget') },
    ]);
    expect(validator.validate({ apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'd' } })).toEqual([
      { rule: 'schema/unknown-kind', message: 'unknown apiVersion/kind extensions/v1beta1 Deployment (known versions of Deployment: apps/v1)' },
    ]);
    expect(validator.validate({ metadata: { name: 'x' } })[0].rule).toBe('schema/unknown-kind');
    expect(validator.validate('just a string')[0].rule).toBe('schema/invalid');
  });

  test('the unknown kind is reported by the gate with its file', () => {
    const findings = validateManifests([{ file: 'dist/x/widget.yaml', object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } } }]);
    expect(findings.find((f) => f.rule === 'schema/unknown-kind')).toMatchObject({ file: 'dist/x/widget.yaml', kind: 'Widget', name: 'w' });
  });
});

describe('custom resources against served CRD versions', () => {
  test('ExternalSecret external-secrets.io/v1 is valid, v1beta1 fails because it is not served', () => {
    const es = clone(byKind('ExternalSecret'));
    expect(validator.validate(es)).toEqual([]);
    es.apiVersion = 'external-secrets.io/v1beta1';
    expect(validator.validate(es)).toEqual([
      { rule: 'schema/unserved-version', message: 'external-secrets.io/v1beta1 ExternalSecret is not served by the CRD (served: external-secrets.io/v1)' },
    ]);
  });

  test('an unknown field in a CR spec fails, at any depth', () => {
    const es = clone(byKind('ExternalSecret'));
    es.spec.refreshIntervall = '1h';
    es.spec.data[0].remoteRef.propery = 'x';
    expect(validator.validate(es)).toEqual([
      { rule: 'schema/unknown-field', message: 'spec: unknown field "refreshIntervall"' },
      { rule: 'schema/unknown-field', message: 'spec.data[0].remoteRef: unknown field "propery"' },
    ]);
  });

  test('CR metadata is validated against k8s ObjectMeta', () => {
    const sm = clone(byKind('ServiceMonitor'));
    sm.metadata.lables = {};
    sm.metadata.annotations = { a: 1 };
    expect(validator.validate(sm).map((i) => i.message)).toEqual(['metadata: unknown field "lables"', 'metadata.annotations.a: must be string, got integer']);
  });

  test('x-kubernetes-preserve-unknown-fields is honoured (Argo CD helm valuesObject)', () => {
    const app = clone(byKind('Application'));
    app.spec.source.helm = { valuesObject: { anything: { nested: [1, 2] } } };
    expect(validator.validate(app)).toEqual([]);
    app.spec.source.helm.valuesObjekt = {};
    expect(validator.validate(app)).toEqual([{ rule: 'schema/unknown-field', message: 'spec.source.helm: unknown field "valuesObjekt"' }]);
  });

  test('x-kubernetes-int-or-string accepts both (ServiceMonitor targetPort)', () => {
    const sm = clone(byKind('ServiceMonitor'));
    sm.spec.endpoints[0] = { targetPort: 8080, path: '/metrics' };
    expect(validator.validate(sm)).toEqual([]);
    sm.spec.endpoints[0].targetPort = 'http';
    expect(validator.validate(sm)).toEqual([]);
    sm.spec.endpoints[0].targetPort = false;
    expect(validator.validate(sm)[0].message).toBe('spec.endpoints[0].targetPort: must be integer or string, got boolean');
  });

  test('enums from the CRD are enforced', () => {
    const so = clone(byKind('ScaledObject'));
    so.spec.triggers[0].authenticationRef = { name: 'vault', kind: 'SecretStore' };
    expect(validator.validate(so)).toEqual([
      {
        rule: 'schema/invalid',
        message: 'spec.triggers[0].authenticationRef.kind: must be one of "TriggerAuthentication", "ClusterTriggerAuthentication", got "SecretStore"',
        value: 'SecretStore',
      },
    ]);
  });

  test('every shipped CRD compiles (Application, AppProject, ApplicationSet, PodMonitor, PrometheusRule, TriggerAuthentication, SealedSecret)', () => {
    const kinds: [string, string][] = [
      ['argoproj.io/v1alpha1', 'ApplicationSet'],
      ['monitoring.coreos.com/v1', 'PodMonitor'],
      ['monitoring.coreos.com/v1', 'PrometheusRule'],
      ['keda.sh/v1alpha1', 'TriggerAuthentication'],
      ['bitnami.com/v1alpha1', 'SealedSecret'],
    ];
    for (const [apiVersion, kind] of kinds) {
      const issues = validator.validate({ apiVersion, kind, metadata: { name: 'x' }, spec: { bogus: 1 } });
      expect(issues.map((i) => i.rule)).toContain('schema/unknown-field');
    }
  });
});

describe('the edge kinds against the Gateway API (v1.6.1) and Envoy Gateway (v1.9.0) CRDs', () => {
  test('the hardened Gateway, HTTPRoutes and policies are valid', () => {
    for (const kind of ['Gateway', 'HTTPRoute', 'BackendTrafficPolicy', 'SecurityPolicy']) {
      expect({ kind, issues: validator.validate(byKind(kind)) }).toEqual({ kind, issues: [] });
    }
  });

  test('unknown fields are rejected at any depth of every edge kind', () => {
    const route = clone(apiRoute());
    route.spec.rules[0].timeouts.requestTimeout = '75s';
    route.spec.rules[0].backendRefs[0].portName = 'http';
    expect(validator.validate(route)).toEqual([
      { rule: 'schema/unknown-field', message: 'spec.rules[0].backendRefs[0]: unknown field "portName"' },
      { rule: 'schema/unknown-field', message: 'spec.rules[0].timeouts: unknown field "requestTimeout"' },
    ]);
    const gateway = clone(byKind('Gateway'));
    gateway.spec.listeners[1].tls.certificateRef = { name: 'x' };
    expect(validator.validate(gateway)).toEqual([{ rule: 'schema/unknown-field', message: 'spec.listeners[1].tls: unknown field "certificateRef"' }]);
    const traffic = clone(byKind('BackendTrafficPolicy'));
    traffic.spec.rateLimit.local.rules[0].limit.burst = 100;
    expect(validator.validate(traffic)).toEqual([{ rule: 'schema/unknown-field', message: 'spec.rateLimit.local.rules[0].limit: unknown field "burst"' }]);
    const security = clone(byKind('SecurityPolicy'));
    security.spec.authorization.rules[0].principal.sourceCIDRs = ['10.0.0.0/8'];
    expect(validator.validate(security)).toEqual([{ rule: 'schema/unknown-field', message: 'spec.authorization.rules[0].principal: unknown field "sourceCIDRs"' }]);
    const client = {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'ClientTrafficPolicy',
      metadata: { name: 'x', namespace: 'pembayaran' },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'pembayaran-edge' }], clientIPDetection: { xForwardedFor: { numTrustedHops: 1 } } },
    };
    expect(validator.validate(client)).toEqual([]);
    (client.spec.clientIPDetection.xForwardedFor as any).trustedHops = 1;
    expect(validator.validate(client)).toEqual([{ rule: 'schema/unknown-field', message: 'spec.clientIPDetection.xForwardedFor: unknown field "trustedHops"' }]);
  });

  test('enums, patterns and served versions of the CRDs are enforced', () => {
    const route = clone(apiRoute());
    route.spec.rules[0].matches[0].path.type = 'Prefix';
    route.spec.rules[0].timeouts.request = '75 seconds';
    expect(validator.validate(route).map((i) => i.message)).toEqual([
      'spec.rules[0].matches[0].path.type: must be one of "Exact", "PathPrefix", "RegularExpression", got "Prefix"',
      expect.stringMatching(/^spec\.rules\[0\]\.timeouts\.request: must match pattern/),
    ]);
    const traffic = clone(byKind('BackendTrafficPolicy'));
    traffic.spec.rateLimit.local.rules[0].limit.unit = 'Seconds';
    expect(validator.validate(traffic).map((i) => i.message)).toEqual([expect.stringMatching(/^spec\.rateLimit\.local\.rules\[0\]\.limit\.unit: must be one of "Second", /)]);
    // v1beta1 is still served by the standard channel; a made-up version is not.
    expect(validator.validate({ ...clone(apiRoute()), apiVersion: 'gateway.networking.k8s.io/v1beta1' })).toEqual([]);
    expect(validator.validate({ ...clone(apiRoute()), apiVersion: 'gateway.networking.k8s.io/v2' }).map((i) => i.rule)).toEqual(['schema/unknown-kind']);
  });
});

test('pointerToPath', () => {
  expect(pointerToPath('')).toBe('');
  expect(pointerToPath('/spec/template/spec/containers/0/securityContext')).toBe('spec.template.spec.containers[0].securityContext');
  expect(pointerToPath('/metadata/annotations/a.b~1c')).toBe('metadata.annotations["a.b/c"]');
});

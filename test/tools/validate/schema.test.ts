import { SchemaValidator, pointerToPath } from '../../../tools/validate/schema';
import { validateManifests } from '../../../tools/validate';
import { hardened } from './fixtures';

const validator = new SchemaValidator();
const byKind = (kind: string) => hardened().find((m) => m.object.kind === kind)!.object as any;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

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

test('pointerToPath', () => {
  expect(pointerToPath('')).toBe('');
  expect(pointerToPath('/spec/template/spec/containers/0/securityContext')).toBe('spec.template.spec.containers[0].securityContext');
  expect(pointerToPath('/metadata/annotations/a.b~1c')).toBe('metadata.annotations["a.b/c"]');
});

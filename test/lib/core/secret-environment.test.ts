import { App, Chart } from 'cdk8s';
import { AppContext } from '../../../lib/core/app-context';
import { RemoteSecretRef, SecretEnvironment, SecretFetch, secretNamesOf } from '../../../lib/core/secret-environment';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { LARAVEL_SECRET_VARIABLES } from '../../../lib/laravel/laravel-settings';
import { REVERB_SECRET_VARIABLES } from '../../../lib/laravel/reverb';
import { RELOADER_SECRET_ANNOTATION } from '../../../lib/core/workload-pod';
import { container, find, gateFindings, K8sObject, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';
import { resolveExternalSecret, Store } from './eso';

const context = new AppContext({ namespace: 'ns', appName: 'app', environment: 'e', version: '1', podIdentity: { runAsUser: 1, runAsGroup: 1, fsGroup: 1 } });

function externalSecretOf(variables: Record<string, RemoteSecretRef>, fetch: SecretFetch): K8sObject {
  const chart = new Chart(new App(), 'test');
  new SecretEnvironment(chart, 'Secrets', { context, component: 'laravel', store: { kind: 'ClusterSecretStore', name: 'vault' }, refreshInterval: '1h', variables, fetch });
  return chart.toJson()[0] as K8sObject;
}

const withConfig = (env: string, change: (c: EnvironmentConfig) => void): EnvironmentConfig => {
  const config = structuredClone(shippedConfig(env));
  change(config);
  return config;
};

/** A store where the environment's key also holds other components' credentials. */
function storeFor(config: EnvironmentConfig): Store {
  const values = Object.fromEntries([...LARAVEL_SECRET_VARIABLES, ...REVERB_SECRET_VARIABLES].map((v) => [v, `value-of-${v}`]));
  return {
    [config.secrets.remoteKey]: { ...values, SENTRY_DSN: 'fastapi-dsn', BACKUP_AWS_SECRET_ACCESS_KEY: 'not-for-laravel' },
  };
}

describe('dataFrom extract with a rewrite: one provider call per remote key, and only the listed variables', () => {
  const variables: Record<string, RemoteSecretRef> = {
    APP_KEY: { key: 'app/prod', property: 'APP_KEY' },
    DB_PASSWORD: { key: 'db/prod', property: 'password' },
    DB_USERNAME: { key: 'db/prod', property: 'username' },
    REDIS_PASSWORD: { key: 'app/prod', property: 'password' },
    LEGACY_TOKEN: { key: 'legacy', property: 'api-token' },
  };
  const store: Store = {
    'app/prod': { APP_KEY: 'base64:k', password: 'redis-secret', BACKUP_KEY: 'must-not-leak' },
    'db/prod': { username: 'pay', password: 'db-secret', admin_password: 'must-not-leak' },
    legacy: { 'api-token': 'tok', other: 'must-not-leak' },
  };

  test('extract: the Secret holds exactly the variables with their values, in one call per remote key', () => {
    const { secret, providerCalls } = resolveExternalSecret(externalSecretOf(variables, 'extract'), store);
    expect(secret).toEqual({ APP_KEY: 'base64:k', DB_PASSWORD: 'db-secret', DB_USERNAME: 'pay', REDIS_PASSWORD: 'redis-secret', LEGACY_TOKEN: 'tok' });
    // app/prod and db/prod extracted once each; api-token is no template identifier, so it is read per key.
    expect(providerCalls).toBe(3);
  });

  test('the same property name under two remote keys does not collide (each key has its own prefix)', () => {
    const spec = externalSecretOf(variables, 'extract').spec;
    expect(spec.dataFrom.map((d: any) => [d.extract.key, d.rewrite[0].regexp.target])).toEqual([
      ['app/prod', 'key0_${1}'],
      ['db/prod', 'key1_${1}'],
    ]);
    expect(spec.target.template).toMatchObject({ engineVersion: 'v2', mergePolicy: 'Replace', type: 'Opaque' });
    expect(spec.data).toEqual([expect.objectContaining({ secretKey: 'perkey_LEGACY_TOKEN', remoteRef: expect.objectContaining({ key: 'legacy', property: 'api-token' }) })]);
  });

  test('perKey: the same Secret, with one call per variable', () => {
    const { secret, providerCalls } = resolveExternalSecret(externalSecretOf(variables, 'perKey'), store);
    expect(secret).toEqual(resolveExternalSecret(externalSecretOf(variables, 'extract'), store).secret);
    expect(providerCalls).toBe(5);
  });

  test('a property missing from the store fails the refresh under extract as under perKey', () => {
    const incomplete: Store = { ...store, 'db/prod': { username: 'pay' } };
    expect(() => resolveExternalSecret(externalSecretOf(variables, 'extract'), incomplete)).toThrow('map has no entry for key "key1_password"');
    expect(() => resolveExternalSecret(externalSecretOf(variables, 'perKey'), incomplete)).toThrow('has no property password');
  });
});

describe.each(SHIPPED_ENVIRONMENTS)('secrets of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);

  test('the shipped configs extract each remote key once; the Laravel Secret holds only the Laravel variables', () => {
    expect(config.secrets.fetch).toBe('extract');
    const laravel = find(objects, 'ExternalSecret', 'pembayaran-laravel');
    const { secret, providerCalls } = resolveExternalSecret(laravel, storeFor(config));
    // Both shipped environments run Reverb, whose app credentials Laravel signs broadcasts with.
    expect(Object.keys(secret).sort()).toEqual([...LARAVEL_SECRET_VARIABLES, ...REVERB_SECRET_VARIABLES].sort());
    expect(secret.DB_PASSWORD).toBe('value-of-DB_PASSWORD');
    expect(providerCalls).toBe(1);
  });

  test('every Deployment lists exactly the Secrets its pods read for Reloader', () => {
    expect(config.secrets.restartOnRotation).toBe(true);
    const deployments = objects.filter((o) => o.kind === 'Deployment');
    for (const d of deployments) {
      const names = secretNamesOf(podSpecOf(d));
      expect([d.metadata.name, d.metadata.annotations[RELOADER_SECRET_ANNOTATION]]).toEqual([d.metadata.name, names.length ? names.join(',') : undefined]);
    }
    // The Redis CA comes from the secret manager too (redis.tls.ca.remoteRef) in both shipped environments.
    expect(find(objects, 'Deployment', 'pembayaran-web').metadata.annotations[RELOADER_SECRET_ANNOTATION]).toBe('pembayaran-datastore-ca,pembayaran-laravel');
    expect(find(objects, 'Deployment', 'pembayaran-fastapi').metadata.annotations[RELOADER_SECRET_ANNOTATION]).toBe('pembayaran-fastapi');
    // The annotation goes on the Deployment, which Reloader watches; the pod template stays as in git.
    for (const d of deployments) expect(d.spec.template.metadata.annotations?.[RELOADER_SECRET_ANNOTATION]).toBeUndefined();
  });
});

describe('secret rotation options', () => {
  test('without restartOnRotation no Deployment carries the Reloader annotation', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.secrets.restartOnRotation = false)));
    for (const d of objects.filter((o) => o.kind === 'Deployment')) expect(d.metadata.annotations[RELOADER_SECRET_ANNOTATION]).toBeUndefined();
  });

  test('a sidecar added later that reads another Secret is listed too', () => {
    const objects = objectsOf(shippedConfig('production'), (app) => {
      const stack = app.node.findChild('production').node.findChild('Pembayaran') as any;
      stack.web.addSidecar({
        name: 'statsd',
        image: 'docker.io/prom/statsd-exporter:v0.27.1',
        env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'pembayaran-statsd', key: 'TOKEN' } } }],
        resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      });
    });
    const web = find(objects, 'Deployment', 'pembayaran-web');
    expect(web.metadata.annotations[RELOADER_SECRET_ANNOTATION]).toBe('pembayaran-datastore-ca,pembayaran-laravel,pembayaran-statsd');
    expect(container(podSpecOf(web), 'statsd')).toBeDefined();
  });

  test('perKey remains available and passes the gate', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.secrets.fetch = 'perKey')));
    const laravel = find(objects, 'ExternalSecret', 'pembayaran-laravel');
    expect(laravel.spec.dataFrom).toBeUndefined();
    expect(laravel.spec.target.template).toBeUndefined();
    expect(resolveExternalSecret(laravel, storeFor(shippedConfig('production'))).providerCalls).toBe(LARAVEL_SECRET_VARIABLES.length + REVERB_SECRET_VARIABLES.length);
    expect(gateFindings('production', objects)).toEqual([]);
  });
});

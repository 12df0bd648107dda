/**
 * TLS to the database and Redis in the manifests: every container that connects gets the CA and the
 * client settings, from the source the config names; the config checks refuse what would not connect
 * securely. test/runtime/data-store-tls.test.ts runs the result against TLS-only servers.
 */
import { formatProblem, parseEnvironment } from '../../../lib/config/load';
import { CA_MOUNT_DIRS, SYSTEM_CA_BUNDLE } from '../../../lib/core/data-store-tls';
import { container, find, K8sObject, objectsOf, podSpecOf, rejectionsOf, shippedObjects, withChanges } from '../../helpers';

const problemsOf = (text: string) => rejectionsOf('config/test.yaml', text).map(formatProblem);
const build = (env: string, change: (doc: any) => void) => objectsOf(parseEnvironment(`config/${env}.yaml`, withChanges(env, change)));

/** Every container (init containers too) of every workload, with the pod spec it runs in. */
function containersOf(objects: readonly K8sObject[]): { workload: string; spec: any; c: any }[] {
  return objects
    .filter((o) => ['Deployment', 'Job', 'CronJob'].includes(o.kind))
    .flatMap((o) => {
      const spec = podSpecOf(o);
      return [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => ({ workload: `${o.kind}/${o.metadata.name}`, spec, c }));
    });
}

const mounts = (c: any) => (c.volumeMounts ?? []).map((m: any) => m.mountPath);
const readsLaravelSettings = (c: any) => (c.envFrom ?? []).some((e: any) => e.configMapRef?.name === 'pembayaran-laravel');

describe('production: database CA from a ConfigMap, Redis CA from the secret manager', () => {
  const objects = shippedObjects('production');

  test("Laravel's settings select TLS for both connections", () => {
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data).toMatchObject({
      MYSQL_ATTR_SSL_CA: `${CA_MOUNT_DIRS.database}/ca.crt`,
      REDIS_SCHEME: 'tls',
      REDIS_SSL_CAFILE: `${CA_MOUNT_DIRS.redis}/ca.crt`,
    });
    expect(data.DB_SSLMODE).toBeUndefined();
  });

  test('every container that reads the Laravel settings mounts both CA bundles read-only (web, workers, scheduler, migration, Reverb, init containers)', () => {
    const laravel = containersOf(objects).filter(({ c }) => readsLaravelSettings(c));
    expect(new Set(laravel.map((l) => l.workload))).toEqual(
      new Set([
        'Deployment/pembayaran-web',
        'Deployment/pembayaran-worker-default',
        'Deployment/pembayaran-worker-payments',
        'Deployment/pembayaran-scheduler',
        'Deployment/pembayaran-reverb',
        'Job/pembayaran-migrate',
      ]),
    );
    for (const { workload, spec, c } of laravel) {
      for (const dir of Object.values(CA_MOUNT_DIRS)) expect({ workload, container: c.name, mounted: mounts(c).includes(dir) }).toEqual({ workload, container: c.name, mounted: true });
      expect(c.volumeMounts.filter((m: any) => m.mountPath.startsWith('/etc/pembayaran/tls')).every((m: any) => m.readOnly)).toBe(true);
      expect(spec.volumes.find((v: any) => v.name === 'database-ca')).toEqual({ name: 'database-ca', configMap: { name: 'rds-ca-bundle', defaultMode: 0o444, items: [{ key: 'ca.pem', path: 'ca.crt' }] } });
      expect(spec.volumes.find((v: any) => v.name === 'redis-ca')).toEqual({
        name: 'redis-ca',
        secret: { secretName: 'pembayaran-datastore-ca', defaultMode: 0o444, items: [{ key: 'REDIS_CA_CERT', path: 'ca.crt' }] },
      });
    }
  });

  test('the Redis CA comes from the secret manager through its own ExternalSecret, with only that key', () => {
    const es = find(objects, 'ExternalSecret', 'pembayaran-datastore-ca');
    expect(Object.keys(es.spec.target.template.data)).toEqual(['REDIS_CA_CERT']);
    expect(es.spec.dataFrom[0].extract.key).toBe('pembayaran/production');
  });

  test('the backup dump verifies the database (ssl-ca, VERIFY_IDENTITY for MySQL 8, ssl-verify-server-cert for MariaDB); the upload never sees the CA', () => {
    const spec = podSpecOf(find(objects, 'CronJob', 'pembayaran-backup'));
    const dump = spec.initContainers.find((c: any) => c.name === 'dump');
    expect(mounts(dump)).toContain(CA_MOUNT_DIRS.database);
    expect(mounts(dump)).not.toContain(CA_MOUNT_DIRS.redis);
    expect(dump.command[2]).toContain(`'ssl-ca=${CA_MOUNT_DIRS.database}/ca.crt' 'loose-ssl-mode=VERIFY_IDENTITY' 'loose-ssl-verify-server-cert' >> /tmp/client.cnf`);
    expect(mounts(container(spec, 'upload'))).not.toContain(CA_MOUNT_DIRS.database);
  });

  test('the queue exporter connects with rediss:// and the Redis CA', () => {
    const exporter = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-queue-metrics')), 'redis-exporter');
    const env = Object.fromEntries(exporter.env.filter((e: any) => e.value).map((e: any) => [e.name, e.value]));
    expect(env.REDIS_ADDR).toBe('rediss://redis.prod.internal.example.com:6379');
    expect(env.REDIS_EXPORTER_TLS_CA_CERT_FILE).toBe(`${CA_MOUNT_DIRS.redis}/ca.crt`);
    expect(mounts(exporter)).toEqual([CA_MOUNT_DIRS.redis]);
  });

  test("the KEDA trigger authenticates with tls: enable and the CA (KEDA refuses enableTLS beside them)", () => {
    const auth = find(objects, 'TriggerAuthentication', 'pembayaran-worker-default');
    expect(auth.spec.configMapTargetRef).toEqual([{ parameter: 'tls', name: 'pembayaran-keda-redis-tls', key: 'tls' }]);
    expect(auth.spec.secretTargetRef).toContainEqual({ parameter: 'ca', name: 'pembayaran-datastore-ca', key: 'REDIS_CA_CERT' });
    expect(find(objects, 'ConfigMap', 'pembayaran-keda-redis-tls').data).toEqual({ tls: 'enable' });
    for (const trigger of find(objects, 'ScaledObject', 'pembayaran-worker-default').spec.triggers) expect(trigger.metadata.enableTLS).toBeUndefined();
  });

  test('the restore check and the services that never touch the stores get no CA', () => {
    for (const name of ['CronJob/pembayaran-restore-check', 'Deployment/pembayaran-fastapi', 'Deployment/pembayaran-wa-gateway']) {
      const [kind, n] = name.split('/');
      const spec = podSpecOf(find(objects, kind, n));
      expect((spec.volumes ?? []).filter((v: any) => v.name.endsWith('-ca'))).toEqual([]);
    }
  });
});

describe('the image trust store (no ca) and PostgreSQL', () => {
  test('enabled without a ca: the system bundle, no volume, KEDA enableTLS in the trigger', () => {
    const objects = build('production', (d) => {
      d.database.tls = { enabled: true };
      d.redis.tls = { enabled: true };
    });
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data.MYSQL_ATTR_SSL_CA).toBe(SYSTEM_CA_BUNDLE);
    expect(data.REDIS_SSL_CAFILE).toBe(SYSTEM_CA_BUNDLE);
    for (const { c } of containersOf(objects)) expect(mounts(c).filter((m: string) => m.startsWith('/etc/pembayaran/tls'))).toEqual([]);
    expect(objects.filter((o) => o.metadata.name === 'pembayaran-datastore-ca' || o.metadata.name === 'pembayaran-keda-redis-tls')).toEqual([]);
    expect(find(objects, 'TriggerAuthentication', 'pembayaran-worker-default').spec.configMapTargetRef).toBeUndefined();
    for (const trigger of find(objects, 'ScaledObject', 'pembayaran-worker-default').spec.triggers) expect(trigger.metadata.enableTLS).toBe('true');
  });

  test('pgsql: DB_SSLMODE=verify-full and DB_SSLROOTCERT for Laravel, PGSSLMODE/PGSSLROOTCERT for pg_dump', () => {
    const objects = build('staging', (d) => (d.database.tls = { enabled: true, ca: { remoteRef: { key: 'platform/ca', property: 'postgres' } } }));
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data).toMatchObject({ DB_SSLMODE: 'verify-full', DB_SSLROOTCERT: `${CA_MOUNT_DIRS.database}/ca.crt` });
    expect(data.MYSQL_ATTR_SSL_CA).toBeUndefined();
    const dump = podSpecOf(find(objects, 'CronJob', 'pembayaran-backup')).initContainers[0];
    expect(dump.env).toEqual(expect.arrayContaining([{ name: 'PGSSLMODE', value: 'verify-full' }, { name: 'PGSSLROOTCERT', value: `${CA_MOUNT_DIRS.database}/ca.crt` }]));
    const es = find(objects, 'ExternalSecret', 'pembayaran-datastore-ca');
    expect(JSON.stringify(es.spec)).toContain('platform/ca');
  });

  test('without TLS nothing changes: no TLS setting, no CA volume, no CA secret', () => {
    const objects = build('production', (d) => {
      delete d.dataStoreTls;
      delete d.database.tls;
      delete d.redis.tls;
    });
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    for (const key of ['MYSQL_ATTR_SSL_CA', 'DB_SSLMODE', 'REDIS_SCHEME', 'REDIS_SSL_CAFILE']) expect(data[key]).toBeUndefined();
    expect(objects.some((o) => o.metadata.name === 'pembayaran-datastore-ca')).toBe(false);
    for (const { c } of containersOf(objects)) expect(mounts(c).filter((m: string) => m.startsWith('/etc/pembayaran/tls'))).toEqual([]);
  });
});

describe('config checks', () => {
  test('fails when dataStoreTls.requiredInProduction is set and a store has no TLS, naming each key', () => {
    expect(
      problemsOf(
        withChanges('production', (d) => {
          d.database.tls.enabled = false;
          delete d.database.tls.ca;
          delete d.redis.tls;
        }),
      ),
    ).toEqual([
      'config/test.yaml: database.tls.enabled: is false; dataStoreTls.requiredInProduction requires TLS to the database in a production environment: set database.tls.enabled: true (and database.tls.ca for a private CA)',
      'config/test.yaml: redis.tls.enabled: is false; dataStoreTls.requiredInProduction requires TLS to Redis in a production environment: set redis.tls.enabled: true (and redis.tls.ca for a private CA)',
    ]);
  });

  test('the requirement binds only the production tier', () => {
    expect(() => parseEnvironment('config/staging.yaml', withChanges('staging', (d) => (d.dataStoreTls = { requiredInProduction: true })))).not.toThrow();
  });

  test('fails when a ca is given but TLS is off', () => {
    expect(problemsOf(withChanges('staging', (d) => (d.redis.tls = { ca: { remoteRef: {} } })))).toEqual([
      'config/test.yaml: redis.tls.ca: is set but redis.tls.enabled is false, so no connection would use it: set redis.tls.enabled: true or remove ca',
    ]);
  });

  test('fails when a ca names both sources', () => {
    const lines = problemsOf(withChanges('staging', (d) => (d.database.tls = { enabled: true, ca: { remoteRef: {}, configMap: { name: 'ca', key: 'ca.pem' } } })));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\/test\.yaml: database\.tls\.ca: expected .*either `configMap` or `remoteRef`, not both/);
  });

  test('fails when laravel.env sets a variable the TLS keys own', () => {
    expect(problemsOf(withChanges('staging', (d) => (d.laravel.env = { REDIS_SCHEME: 'tls' })))).toEqual([
      'config/test.yaml: laravel.env.REDIS_SCHEME: is set by redis.tls, which also configures the backup, the queue exporter and the KEDA triggers: set redis.tls instead',
    ]);
  });
});

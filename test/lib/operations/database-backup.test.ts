import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { dumpScript, uploadScript } from '../../../lib/operations/database-backup';
import { BACKUP_DUMP_IMAGES } from '../../../lib/core/defaults';
import { imageRef } from '../../../lib/core/image';
import { container, find, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, gateFindings } from '../../helpers';

const envOf = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e]));

describe.each(SHIPPED_ENVIRONMENTS)('database backup of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const cron = find(objects, 'CronJob', 'pembayaran-backup');
  const spec = podSpecOf(cron);

  test('a CronJob on the configured schedule, never overlapping, bounded, with history limits and its own ServiceAccount', () => {
    expect(cron.spec).toMatchObject({
      schedule: config.backup.schedule,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: config.backup.startingDeadlineSeconds,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
    });
    expect(cron.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(config.backup.activeDeadlineSeconds);
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.serviceAccountName).toBe('pembayaran-backup');
    expect(find(objects, 'ServiceAccount', 'pembayaran-backup').automountServiceAccountToken).toBe(false);
  });

  test('the dump step uses the engine client with credentials from the secret and coordinates from the ConfigMap', () => {
    const dump = container(spec, 'dump');
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['dump']);
    expect(dump.image).toBe(imageRef(config.backup.image ?? BACKUP_DUMP_IMAGES[config.database.connection]));
    const vars = envOf(dump);
    for (const name of ['DB_HOST', 'DB_PORT', 'DB_DATABASE']) expect(vars[name].valueFrom.configMapKeyRef).toEqual({ name: 'pembayaran-laravel', key: name });
    expect(vars.DB_USERNAME.valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-laravel', key: 'DB_USERNAME' });
    const password = config.database.connection === 'pgsql' ? 'PGPASSWORD' : 'DB_PASSWORD';
    expect(vars[password].valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-laravel', key: 'DB_PASSWORD' });
    expect(dump.command[2]).toContain(config.database.connection === 'pgsql' ? 'pg_dump' : 'mysqldump');
    // The dump container never sees the object store keys, the upload container never the database password.
    expect(vars.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(envOf(container(spec, 'upload')).DB_PASSWORD).toBeUndefined();
  });

  test('the upload step targets the bucket and prefix with retention, endpoint when set, and keys from the secret', () => {
    const upload = container(spec, 'upload');
    const vars = envOf(upload);
    expect(upload.image).toBe(imageRef(config.backup.uploadImage));
    expect(vars.BACKUP_BUCKET.value).toBe(config.backup.bucket ?? config.objectStorage.bucket);
    expect(vars.BACKUP_PREFIX.value).toBe(config.backup.prefix);
    expect(vars.RETENTION_DAYS.value).toBe(String(config.backup.retentionDays));
    expect(vars.AWS_ACCESS_KEY_ID.valueFrom.secretKeyRef.key).toBe('AWS_ACCESS_KEY_ID');
    expect(vars.AWS_SECRET_ACCESS_KEY.valueFrom.secretKeyRef.key).toBe('AWS_SECRET_ACCESS_KEY');
    expect(vars.AWS_ENDPOINT_URL_S3 !== undefined).toBe(config.objectStorage.endpoint !== undefined);
  });

  test('read-only root filesystems with emptyDir scratch, restricted security context', () => {
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
      for (const m of c.volumeMounts) expect(spec.volumes.find((v: any) => v.name === m.name).emptyDir).toBeDefined();
    }
    expect(spec.volumes.find((v: any) => v.name === 'scratch').emptyDir.sizeLimit).toBe(config.backup.scratchSize);
  });

  test('its own egress to the database and the object store', () => {
    const db = find(objects, 'NetworkPolicy', 'pembayaran-allow-backup-to-database');
    const store = find(objects, 'NetworkPolicy', 'pembayaran-allow-backup-to-object-storage');
    for (const policy of [db, store]) expect(policy.spec.podSelector.matchLabels['app.kubernetes.io/component']).toBe('backup');
    expect(db.spec.egress[0].ports[0].port).toBe(config.database.port ?? (config.database.connection === 'mysql' ? 3306 : 5432));
    expect(store.spec.egress[0].ports[0].port).toBe(config.objectStorage.port);
  });

  test('an alert fires when the last successful backup is older than backupMaxAgeHours', () => {
    const rules = find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);
    const tooOld = rules.find((r: any) => r.alert === 'PembayaranBackupTooOld');
    expect(tooOld.expr).toContain('cronjob="pembayaran-backup"');
    expect(tooOld.expr).toContain(`> ${config.observability.alerts.backupMaxAgeHours * 3600}`);
  });
});

describe('backup options', () => {
  const change = (fn: (c: EnvironmentConfig) => void) => {
    const c = structuredClone(shippedConfig('production'));
    fn(c);
    return objectsOf(c);
  };

  test('a dedicated bucket and image override the defaults; the gate still passes', () => {
    const objects = change((c) => {
      c.backup.bucket = 'pembayaran-backups';
      c.backup.image = { repository: 'registry.example.com/mysql-client', tag: '8.4.3' };
    });
    const spec = podSpecOf(find(objects, 'CronJob', 'pembayaran-backup'));
    expect(envOf(container(spec, 'upload')).BACKUP_BUCKET.value).toBe('pembayaran-backups');
    expect(container(spec, 'dump').image).toBe('registry.example.com/mysql-client:8.4.3');
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('backup.enabled: false removes the CronJob, its ServiceAccount and policies', () => {
    const objects = change((c) => (c.backup.enabled = false));
    expect(objects.filter((o) => o.metadata.name.includes('backup'))).toEqual([]);
  });
});

// The scripts run for real under bash, with the database and AWS clients replaced by recording stubs.
describe('backup scripts', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bk-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const stub = (name: string, body: string) => {
    fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/bash\n${body}\n`, { mode: 0o755 });
  };
  const run = (script: string, env: Record<string, string>) =>
    execFileSync('/bin/bash', ['-c', script.replaceAll('/tmp/', `${dir}/tmp/`).replaceAll('/backup', path.join(dir, 'scratch'))], {
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });

  beforeEach(() => {
    for (const d of ['bin', 'scratch', 'tmp']) fs.mkdirSync(path.join(dir, d));
  });

  test('mysql: credentials go to an option file (backslashes escaped), the dump is gzipped and verified', () => {
    stub('mysqldump', `printf '%s\\n' "$@" > "${dir}/args"; echo "CREATE TABLE payments (id int);"`);
    const out = run(dumpScript('mysql'), { DB_HOST: 'db', DB_PORT: '3306', DB_DATABASE: 'pembayaran', DB_USERNAME: 'app', DB_PASSWORD: 'p#a"s\\s' });
    expect(out).toMatch(/dumped pembayaran-\d{8}T\d{6}Z\.sql\.gz/);
    const [file] = fs.readdirSync(path.join(dir, 'scratch'));
    expect(execFileSync('gzip', ['-dc', path.join(dir, 'scratch', file)], { encoding: 'utf8' })).toContain('CREATE TABLE payments');
    expect(fs.readFileSync(path.join(dir, 'tmp', 'client.cnf'), 'utf8')).toBe('[client]\nuser="app"\npassword="p#a"s\\\\s"\n');
    const args = fs.readFileSync(path.join(dir, 'args'), 'utf8');
    expect(args).toContain('--single-transaction');
    expect(args).not.toContain('p#a');
  });

  test('a failing dump fails the step (pipefail) even though gzip succeeds', () => {
    stub('pg_dump', 'echo partial; exit 1');
    expect(() => run(dumpScript('pgsql'), { DB_HOST: 'db', DB_PORT: '5432', DB_DATABASE: 'pembayaran', DB_USERNAME: 'app' })).toThrow();
  });

  test('upload copies, verifies the size, then prunes only dumps of this database older than the retention', () => {
    fs.writeFileSync(path.join(dir, 'scratch', 'pembayaran-20250101T020000Z.sql.gz'), 'x'.repeat(42));
    const now = new Date();
    const stamp = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86400000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const listed = [`backups/pembayaran-${stamp(20)}.sql.gz`, `backups/pembayaran-${stamp(3)}.sql.gz`, 'backups/pembayaran-notes.txt'];
    stub(
      'aws',
      [
        `echo "$*" >> "${dir}/calls"`,
        'case "$1 $2" in',
        '  "s3api head-object") echo 42 ;;',
        `  "s3api list-objects-v2") printf '%s\\t' ${listed.map((k) => `'${k}'`).join(' ')}; echo ;;`,
        'esac',
      ].join('\n'),
    );
    const out = run(uploadScript(), { BACKUP_BUCKET: 'bucket', BACKUP_PREFIX: 'backups/', RETENTION_DAYS: '14', DB_DATABASE: 'pembayaran', AWS_USE_PATH_STYLE_ENDPOINT: 'true' });
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls[0]).toBe(`s3 cp ${dir}/scratch/pembayaran-20250101T020000Z.sql.gz s3://bucket/backups/pembayaran-20250101T020000Z.sql.gz --only-show-errors`);
    expect(calls.filter((c) => c.startsWith('s3 rm'))).toEqual([`s3 rm s3://bucket/${listed[0]} --only-show-errors`]);
    expect(out).toContain(`pruned ${listed[0]}`);
    expect(fs.readFileSync(path.join(dir, 'tmp', 'aws-config'), 'utf8')).toContain('addressing_style = path');
  });

  test('upload refuses when the stored size differs, and prunes nothing', () => {
    fs.writeFileSync(path.join(dir, 'scratch', 'pembayaran-20250101T020000Z.sql.gz'), 'x'.repeat(42));
    stub('aws', `echo "$*" >> "${dir}/calls"; [ "$2" = head-object ] && echo 7; true`);
    expect(() => run(uploadScript(), { BACKUP_BUCKET: 'b', BACKUP_PREFIX: 'p/', RETENTION_DAYS: '14', DB_DATABASE: 'pembayaran' })).toThrow();
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).not.toContain('s3 rm');
  });
});

test('default dump images are official, pinned images per engine', () => {
  expect(BACKUP_DUMP_IMAGES).toEqual({
    mysql: { repository: 'docker.io/library/mysql', tag: '8.4.3' },
    pgsql: { repository: 'docker.io/library/postgres', tag: '17.2-bookworm' },
  });
});

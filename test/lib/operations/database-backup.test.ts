import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { dumpScript, uploadScript } from '../../../lib/operations/database-backup';
import { BACKUP_DUMP_IMAGES } from '../../../lib/core/defaults';
import { imageRef } from '../../../lib/core/image';
import { parseEnvironment } from '../../../lib/config/load';
import { container, find, objectsOf, podSpecOf, rejectionsOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, gateFindings, withChanges } from '../../helpers';
import { resolveExternalSecret } from '../core/eso';

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
    expect(vars.DB_USERNAME.valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-backup', key: 'DB_USERNAME' });
    const password = config.database.connection === 'pgsql' ? 'PGPASSWORD' : 'DB_PASSWORD';
    expect(vars[password].valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-backup', key: 'DB_PASSWORD' });
    expect(dump.command[2]).toContain(config.database.connection === 'pgsql' ? 'pg_dump' : 'mysqldump');
    // The dump container never sees the object store keys, the upload container never the database password.
    expect(vars.AWS_SECRET_ACCESS_KEY).toBeUndefined();
    expect(envOf(container(spec, 'upload')).DB_PASSWORD).toBeUndefined();
  });

  test('the upload step writes to a bucket of its own with the backup\'s own keys, encryption and stated retention', () => {
    const upload = container(spec, 'upload');
    const vars = envOf(upload);
    expect(upload.image).toBe(imageRef(config.backup.uploadImage));
    expect(config.backup.bucket).toBeUndefined();
    expect(vars.BACKUP_BUCKET.value).toBe(`${config.objectStorage.bucket}-backups`);
    expect(vars.BACKUP_BUCKET.value).not.toBe(config.objectStorage.bucket);
    expect(vars.BACKUP_PREFIX.value).toBe(config.backup.prefix);
    expect(vars.RETENTION_DAYS.value).toBe(String(config.backup.retentionDays));
    expect(vars.RETENTION_BY.value).toBe('lifecycle');
    expect(vars.BACKUP_SSE.value).toBe(config.backup.serverSideEncryption.type);
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(vars[key].valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-backup', key });
    expect(vars.AWS_ENDPOINT_URL_S3 !== undefined).toBe(config.objectStorage.endpoint !== undefined);
    // No container of the backup reads the application's Secret.
    for (const c of [...spec.initContainers, ...spec.containers]) {
      for (const e of c.env) expect([c.name, e.name, e.valueFrom?.secretKeyRef?.name]).not.toEqual([c.name, e.name, 'pembayaran-laravel']);
    }
  });

  test('the backup credentials come from their own ExternalSecret: write-only keys, the database login Laravel uses unless remapped', () => {
    const external = find(objects, 'ExternalSecret', 'pembayaran-backup');
    const store = { [config.secrets.remoteKey]: { BACKUP_AWS_ACCESS_KEY_ID: 'bk-id', BACKUP_AWS_SECRET_ACCESS_KEY: 'bk-secret', AWS_ACCESS_KEY_ID: 'app-id', AWS_SECRET_ACCESS_KEY: 'app-secret', DB_USERNAME: 'pay', DB_PASSWORD: 'pw', APP_KEY: 'k' } };
    expect(resolveExternalSecret(external, store).secret).toEqual({ AWS_ACCESS_KEY_ID: 'bk-id', AWS_SECRET_ACCESS_KEY: 'bk-secret', DB_USERNAME: 'pay', DB_PASSWORD: 'pw' });
    expect(external.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
  });

  test('read-only root filesystems with emptyDir scratch, restricted security context', () => {
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
      // Writable paths are emptyDirs; the database's CA bundle (database.tls) is the one read-only mount.
      for (const m of c.volumeMounts) expect(spec.volumes.find((v: any) => v.name === m.name).emptyDir ?? (m.readOnly && m.name === 'database-ca')).toBeTruthy();
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
  test('a remapped backup database user and KMS encryption reach the job', () => {
    const objects = change((c) => {
      c.backup.remoteRefs = { DB_USERNAME: { property: 'BACKUP_DB_USERNAME' }, DB_PASSWORD: { key: 'pembayaran/backup-db', property: 'password' } };
      c.backup.serverSideEncryption = { type: 'aws:kms', kmsKeyId: 'arn:aws:kms:ap-southeast-3:111122223333:key/abcd' };
    });
    const external = find(objects, 'ExternalSecret', 'pembayaran-backup');
    const store = { 'pembayaran/production': { BACKUP_AWS_ACCESS_KEY_ID: 'i', BACKUP_AWS_SECRET_ACCESS_KEY: 's', BACKUP_DB_USERNAME: 'reader' }, 'pembayaran/backup-db': { password: 'ro-pw' } };
    expect(resolveExternalSecret(external, store).secret).toMatchObject({ DB_USERNAME: 'reader', DB_PASSWORD: 'ro-pw' });
    const vars = envOf(container(podSpecOf(find(objects, 'CronJob', 'pembayaran-backup')), 'upload'));
    expect([vars.BACKUP_SSE.value, vars.BACKUP_SSE_KMS_KEY_ID.value]).toEqual(['aws:kms', 'arn:aws:kms:ap-southeast-3:111122223333:key/abcd']);
  });

  test.each([
    ['backup.bucket: is the uploads bucket pembayaran-production', (d: any) => (d.backup = { bucket: 'pembayaran-production' })],
    ['backup.serverSideEncryption.kmsKeyId: is set but type is AES256', (d: any) => (d.backup = { serverSideEncryption: { kmsKeyId: 'k' } })],
    ['backup.remoteRefs.APP_KEY: is not a variable of this job', (d: any) => (d.backup = { remoteRefs: { APP_KEY: {} } })],
    ['backup.restoreCheck.remoteRefs.DB_PASSWORD: is not a variable of this job', (d: any) => (d.backup = { restoreCheck: { remoteRefs: { DB_PASSWORD: {} } } })],
    ['backup.restoreCheck.schedule: "61 4 * * *" is not a valid cron schedule', (d: any) => (d.backup = { restoreCheck: { schedule: '61 4 * * *' } })],
  ])('refused: %s', (message, edit) => {
    const problems = rejectionsOf('config/production.yaml', withChanges('production', edit));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringContaining(message)]);
  });

  test('the uploads bucket is accepted once a prefix policy is declared', () => {
    const config = parseEnvironment('config/production.yaml', withChanges('production', (d) => (d.backup = { bucket: 'pembayaran-production', sharedBucketWithPrefixPolicy: true })));
    expect(envOf(container(podSpecOf(find(objectsOf(config), 'CronJob', 'pembayaran-backup')), 'upload')).BACKUP_BUCKET.value).toBe('pembayaran-production');
  });

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
    expect(objects.filter((o) => o.metadata.name.includes('backup') || o.metadata.name.includes('restore-check'))).toEqual([]);
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

  test('mysql: credentials go to an option file (backslashes, double quotes and newlines escaped), the dump is gzipped and verified', () => {
    stub('mysqldump', `printf '%s\\n' "$@" > "${dir}/args"; echo "CREATE TABLE payments (id int);"`);
    const out = run(dumpScript('mysql'), { DB_HOST: 'db', DB_PORT: '3306', DB_DATABASE: 'pembayaran', DB_USERNAME: 'app', DB_PASSWORD: 'p#a"s\\s' });
    expect(out).toMatch(/dumped pembayaran-\d{8}T\d{6}Z\.sql\.gz/);
    const [file] = fs.readdirSync(path.join(dir, 'scratch'));
    expect(execFileSync('gzip', ['-dc', path.join(dir, 'scratch', file)], { encoding: 'utf8' })).toContain('CREATE TABLE payments');
    // Inside double quotes MySQL unescapes \\\\ and \\"; test/runtime/backup-restore.test.ts logs in with such a password for real.
    expect(fs.readFileSync(path.join(dir, 'tmp', 'client.cnf'), 'utf8')).toBe('[client]\nuser="app"\npassword="p#a\\"s\\\\s"\n');
    const args = fs.readFileSync(path.join(dir, 'args'), 'utf8');
    expect(args).toContain('--single-transaction');
    expect(args).not.toContain('p#a');
  });

  test('a failing dump fails the step (pipefail) even though gzip succeeds', () => {
    stub('pg_dump', 'echo partial; exit 1');
    expect(() => run(dumpScript('pgsql'), { DB_HOST: 'db', DB_PORT: '5432', DB_DATABASE: 'pembayaran', DB_USERNAME: 'app' })).toThrow();
  });

  const dumpName = 'pembayaran-20250101T020000Z.sql.gz';
  const awsRecorder = (listed: readonly string[] = []) =>
    [
      `echo "$*" >> "${dir}/calls"`,
      // The checksum file as uploaded, to compare with the dump.
      `if [ "$1 $2" = "s3 cp" ] && [[ "$3" == *.sha256 ]]; then cp "$3" "${dir}/uploaded.sha256"; fi`,
      'case "$1 $2" in',
      `  "s3api list-objects-v2") printf '%s\\t' ${listed.map((k) => `'${k}'`).join(' ')}; echo ;;`,
      'esac',
    ].join('\n');

  test('upload: the dump with server-side encryption, then its SHA-256; nothing read back, nothing deleted (lifecycle retention)', () => {
    fs.writeFileSync(path.join(dir, 'scratch', dumpName), 'x'.repeat(42));
    stub('aws', awsRecorder());
    const out = run(uploadScript(), { BACKUP_BUCKET: 'bucket', BACKUP_PREFIX: 'backups/', RETENTION_DAYS: '14', RETENTION_BY: 'lifecycle', BACKUP_SSE: 'AES256', DB_DATABASE: 'pembayaran', AWS_USE_PATH_STYLE_ENDPOINT: 'true' });
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls).toEqual([
      `s3 cp ${dir}/scratch/${dumpName} s3://bucket/backups/${dumpName} --only-show-errors --sse AES256`,
      `s3 cp ${dir}/tmp/${dumpName}.sha256 s3://bucket/backups/${dumpName}.sha256 --only-show-errors --sse AES256`,
    ]);
    // sha256sum's own format, checkable with sha256sum -c next to the dump.
    const expected = execFileSync('sha256sum', [dumpName], { cwd: path.join(dir, 'scratch'), encoding: 'utf8' });
    expect(fs.readFileSync(path.join(dir, 'uploaded.sha256'), 'utf8')).toBe(expected);
    expect(out).toContain('retention: 14 days, by the lifecycle rule of bucket bucket on backups/');
    expect(fs.readFileSync(path.join(dir, 'tmp', 'aws-config'), 'utf8')).toContain('addressing_style = path');
  });

  test('upload with KMS encryption names the key; with none no encryption flag', () => {
    fs.writeFileSync(path.join(dir, 'scratch', dumpName), 'x');
    stub('aws', awsRecorder());
    run(uploadScript(), { BACKUP_BUCKET: 'b', BACKUP_PREFIX: 'p/', RETENTION_DAYS: '14', BACKUP_SSE: 'aws:kms', BACKUP_SSE_KMS_KEY_ID: 'key-1', DB_DATABASE: 'pembayaran' });
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8').split('\n')[0]).toMatch(/--sse aws:kms --sse-kms-key-id key-1$/);
    fs.rmSync(path.join(dir, 'calls'));
    run(uploadScript(), { BACKUP_BUCKET: 'b', BACKUP_PREFIX: 'p/', RETENTION_DAYS: '14', BACKUP_SSE: 'none', DB_DATABASE: 'pembayaran' });
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).not.toContain('--sse');
  });

  test('retention by the job prunes only dumps and checksums of this database older than the retention', () => {
    fs.writeFileSync(path.join(dir, 'scratch', dumpName), 'x'.repeat(42));
    const now = new Date();
    const stamp = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86400000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const listed = [`backups/pembayaran-${stamp(20)}.sql.gz`, `backups/pembayaran-${stamp(20)}.sql.gz.sha256`, `backups/pembayaran-${stamp(3)}.sql.gz`, 'backups/pembayaran-notes.txt'];
    stub('aws', awsRecorder(listed));
    const out = run(uploadScript(), { BACKUP_BUCKET: 'bucket', BACKUP_PREFIX: 'backups/', RETENTION_DAYS: '14', RETENTION_BY: 'job', DB_DATABASE: 'pembayaran' });
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c.startsWith('s3 rm'))).toEqual([`s3 rm s3://bucket/${listed[0]} --only-show-errors`, `s3 rm s3://bucket/${listed[1]} --only-show-errors`]);
    expect(out).toContain(`pruned ${listed[0]}`);
  });

  test('a failed dump upload fails the step before the checksum is written (a dump without checksum is incomplete)', () => {
    fs.writeFileSync(path.join(dir, 'scratch', dumpName), 'x');
    stub('aws', `echo "$*" >> "${dir}/calls"; [ "$1 $2" = "s3 cp" ] && exit 1; true`);
    expect(() => run(uploadScript(), { BACKUP_BUCKET: 'b', BACKUP_PREFIX: 'p/', RETENTION_DAYS: '14', RETENTION_BY: 'job', DB_DATABASE: 'pembayaran' })).toThrow();
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8');
    expect(calls).not.toContain('.sha256');
    expect(calls).not.toContain('s3 rm');
  });
});

test('default dump images are official, pinned images per engine', () => {
  expect(BACKUP_DUMP_IMAGES).toEqual({
    mysql: { repository: 'docker.io/library/mysql', tag: '8.4.3' },
    pgsql: { repository: 'docker.io/library/postgres', tag: '17.2-bookworm' },
  });
});

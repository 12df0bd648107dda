import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { BACKUP_DUMP_IMAGES, DEFAULT_RESOURCES } from '../../../lib/core/defaults';
import { imageRef } from '../../../lib/core/image';
import { fetchScript, RESTORE_PATHS } from '../../../lib/operations/restore-check';
import { container, find, gateFindings, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';
import { resolveExternalSecret } from '../core/eso';

const envOf = (c: any) => Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e]));

describe.each(SHIPPED_ENVIRONMENTS)('restore check of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const cron = find(objects, 'CronJob', 'pembayaran-restore-check');
  const spec = podSpecOf(cron);
  const backupUpload = envOf(container(podSpecOf(find(objects, 'CronJob', 'pembayaran-backup')), 'upload'));

  test('a CronJob after the backup, never overlapping, bounded, one retry, its own ServiceAccount', () => {
    expect(cron.spec).toMatchObject({ schedule: config.backup.restoreCheck.schedule, concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: config.backup.restoreCheck.activeDeadlineSeconds, backoffLimit: 1 });
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.serviceAccountName).toBe('pembayaran-restore-check');
    expect(find(objects, 'ServiceAccount', 'pembayaran-restore-check').automountServiceAccountToken).toBe(false);
  });

  test('fetch (AWS CLI), then a scratch database and the restore from the official database image', () => {
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['fetch']);
    expect(spec.containers.map((c: any) => c.name)).toEqual(['database', 'restore']);
    const image = imageRef(config.backup.image ?? BACKUP_DUMP_IMAGES[config.database.connection]);
    expect(image).toMatch(/^docker\.io\/library\/(mysql|postgres):/);
    expect(container(spec, 'database').image).toBe(image);
    expect(container(spec, 'restore').image).toBe(image);
    expect(container(spec, 'fetch').image).toBe(imageRef(config.backup.uploadImage));
    expect(container(spec, 'database').resources).toEqual({ requests: DEFAULT_RESOURCES.restoreDatabase.requests, limits: DEFAULT_RESOURCES.restoreDatabase.limits });
    expect(container(spec, 'database').command[2]).toContain(config.database.connection === 'pgsql' ? 'initdb' : 'mysqld --no-defaults --initialize-insecure');
  });

  test('it reads the dumps the backup writes, with read-only keys of its own; it sees no database password and no application key', () => {
    const fetch = envOf(container(spec, 'fetch'));
    expect(fetch.BACKUP_BUCKET.value).toBe(backupUpload.BACKUP_BUCKET.value);
    expect(fetch.BACKUP_PREFIX.value).toBe(backupUpload.BACKUP_PREFIX.value);
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) expect(fetch[key].valueFrom.secretKeyRef).toEqual({ name: 'pembayaran-restore-check', key });
    const secretsRead = [...spec.initContainers, ...spec.containers].flatMap((c: any) => (c.env ?? []).map((e: any) => e.valueFrom?.secretKeyRef?.name).filter(Boolean));
    expect([...new Set(secretsRead)]).toEqual(['pembayaran-restore-check']);
    for (const c of [...spec.initContainers, ...spec.containers]) expect(c.envFrom).toBeUndefined();
    const store = { [config.secrets.remoteKey]: { RESTORE_CHECK_AWS_ACCESS_KEY_ID: 'ro-id', RESTORE_CHECK_AWS_SECRET_ACCESS_KEY: 'ro-secret', BACKUP_AWS_SECRET_ACCESS_KEY: 'writer', DB_PASSWORD: 'pw' } };
    expect(resolveExternalSecret(find(objects, 'ExternalSecret', 'pembayaran-restore-check'), store).secret).toEqual({ AWS_ACCESS_KEY_ID: 'ro-id', AWS_SECRET_ACCESS_KEY: 'ro-secret' });
  });

  test('the scratch database listens on no port: a socket in a memory volume shared with the restore container only', () => {
    for (const c of spec.containers) expect(c.ports).toBeUndefined();
    const run = spec.volumes.find((v: any) => v.name === 'run');
    expect(run.emptyDir.medium).toBe('Memory');
    const mounting = [...spec.initContainers, ...spec.containers].filter((c: any) => c.volumeMounts.some((m: any) => m.name === 'run')).map((c: any) => c.name);
    expect(mounting).toEqual(['database', 'restore']);
    for (const name of ['dump', 'database-data']) expect(spec.volumes.find((v: any) => v.name === name).emptyDir.sizeLimit).toBe(config.backup.restoreCheck.scratchSize);
    // The downloaded dump is read-only for the restore container.
    expect(container(spec, 'restore').volumeMounts.find((m: any) => m.mountPath === RESTORE_PATHS.dump)).toMatchObject({ name: 'dump', readOnly: true });
  });

  test('read-only root filesystems, restricted security context, emptyDir volumes only', () => {
    for (const c of [...spec.initContainers, ...spec.containers]) {
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      for (const m of c.volumeMounts) expect(spec.volumes.find((v: any) => v.name === m.name).emptyDir).toBeDefined();
    }
  });

  test('its only egress is the object store: it never reaches the production database', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.includes('restore-check'));
    expect(policies.map((p) => p.metadata.name)).toEqual(['pembayaran-allow-restore-check-to-object-storage']);
    expect(policies[0].spec.egress[0].ports[0].port).toBe(config.objectStorage.port);
  });

  test('alerts when it fails or has not succeeded recently', () => {
    const rules = find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules);
    const stale = rules.find((r: any) => r.alert === 'PembayaranRestoreCheckStale');
    expect(stale.expr).toContain('cronjob="pembayaran-restore-check"');
    expect(stale.expr).toContain(`> ${config.observability.alerts.restoreCheckMaxAgeHours * 3600}`);
    expect(rules.find((r: any) => r.alert === 'PembayaranRestoreCheckFailed').labels.severity).toBe('critical');
  });
});

describe('restore check options', () => {
  const change = (fn: (c: EnvironmentConfig) => void) => {
    const c = structuredClone(shippedConfig('production'));
    fn(c);
    return objectsOf(c);
  };
  test('restoreCheck.enabled false removes the CronJob, its secret, policy and alerts', () => {
    const objects = change((c) => (c.backup.restoreCheck.enabled = false));
    expect(objects.filter((o) => o.metadata.name.includes('restore-check'))).toEqual([]);
    const names = find(objects, 'PrometheusRule', 'pembayaran-alerts').spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(names.filter((n: string) => n.includes('RestoreCheck'))).toEqual([]);
    expect(gateFindings('production', objects)).toEqual([]);
  });
  test('the sanity query and its minimum reach the restore container', () => {
    const objects = change((c) => Object.assign(c.backup.restoreCheck, { sanityQuery: 'SELECT COUNT(*) FROM payments', minRows: 1000 }));
    const restore = envOf(container(podSpecOf(find(objects, 'CronJob', 'pembayaran-restore-check')), 'restore'));
    expect([restore.SANITY_QUERY.value, restore.MIN_ROWS.value]).toEqual(['SELECT COUNT(*) FROM payments', '1000']);
  });
});

// The fetch step under bash with a recording AWS CLI stub; the downloads are real files, the checksum real sha256sum.
describe('restore check fetch script', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-'));
    for (const d of ['bin', 'restore', 'tmp', 'store']) fs.mkdirSync(path.join(dir, d));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A bucket in a folder: `aws s3api list-objects-v2` lists it, `aws s3 cp s3://b/key dest` copies from it. */
  const fakeStore = (objects: Record<string, string>) => {
    for (const [key, body] of Object.entries(objects)) {
      fs.mkdirSync(path.dirname(path.join(dir, 'store', key)), { recursive: true });
      fs.writeFileSync(path.join(dir, 'store', key), body);
    }
    const script = [
      '#!/bin/bash',
      'case "$1 $2" in',
      `  "s3api list-objects-v2") (cd "${dir}/store" && find . -type f | sed 's#^\\./##' | sort | tr '\\n' '\\t'); echo ;;`,
      `  "s3 cp") src="\${3#s3://*/}"; cp "${dir}/store/$src" "$4" ;;`,
      '  *) exit 1 ;;',
      'esac',
    ].join('\n');
    fs.writeFileSync(path.join(dir, 'bin', 'aws'), script, { mode: 0o755 });
  };
  const sha = (name: string, body: string) => {
    fs.writeFileSync(path.join(dir, 'tmp', name), body);
    return execFileSync('sha256sum', [name], { cwd: path.join(dir, 'tmp'), encoding: 'utf8' });
  };
  const gz = (text: string) => execFileSync('gzip', ['-c'], { input: text }).toString('latin1');
  const run = () =>
    execFileSync('/bin/bash', ['-c', fetchScript().replaceAll('/tmp', path.join(dir, 'tmp')).replaceAll(RESTORE_PATHS.dump, path.join(dir, 'restore'))], {
      env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`, BACKUP_BUCKET: 'b', BACKUP_PREFIX: 'backups/', DB_DATABASE: 'pembayaran' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  test('takes the newest dump that has its checksum, verifies it, and skips a newer one without', () => {
    const older = 'pembayaran-20250101T020000Z.sql.gz';
    const newer = 'pembayaran-20250102T020000Z.sql.gz';
    const body = gz('CREATE TABLE migrations (id int);');
    fs.writeFileSync(path.join(dir, 'tmp', older), body, 'latin1');
    const checksum = execFileSync('sha256sum', [older], { cwd: path.join(dir, 'tmp'), encoding: 'utf8' });
    fakeStore({ [`backups/${older}`]: '', [`backups/${older}.sha256`]: checksum, [`backups/${newer}`]: 'partial' });
    fs.writeFileSync(path.join(dir, 'store', 'backups', older), body, 'latin1');
    const out = run();
    expect(out).toContain(`skipping backups/${newer}: no checksum`);
    expect(out).toContain(`fetched ${older}`);
    expect(out).toContain('checksum verified');
    expect(fs.readFileSync(path.join(dir, 'restore', 'DUMP'), 'utf8')).toBe(`${older}\n`);
  });

  test('a dump that does not match its checksum fails the check', () => {
    const name = 'pembayaran-20250101T020000Z.sql.gz';
    fakeStore({ [`backups/${name}`]: gz('tampered'), [`backups/${name}.sha256`]: sha(name, 'original') });
    expect(run).toThrow();
  });

  test('no complete dump fails the check with the place it looked', () => {
    fakeStore({ 'backups/other-20250101T020000Z.sql.gz': 'x' });
    expect(run).toThrow(/no complete dump under s3:\/\/b\/backups\/pembayaran-/);
  });
});

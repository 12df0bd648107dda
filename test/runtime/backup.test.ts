/**
 * The backup CronJob on real processes: the `dump` container (the mysql or postgres image: here Debian's
 * MariaDB or PostgreSQL client) dumps the real database with the backup's own credentials, a password full
 * of option-file and shell metacharacters included; the `upload` container (aws-cli) puts the dump and its
 * checksum into a local S3 (s3rver). The dump restores into an empty database with the same rows, and
 * retention deletes exactly what docs/operations.md says: nothing with the default (the bucket's lifecycle
 * rule), or with `retentionBy: job` this database's dumps older than `retentionDays`.
 */
import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { describeRuntime } from './harness/preflight';
import { mysqlString, pgString } from './harness/servers';
import { K8sObject } from '../helpers';
import { AWKWARD_PASSWORD, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

const stamp = (daysAgo: number) => new Date(Date.now() - daysAgo * 86400000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

const ROWS = [
  { reference: 'INV-1', amount: 1250000, status: 'paid', note: 'lunas — terima kasih ✓' },
  { reference: "INV-'2'", amount: 75000, status: 'pending', note: 'quote " and backslash \\ and $HOME' },
  { reference: 'INV-3', amount: 0, status: 'failed', note: null },
];

describe.each(['production', 'staging'] as const)('backups of %s', (environment) => {
  describeRuntime(`backups of ${environment}, dumped, uploaded, restored`, () => {
    let env: LaravelEnvironment;
    let bucket: string;
    const prefix = 'backups/';
    const mysql = environment === 'production';
    const retentionDays = () => env.config.backup.retentionDays;
    const dumpsOf = async (database: string) => (await env.objectStore!.list(bucket, `${prefix}${database}-`)).filter((k) => /-\d{8}T\d{6}Z\.sql\.gz$/.test(k));
    const tableRows = (database: string) =>
      env.database!.sql(
        mysql ? "SELECT reference, amount, status, COALESCE(note, 'NULL'), HEX(receipt) FROM payments ORDER BY id" : "SELECT reference, amount, status, COALESCE(note, 'NULL'), encode(receipt, 'hex') FROM payments ORDER BY id",
        database,
      );

    beforeAll(async () => {
      const buckets = [`pembayaran-${environment}-backups`];
      env = await startLaravelEnvironment({ environment, database: true, buckets });
      bucket = env.config.backup.bucket ?? `${env.config.objectStorage.bucket}-backups`;
      expect(buckets).toContain(bucket);
      const db = env.database!;
      const name = env.config.database.name;
      // The backup's own database user, with the awkward password, allowed to read only.
      if (mysql) {
        await db.sql(`CREATE USER 'pembayaran_backup'@'%' IDENTIFIED BY ${mysqlString(AWKWARD_PASSWORD)}; GRANT SELECT, SHOW VIEW, TRIGGER, LOCK TABLES ON \`${name}\`.* TO 'pembayaran_backup'@'%';`);
        await db.sql('CREATE TABLE payments (id INT AUTO_INCREMENT PRIMARY KEY, reference VARCHAR(40) NOT NULL UNIQUE, amount BIGINT UNSIGNED NOT NULL, status VARCHAR(20) NOT NULL, note TEXT NULL, receipt BLOB NULL) CHARACTER SET utf8mb4', name);
      } else {
        await db.sql(`CREATE ROLE pembayaran_backup LOGIN PASSWORD ${pgString(AWKWARD_PASSWORD)}`);
        await db.sql('CREATE TABLE payments (id SERIAL PRIMARY KEY, reference VARCHAR(40) NOT NULL UNIQUE, amount BIGINT NOT NULL, status VARCHAR(20) NOT NULL, note TEXT NULL, receipt BYTEA NULL); ALTER TABLE payments OWNER TO pembayaran_app; GRANT SELECT ON ALL TABLES IN SCHEMA public TO pembayaran_backup; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO pembayaran_backup', name);
      }
      const literal = mysql ? mysqlString : pgString;
      for (const [i, row] of ROWS.entries()) {
        const receipt = mysql ? `UNHEX('00ff10${i}0')` : `'\\x00ff10${i}0'::bytea`;
        await db.sql(`INSERT INTO payments (reference, amount, status, note, receipt) VALUES (${literal(row.reference)}, ${row.amount}, ${literal(row.status)}, ${row.note === null ? 'NULL' : literal(row.note)}, ${receipt})`, name);
      }
      env.cluster.setSecretValues(`${env.config.appName}-backup`, { DB_USERNAME: 'pembayaran_backup', DB_PASSWORD: AWKWARD_PASSWORD, AWS_ACCESS_KEY_ID: env.objectStore!.accessKeyId, AWS_SECRET_ACCESS_KEY: env.objectStore!.secretAccessKey });
    });
    afterAll(async () => env?.stop());

    /** Puts dumps of various ages (and keys retention must leave alone) into the bucket. */
    async function seedOldDumps(): Promise<{ expired: string[]; kept: string[] }> {
      const name = env.config.database.name;
      const days = retentionDays();
      const expired = [`${prefix}${name}-20200101T000000Z.sql.gz`, `${prefix}${name}-20200101T000000Z.sql.gz.sha256`, `${prefix}${name}-${stamp(days + 1)}.sql.gz`];
      const kept = [`${prefix}${name}-${stamp(days - 1)}.sql.gz`, `${prefix}otherdb-20200101T000000Z.sql.gz`, `${prefix}${name}-notes.txt`, `elsewhere/${name}-20200101T000000Z.sql.gz`];
      for (const key of [...expired, ...kept]) await env.objectStore!.put(bucket, key, 'old');
      return { expired, kept };
    }

    async function runBackup(cronJob: K8sObject) {
      const before = new Set(await dumpsOf(env.config.database.name));
      const pod = await env.cluster.runPod(cronJob);
      const exits = await pod.waitForCompletion();
      expect({ exits, dump: pod.logs('dump') }).toEqual({ exits: { upload: { code: 0, signal: null } }, dump: expect.stringMatching(/^dumped /m) });
      const created = (await dumpsOf(env.config.database.name)).filter((k) => !before.has(k));
      expect(created).toHaveLength(1);
      return { pod, key: created[0] };
    }

    test('the dump, with the awkward password, restores into an empty database with the same rows', async () => {
      const { key, pod } = await runBackup(env.object('CronJob', 'backup'));
      expect(key).toMatch(new RegExp(`^${prefix}${env.config.database.name}-\\d{8}T\\d{6}Z\\.sql\\.gz$`));
      const dump = await env.objectStore!.get(bucket, key);
      const checksum = (await env.objectStore!.get(bucket, `${key}.sha256`)).toString();
      expect(checksum.trim()).toBe(`${crypto.createHash('sha256').update(dump).digest('hex')}  ${key.slice(prefix.length)}`);
      expect(pod.logs('upload')).toContain(`uploaded s3://${bucket}/${key}`);

      const restored = 'restored_check';
      await env.database!.sql(`CREATE DATABASE ${restored}${mysql ? ' CHARACTER SET utf8mb4' : ''}`);
      await env.database!.load(zlib.gunzipSync(dump).toString(), restored);
      const original = await tableRows(env.config.database.name);
      expect(original.trim().split('\n')).toHaveLength(ROWS.length);
      expect(await tableRows(restored)).toBe(original);
      expect(original).toContain('lunas — terima kasih ✓');
    });

    test('default retention (the lifecycle rule): the job deletes nothing and says who does', async () => {
      expect(env.config.backup.retentionBy).toBe('lifecycle');
      const { expired, kept } = await seedOldDumps();
      const { pod } = await runBackup(env.object('CronJob', 'backup'));
      expect(pod.logs('upload')).toContain(`retention: ${retentionDays()} days, by the lifecycle rule of bucket ${bucket}`);
      const keys = await env.objectStore!.list(bucket);
      for (const k of [...expired, ...kept]) expect(keys).toContain(k);
    });

    test('retentionBy job: this database\'s dumps older than retentionDays go, everything else stays', async () => {
      const { expired, kept } = await seedOldDumps();
      const cronJob = env.variant((doc) => (doc.backup = { ...doc.backup, retentionBy: 'job' })).find((o) => o.kind === 'CronJob' && o.metadata.name === `${env.config.appName}-backup`)!;
      const { pod, key } = await runBackup(cronJob);
      const keys = await env.objectStore!.list(bucket);
      for (const k of expired) expect([k, keys.includes(k)]).toEqual([k, false]);
      for (const k of [...kept, key, `${key}.sha256`]) expect([k, keys.includes(k)]).toEqual([k, true]);
      for (const k of expired) expect(pod.logs('upload')).toContain(`pruned ${k}`);
    });
  });
});

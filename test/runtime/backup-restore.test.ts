/**
 * Backups and the restore check, run for real, for production (mysql: MariaDB) and staging (pgsql:
 * PostgreSQL). The backup CronJob's `dump` container (the official database image: here Debian's client)
 * dumps the real database as a read-only backup user whose password holds every character an option file
 * or a shell could mangle; its `upload` container (aws-cli) puts the dump, then its checksum, into the
 * backup bucket of a local S3 (s3rver). The dump restores into an empty database row for row. The
 * restore-check CronJob downloads the newest complete dump (a newer one whose upload never finished is
 * skipped), verifies its checksum, loads it into its scratch database sidecar and runs the sanity query;
 * it fails on a tampered dump, a dump that does not load and a sanity query below its minimum. Retention
 * deletes exactly what docs/operations.md says: nothing by default (the bucket's lifecycle rule), or with
 * `retentionBy: job` this database's dumps older than `retentionDays`.
 */
import * as crypto from 'crypto';
import * as zlib from 'zlib';
import { K8sObject } from '../helpers';
import { Pod, PodOptions } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { mysqlString, pgString } from './harness/servers';
import { AWKWARD_PASSWORD, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(240000);

/** The read-only backup login. */
const BACKUP_USER = 'pembayaran_backup';

/** Rows a dump must carry through intact: quotes, a backslash, `$`, non-ASCII, NULL, a newline, binary. */
const PAYMENTS = [
  { reference: `INV-2025/01 "q" 'a' \\ Rp ü €`, amount: '1250000.50', status: 'paid', note: 'lunas — terima kasih ✓' },
  { reference: 'INV-2', amount: '10.00', status: 'pending', note: 'quote " and backslash \\ and $HOME\nline 2' },
  { reference: 'INV-3', amount: '0.00', status: 'failed', note: null },
];

const MIGRATIONS = ['2024_01_01_000000_create_jobs_tables', '2024_01_02_000000_create_payments_table'];

/** A dump key's UTC timestamp `daysAgo` days back, as the backup writes it. */
const stamp = (daysAgo: number) => new Date(Date.now() - daysAgo * 86400000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

const ENVIRONMENTS = [
  { environment: 'production', engine: 'MariaDB for mysql' },
  { environment: 'staging', engine: 'PostgreSQL for pgsql' },
] as const;

for (const { environment, engine } of ENVIRONMENTS) {
  describeRuntime(`backup and restore check of ${environment} (${engine})`, () => {
    let env: LaravelEnvironment;
    let uploads: string;
    let bucket: string;
    let prefix: string;
    let dumpKey: string;
    const database = () => env.config.database;
    const mysql = environment === 'production';
    const literal = (value: string) => (mysql ? mysqlString : pgString)(value);
    const sql = (statement: string) => env.database!.sql(statement, database().name);
    const dumpsOf = async (name: string) => (await env.objectStore!.list(bucket, `${prefix}${name}-`)).filter((k) => /-\d{8}T\d{6}Z\.sql\.gz$/.test(k));
    const tableRows = (name: string) =>
      env.database!.sql(
        mysql
          ? "SELECT reference, amount, status, COALESCE(note, 'NULL'), HEX(receipt) FROM payments ORDER BY id"
          : "SELECT reference, amount, status, COALESCE(note, 'NULL'), encode(receipt, 'hex') FROM payments ORDER BY id",
        name,
      );

    beforeAll(async () => {
      uploads = `pembayaran-${environment}`;
      bucket = `${uploads}-backups`;
      env = await startLaravelEnvironment({ environment, database: true, buckets: [uploads, bucket] });
      expect(env.config.backup.bucket ?? `${env.config.objectStorage.bucket}-backups`).toBe(bucket);
      prefix = env.config.backup.prefix;
      const serial = mysql ? 'INT AUTO_INCREMENT PRIMARY KEY' : 'SERIAL PRIMARY KEY';
      await sql(
        [
          `CREATE TABLE migrations (id ${serial}, migration VARCHAR(255) NOT NULL, batch INT NOT NULL)`,
          `INSERT INTO migrations (migration, batch) VALUES ${MIGRATIONS.map((m) => `('${m}', 1)`).join(', ')}`,
          `CREATE TABLE payments (id ${serial}, reference VARCHAR(255) NOT NULL UNIQUE, amount DECIMAL(14,2) NOT NULL, status VARCHAR(20) NOT NULL, note TEXT NULL, receipt ${mysql ? 'BLOB' : 'BYTEA'} NULL)${mysql ? ' CHARACTER SET utf8mb4' : ''}`,
          ...PAYMENTS.map(
            (p, i) =>
              `INSERT INTO payments (reference, amount, status, note, receipt) VALUES (${literal(p.reference)}, ${p.amount}, ${literal(p.status)}, ${p.note === null ? 'NULL' : literal(p.note)}, ${mysql ? `UNHEX('00ff10${i}0')` : `'\\x00ff10${i}0'::bytea`})`,
          ),
          // The application owns its tables (its migrations created them); the backup logs in as another user.
          ...(mysql ? [] : ['ALTER TABLE migrations OWNER TO pembayaran_app', 'ALTER TABLE payments OWNER TO pembayaran_app']),
        ].join('; '),
      );
      // The backup logs in as a read-only user of its own (what docs/operations.md recommends, through
      // backup.remoteRefs), with the privileges a consistent dump needs and no more.
      if (mysql) {
        await env.database!.sql(
          `CREATE USER ${mysqlString(BACKUP_USER)}@'%' IDENTIFIED BY ${mysqlString(AWKWARD_PASSWORD)}; ` +
            `GRANT SELECT, SHOW VIEW, TRIGGER ON \`${database().name}\`.* TO ${mysqlString(BACKUP_USER)}@'%'; FLUSH PRIVILEGES;`,
        );
      } else {
        await env.database!.sql(`CREATE ROLE ${BACKUP_USER} LOGIN PASSWORD ${pgString(AWKWARD_PASSWORD)}`);
        await sql(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${BACKUP_USER}; GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${BACKUP_USER}`);
      }
      // The backup's and the restore check's own keys (s3rver accepts its fixed pair).
      const store = env.objectStore!;
      env.cluster.setSecretValues(`${env.config.appName}-backup`, {
        AWS_ACCESS_KEY_ID: store.accessKeyId,
        AWS_SECRET_ACCESS_KEY: store.secretAccessKey,
        DB_USERNAME: BACKUP_USER,
        DB_PASSWORD: AWKWARD_PASSWORD,
      });
      env.cluster.setSecretValues(`${env.config.appName}-restore-check`, { AWS_ACCESS_KEY_ID: store.accessKeyId, AWS_SECRET_ACCESS_KEY: store.secretAccessKey });
    });
    afterAll(async () => env?.stop());

    const runToCompletion = async (cronJob: string | K8sObject, options: PodOptions = {}) => {
      const pod: Pod = await env.cluster.runPod(typeof cronJob === 'string' ? env.object('CronJob', cronJob) : cronJob, { waitForStartup: false, ...options });
      const exits = await pod.waitForCompletion(180000);
      return { pod, exits };
    };

    /** Runs a backup CronJob to success; returns its pod and the one dump it added. */
    const runBackup = async (cronJob: string | K8sObject = 'backup') => {
      const before = new Set(await dumpsOf(database().name));
      const { pod, exits } = await runToCompletion(cronJob);
      expect({ exits, dump: pod.logs('dump') }).toEqual({ exits: { upload: { code: 0, signal: null } }, dump: expect.stringMatching(/^dumped /m) });
      const created = (await dumpsOf(database().name)).filter((k) => !before.has(k));
      expect(created).toHaveLength(1);
      return { pod, key: created[0] };
    };

    /** Puts a dump and its checksum under a newer name than any real one; removes them afterwards. */
    const withNewerDump = async (body: Buffer, checksum: (name: string) => string | undefined, check: (name: string) => Promise<void>) => {
      const key = `${prefix}${database().name}-29991231T235959Z.sql.gz`;
      const name = key.slice(prefix.length);
      const sum = checksum(name);
      await env.objectStore!.put(bucket, key, body);
      if (sum !== undefined) await env.objectStore!.put(bucket, `${key}.sha256`, sum);
      try {
        await check(name);
      } finally {
        await env.objectStore!.remove(bucket, key);
        if (sum !== undefined) await env.objectStore!.remove(bucket, `${key}.sha256`);
      }
    };

    test('the backup dumps as the read-only user (awkward password) and uploads the dump, then its SHA-256, to the backup bucket only', async () => {
      const { pod, key } = await runBackup();
      dumpKey = key;
      expect(dumpKey).toMatch(new RegExp(`^${prefix}${database().name}-\\d{8}T\\d{6}Z\\.sql\\.gz$`));
      expect(await env.objectStore!.list(bucket, prefix)).toEqual([dumpKey, `${dumpKey}.sha256`]);
      expect(await env.objectStore!.list(uploads)).toEqual([]);

      const dump = await env.objectStore!.get(bucket, dumpKey);
      const checksum = (await env.objectStore!.get(bucket, `${dumpKey}.sha256`)).toString();
      expect(checksum).toBe(`${crypto.createHash('sha256').update(dump).digest('hex')}  ${dumpKey.slice(prefix.length)}\n`);
      expect(pod.logs('upload')).toContain(`uploaded s3://${bucket}/${dumpKey}`);
      expect(pod.logs('upload')).toContain(`encryption ${env.config.backup.serverSideEncryption.type}`);
    });

    test('the dump restores into an empty database with the same rows', async () => {
      const dump = await env.objectStore!.get(bucket, dumpKey);
      const restored = 'restored_by_test';
      await env.database!.sql(`CREATE DATABASE ${restored}${mysql ? ' CHARACTER SET utf8mb4' : ''}`);
      await env.database!.load(zlib.gunzipSync(dump).toString(), restored);
      const original = await tableRows(database().name);
      expect((await env.database!.sql('SELECT COUNT(*) FROM payments', restored)).trim()).toBe(String(PAYMENTS.length));
      expect(original).toContain('lunas — terima kasih ✓');
      expect(await tableRows(restored)).toBe(original);
    });

    test('the restore check restores the newest complete dump into its scratch database (a newer partial upload is skipped) and the sanity query passes', async () => {
      // A newer dump whose checksum never arrived: an upload that did not finish. It is skipped, not restored.
      await withNewerDump(Buffer.from('partial'), () => undefined, async (unfinished) => {
        const { pod, exits } = await runToCompletion('restore-check');
        expect(pod.logs('fetch')).toContain(`skipping ${prefix}${unfinished}: no checksum`);
        expect(pod.logs('fetch')).toContain(`fetched ${dumpKey.slice(prefix.length)}`);
        expect(pod.logs('fetch')).toContain('checksum verified');
        expect([exits.restore, pod.logs('restore')]).toEqual([{ code: 0, signal: null }, expect.stringMatching(/restored \S+: 2 tables; SELECT COUNT\(\*\) FROM migrations -> 2/)]);
        // The scratch database stops once the restore is done, so the Job completes.
        expect(exits.database).toEqual({ code: 0, signal: null });
      });
    });

    test('in the scratch database the rows are the original ones, quotes, backslash and non-ASCII included', async () => {
      const [first] = PAYMENTS;
      const query = `SELECT COUNT(*) FROM payments WHERE reference = ${literal(first.reference)} AND amount = ${first.amount} AND note = ${literal(first.note!)} AND ${mysql ? "HEX(receipt) = '00FF1000'" : "receipt = '\\x00ff1000'::bytea"}`;
      const { pod, exits } = await runToCompletion('restore-check', { env: { restore: { SANITY_QUERY: query } } });
      expect([exits.restore, pod.logs('restore')]).toEqual([{ code: 0, signal: null }, expect.stringContaining('-> 1')]);
    });

    test('a tampered dump fails the check before anything is restored', async () => {
      const original = await env.objectStore!.get(bucket, dumpKey);
      const originalSum = (await env.objectStore!.get(bucket, `${dumpKey}.sha256`)).toString();
      const tampered = zlib.gzipSync(zlib.gunzipSync(original).toString().replace('INV-2', 'INV-9'));
      await withNewerDump(tampered, (name) => originalSum.replace(dumpKey.slice(prefix.length), name), async () => {
        await expect(env.cluster.runPod(env.object('CronJob', 'restore-check'), { waitForStartup: false })).rejects.toThrow(/init container fetch .* failed[\s\S]*FAILED/);
      });
    });

    test('a dump that does not load fails the restore container, and the scratch database still stops', async () => {
      const body = zlib.gzipSync('CREATE TABLE half (id INT;\n');
      await withNewerDump(body, (name) => `${crypto.createHash('sha256').update(body).digest('hex')}  ${name}\n`, async (name) => {
        const { pod, exits } = await runToCompletion('restore-check');
        expect(pod.logs('fetch')).toContain(`fetched ${name}`);
        expect(exits.restore.code).not.toBe(0);
        expect(exits.database).toEqual({ code: 0, signal: null });
      });
    });

    test('a sanity query below its minimum fails the check', async () => {
      const { pod, exits } = await runToCompletion('restore-check', { env: { restore: { MIN_ROWS: '1000' } } });
      expect(exits.restore.code).toBe(1);
      expect(pod.logs('restore')).toContain('sanity query returned 2, fewer than 1000');
    });

    describe('retention', () => {
      /** Puts dumps of various ages (and keys retention must leave alone) into the bucket. */
      async function seedOldDumps(): Promise<{ expired: string[]; kept: string[] }> {
        const name = database().name;
        const days = env.config.backup.retentionDays;
        const expired = [`${prefix}${name}-20200101T000000Z.sql.gz`, `${prefix}${name}-20200101T000000Z.sql.gz.sha256`, `${prefix}${name}-${stamp(days + 1)}.sql.gz`];
        const kept = [`${prefix}${name}-${stamp(days - 1)}.sql.gz`, `${prefix}otherdb-20200101T000000Z.sql.gz`, `${prefix}${name}-notes.txt`, `elsewhere/${name}-20200101T000000Z.sql.gz`];
        for (const key of [...expired, ...kept]) await env.objectStore!.put(bucket, key, 'old');
        return { expired, kept };
      }

      test('by default (the lifecycle rule) the job deletes nothing and says who does', async () => {
        expect(env.config.backup.retentionBy).toBe('lifecycle');
        const { expired, kept } = await seedOldDumps();
        const { pod } = await runBackup();
        expect(pod.logs('upload')).toContain(`retention: ${env.config.backup.retentionDays} days, by the lifecycle rule of bucket ${bucket}`);
        const keys = await env.objectStore!.list(bucket);
        for (const k of [...expired, ...kept, dumpKey]) expect(keys).toContain(k);
      });

      test("with retentionBy job, this database's dumps older than retentionDays go, everything else stays", async () => {
        const { expired, kept } = await seedOldDumps();
        const cronJob = env.variant((doc) => (doc.backup = { ...doc.backup, retentionBy: 'job' })).find((o) => o.kind === 'CronJob' && o.metadata.name === `${env.config.appName}-backup`)!;
        const { pod, key } = await runBackup(cronJob);
        const keys = await env.objectStore!.list(bucket);
        for (const k of expired) expect([k, keys.includes(k)]).toEqual([k, false]);
        for (const k of [...kept, dumpKey, `${dumpKey}.sha256`, key, `${key}.sha256`]) expect([k, keys.includes(k)]).toEqual([k, true]);
        for (const k of expired) expect(pod.logs('upload')).toContain(`pruned ${k}`);
      });
    });
  });
}

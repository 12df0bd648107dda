/**
 * Connections encrypted end to end, run for real: production's pods against MariaDB and Redis that accept
 * only TLS (MariaDB `require_secure_transport`, Redis without a plain-text port), with certificates from a
 * test CA made at test time. The CA reaches the pods the way production.yaml says: the database's from a
 * ConfigMap, Redis's from the secret manager (the `<app>-datastore-ca` ExternalSecret's Secret).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { describeRuntime } from './harness/preflight';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment, waitForJobResult } from './laravel';
import { run } from './harness/processes';

jest.setTimeout(180000);

describeRuntime('TLS to the database and Redis (production, MariaDB and Redis with a test CA)', () => {
  let env: LaravelEnvironment;

  beforeAll(async () => {
    // The scheduler in cron mode, so one schedule:run completes (work mode connects to Redis the same way).
    env = await startLaravelEnvironment({ environment: 'production', database: true, change: (doc) => (doc.scheduler = { mode: 'cron' }) });
    const laravel = env.cluster.secret(env.laravelSecret);
    env.cluster.setSecretValues('pembayaran-backup', { DB_USERNAME: laravel.DB_USERNAME, DB_PASSWORD: laravel.DB_PASSWORD });
  });
  afterAll(async () => env?.stop());

  test('the servers refuse clients without TLS', async () => {
    const password = env.cluster.secret(env.laravelSecret).DB_PASSWORD;
    const mariadb = (...tls: string[]) =>
      run([...env.cluster.network.enter, 'mariadb', '--no-defaults', ...tls, '-h', env.database!.address, '-u', 'pembayaran_app', `--password=${password}`, '--batch', '-e', "SHOW SESSION STATUS LIKE 'Ssl_cipher'"]);
    // MariaDB answers a plain-text login under require_secure_transport with "Access denied".
    const plain = await mariadb('--skip-ssl');
    expect(plain.code).not.toBe(0);
    expect(plain.stdout).toBe('');
    const encrypted = await mariadb('--ssl', `--ssl-ca=${env.pki!.caFile}`, '--disable-ssl-verify-server-cert');
    expect(encrypted.stdout).toMatch(/Ssl_cipher\tTLS_/);
    const plainRedis = await run([...env.cluster.network.enter, 'redis-cli', '-h', env.redis.address, '-p', '6379', 'PING']);
    expect(plainRedis.stdout + plainRedis.stderr).not.toContain('PONG');
    expect(await env.redisCli('PING')).toContain('PONG');
  });

  test('migrations run over TLS (the Sync hook Job)', async () => {
    const migrate = await env.cluster.runPod(env.object('Job', 'migrate'));
    const exits = await migrate.waitForCompletion();
    expect(Object.values(exits).map((e) => e.code)).toEqual([0]);
    expect(await env.database!.sql('SELECT COUNT(*) FROM migrations', 'pembayaran')).not.toBe('0');
  });

  test('the web pod reaches both stores over TLS: the database session reports its cipher, Redis serves sessions and cache', async () => {
    const web = await env.webPod();
    try {
      const response = await env.cluster.http({ url: `http://${web.ip}:8080/data-stores`, headers: hostHeader(env.config) });
      expect(response.status).toBe(200);
      const seen = JSON.parse(response.text);
      expect(seen).toMatchObject({ database_driver: 'mysql', redis_scheme: 'tls', redis_ping: true, cache_read: 'written over tls' });
      expect(seen.database_cipher).toMatch(/^TLS_|AES|CHACHA/);
    } finally {
      await web.kill();
    }
  });

  test('a queue worker and the scheduler use Redis over TLS', async () => {
    const web = await env.webPod();
    const worker = await env.cluster.runPod(env.object('Deployment', 'worker-default'));
    try {
      await env.cluster.http({ url: `http://${web.ip}:8080/dispatch?token=tls-1&queue=default`, headers: hostHeader(env.config) });
      expect(await waitForJobResult(env, web, 'tls-1')).toMatchObject({ worker: worker.name, queue: 'default' });
      const scheduler = await env.cluster.runPod(env.object('CronJob', 'scheduler'));
      expect(Object.values(await scheduler.waitForCompletion()).map((e) => e.code)).toEqual([0]);
      const runs = JSON.parse((await env.cluster.http({ url: `http://${web.ip}:8080/schedule-runs`, headers: hostHeader(env.config) })).text);
      expect(runs.length).toBeGreaterThan(0);
    } finally {
      await worker.kill();
      await web.kill();
    }
  });

  test('the backup dumps over TLS, verifying the server against the CA', async () => {
    // The dump init container is the database client; the upload (object store) is not what this proves.
    const backup = await env.cluster.runPod(env.object('CronJob', 'backup'), { skipContainers: ['upload'] });
    try {
      expect(backup.logs('dump')).toMatch(/dumped pembayaran-\d{8}T\d{6}Z\.sql\.gz/);
      const scratch = path.join(backup.dir, 'volumes', 'scratch');
      const [dump] = fs.readdirSync(scratch).filter((f) => f.endsWith('.sql.gz'));
      expect(zlib.gunzipSync(fs.readFileSync(path.join(scratch, dump))).toString()).toMatch(/CREATE TABLE `migrations`/);
    } finally {
      await backup.kill();
    }
  });

  describe('a database CA that did not sign the server', () => {
    beforeAll(() => env.setCa('database', env.pki!.wrongCaPem));
    afterAll(() => env.setCa('database', env.pki!.caPem));

    test('migrations fail: PDO refuses the database certificate', async () => {
      const migrate = await env.cluster.runPod(env.object('Job', 'migrate'));
      const exits = await migrate.waitForCompletion();
      expect(Object.values(exits).map((e) => e.code)).not.toEqual([0]);
      expect(migrate.logs('migrate')).toMatch(/Cannot connect to MySQL using SSL|certificate verify failed/);
    });

    test('the backup fails: mysqldump refuses the database certificate', async () => {
      await expect(env.cluster.runPod(env.object('CronJob', 'backup'))).rejects.toThrow(/init container dump[\s\S]*(SSL|certificate|TLS)/i);
    });
  });

  describe('a Redis CA that did not sign the server', () => {
    beforeAll(() => env.setCa('redis', env.pki!.wrongCaPem));
    afterAll(() => env.setCa('redis', env.pki!.caPem));

    test('Laravel cannot use Redis: phpredis refuses the certificate', async () => {
      // php-fpm and nginx start (their startup probes need no Redis); Laravel's readiness does.
      const web = await env.webPod();
      try {
        const clear = await web.exec('php-fpm', ['php', 'artisan', 'cache:clear']);
        expect(clear.code).not.toBe(0);
        expect(clear.stdout + clear.stderr).toMatch(/certificate verify failed/);
        expect(await web.isReady()).toBe(false);
      } finally {
        await web.kill();
      }
    });
  });
});

describeRuntime('TLS to PostgreSQL and Redis (staging, both CAs from the secret manager)', () => {
  let env: LaravelEnvironment;

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'staging', database: true });
    const laravel = env.cluster.secret(env.laravelSecret);
    env.cluster.setSecretValues('pembayaran-backup', { DB_USERNAME: laravel.DB_USERNAME, DB_PASSWORD: laravel.DB_PASSWORD });
  });
  afterAll(async () => env?.stop());

  test('migrations, then the web pod: the PostgreSQL session is encrypted (pg_stat_ssl), Redis over TLS', async () => {
    const migrate = await env.cluster.runPod(env.object('Job', 'migrate'));
    expect(Object.values(await migrate.waitForCompletion()).map((e) => e.code)).toEqual([0]);
    const web = await env.webPod();
    try {
      const seen = JSON.parse((await env.cluster.http({ url: `http://${web.ip}:8080/data-stores`, headers: hostHeader(env.config) })).text);
      expect(seen).toMatchObject({ database_driver: 'pgsql', redis_scheme: 'tls', redis_ping: true, cache_read: 'written over tls' });
      expect(seen.database_cipher).toMatch(/^TLS_|AES|CHACHA/);
    } finally {
      await web.kill();
    }
  });

  test('pg_dump connects with verify-full (PGSSLMODE, PGSSLROOTCERT)', async () => {
    const backup = await env.cluster.runPod(env.object('CronJob', 'backup'), { skipContainers: ['upload'] });
    try {
      expect(backup.logs('dump')).toMatch(/dumped pembayaran-\d{8}T\d{6}Z\.sql\.gz/);
    } finally {
      await backup.kill();
    }
  });

  test('with a CA that did not sign the server, migrations and the dump fail on the certificate', async () => {
    env.setCa('database', env.pki!.wrongCaPem);
    try {
      const migrate = await env.cluster.runPod(env.object('Job', 'migrate'));
      expect(Object.values(await migrate.waitForCompletion()).map((e) => e.code)).not.toEqual([0]);
      expect(migrate.logs('migrate')).toMatch(/certificate verify failed/);
      await expect(env.cluster.runPod(env.object('CronJob', 'backup'), { skipContainers: ['upload'] })).rejects.toThrow(/init container dump[\s\S]*certificate verify failed/);
    } finally {
      env.setCa('database', env.pki!.caPem);
    }
  });
});

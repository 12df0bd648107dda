/**
 * The migration Job's command (`php artisan migrate --force --isolated`) against a real database: MariaDB
 * for production (mysql), PostgreSQL for staging (pgsql). Two Jobs at once: only one migrates, the other
 * finds the isolation lock in Redis and exits 0; a later run has nothing to do.
 */
import { Pod } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { LaravelEnvironment, runInApp, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

const MIGRATIONS = ['2024_01_01_000000_create_jobs_tables', '2024_01_02_000000_create_payments_table'];

describe.each(['production', 'staging'] as const)('migrations of %s', (environment) => {
  describeRuntime(`migrations of ${environment}, against its database engine`, () => {
    let env: LaravelEnvironment;
    const migrated = async () =>
      (await env.database!.sql('SELECT migration FROM migrations ORDER BY migration', env.config.database.name))
        .trim()
        .split('\n')
        .filter(Boolean);

    beforeAll(async () => {
      env = await startLaravelEnvironment({ environment, database: true });
    });
    afterAll(async () => env?.stop());

    test(`the database engine matches the config (${environment === 'production' ? 'mysql → MariaDB' : 'pgsql → PostgreSQL'})`, () => {
      expect(env.config.database.connection).toBe(environment === 'production' ? 'mysql' : 'pgsql');
      expect(env.database!.name).toBe(environment === 'production' ? 'mariadb' : 'postgres');
    });

    test('two migration Jobs at once: one migrates, the other finds it already running and exits 0', async () => {
      const job = env.object('Job', 'migrate');
      const gate = { migrate: { FIXTURE_MIGRATION_GATE: 'concurrent' } };
      const [a, b] = await Promise.all([env.cluster.runPod(job, { env: gate }), env.cluster.runPod(job, { env: gate })]);
      // The first to take the lock waits at the gate; the other cannot get it and ends.
      const first = await Promise.race([a, b].map(async (pod) => ({ pod, exit: await pod.container('migrate').daemon.exited })));
      const loser = first.pod;
      const winner: Pod = loser === a ? b : a;
      expect(first.exit).toEqual({ code: 0, signal: null });
      expect(loser.logs('migrate')).toContain('The [migrate] command is already running.');
      expect(loser.logs('migrate')).not.toMatch(/Migrat(ing|ed):/);
      expect(winner.container('migrate').running).toBe(true);

      await runInApp(winner, 'migrate', "Illuminate\\Support\\Facades\\Cache::put('fixture:release-migration:concurrent', 1, 60);");
      expect(await winner.waitForCompletion()).toEqual({ migrate: { code: 0, signal: null } });
      for (const migration of MIGRATIONS) expect(winner.logs('migrate')).toContain(`Migrated:  ${migration}`);
      expect(await migrated()).toEqual(MIGRATIONS);
      const tables = environment === 'production'
        ? await env.database!.sql('SHOW TABLES', env.config.database.name)
        : await env.database!.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", env.config.database.name);
      expect(tables.split('\n')).toEqual(expect.arrayContaining(['failed_jobs', 'migrations', 'payments']));
    });

    test('a later migration Job has nothing to do and succeeds', async () => {
      const pod = await env.cluster.runPod(env.object('Job', 'migrate'));
      expect(await pod.waitForCompletion()).toEqual({ migrate: { code: 0, signal: null } });
      expect(pod.logs('migrate')).toContain('Nothing to migrate.');
      expect(await migrated()).toEqual(MIGRATIONS);
    });
  });
});

import { App, Chart } from 'cdk8s';
import { LARAVEL_SECRET_VARIABLES } from '../../../lib/laravel/laravel-settings';
import { REVERB_SECRET_VARIABLES } from '../../../lib/laravel/reverb';
import { PembayaranStack } from '../../../lib/pembayaran-stack';
import { container, find, K8sObject, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';
import { resolveExternalSecret } from '../core/eso';

describe.each(SHIPPED_ENVIRONMENTS)('Laravel workloads of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);

  test('each worker pool runs queue:work or horizon with the app settings (details: queue-workers.test.ts)', () => {
    for (const pool of config.workers) {
      const deployment = find(objects, 'Deployment', `pembayaran-worker-${pool.name}`);
      const spec = podSpecOf(deployment);
      const worker = container(spec, 'worker');
      expect(worker.command).toEqual(expect.arrayContaining(pool.mode === 'horizon' ? ['php', 'artisan', 'horizon'] : ['php', 'artisan', 'queue:work', 'redis']));
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(pool.timeout);
      expect(container(spec, 'prepare').command[2]).toContain('php artisan config:cache');
      if (pool.autoscaling.enabled) expect(deployment.spec.replicas).toBeUndefined();
      else expect(deployment.spec.replicas).toBe(pool.replicas);
    }
  });

  test('migrations run as an Argo CD Sync hook after the settings and secrets, before the workloads', () => {
    const job = find(objects, 'Job', 'pembayaran-migrate');
    const wave = (o: K8sObject) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    expect(container(podSpecOf(job), 'migrate').command).toEqual(['php', 'artisan', 'migrate', '--force', '--isolated', '--no-interaction']);
    // A half-applied MySQL migration is never re-run, and the run ends before the --isolated lock expires.
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.spec.activeDeadlineSeconds).toBe(3600);
    expect(podSpecOf(job).restartPolicy).toBe('Never');
    expect(wave(job)).toBeGreaterThan(wave(find(objects, 'ExternalSecret', 'pembayaran-laravel')));
    expect(wave(job)).toBeGreaterThan(wave(find(objects, 'ConfigMap', 'pembayaran-laravel')));
    for (const o of objects.filter((o) => ['Deployment', 'CronJob'].includes(o.kind))) expect(wave(job)).toBeLessThan(wave(o));
  });

  test('the ConfigMap carries the production settings of the readiness checklist', () => {
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data).toMatchObject({
      APP_ENV: config.tier,
      APP_DEBUG: 'false',
      APP_URL: `https://${config.laravel.host}`,
      LOG_CHANNEL: 'stderr',
      LOG_STDERR_FORMATTER: 'Monolog\\Formatter\\JsonFormatter',
      LOG_LEVEL: 'info',
      SESSION_SECURE_COOKIE: 'true',
      SESSION_ENCRYPT: 'true',
      CACHE_STORE: 'redis',
      APP_MAINTENANCE_DRIVER: 'cache',
      APP_MAINTENANCE_STORE: 'redis',
      QUEUE_CONNECTION: 'redis',
      DB_CONNECTION: config.database.connection,
      DB_HOST: config.database.host,
      DB_PORT: config.database.connection === 'mysql' ? '3306' : '5432',
      DB_DATABASE: config.database.name,
      REDIS_HOST: config.redis.host,
      REDIS_PORT: '6379',
      FILESYSTEM_DISK: 's3',
      AWS_BUCKET: config.objectStorage.bucket,
      TRUSTED_PROXIES: config.laravel.trustedProxies,
    });
    expect(data.CORS_ALLOWED_ORIGINS).toMatch(/^https:\/\//);
    for (const secret of LARAVEL_SECRET_VARIABLES) expect(data[secret]).toBeUndefined();
  });

  test('secrets come from the secret manager: an ExternalSecret with references, never a Secret with data', () => {
    const external = find(objects, 'ExternalSecret', 'pembayaran-laravel');
    expect(external.apiVersion).toBe('external-secrets.io/v1');
    expect(external.spec.secretStoreRef).toEqual(config.secrets.store);
    expect(external.spec.target).toMatchObject({ name: 'pembayaran-laravel', creationPolicy: 'Owner' });
    // What ESO writes from a store whose key also holds other components' credentials: only the Laravel ones.
    // Both shipped environments run Reverb: its app credentials are Laravel's too (it signs broadcasts with them).
    const laravelVariables = [...LARAVEL_SECRET_VARIABLES, ...REVERB_SECRET_VARIABLES];
    const values = Object.fromEntries([...laravelVariables, 'BACKUP_AWS_SECRET_ACCESS_KEY'].map((v) => [v, `value-of-${v}`]));
    const { secret } = resolveExternalSecret(external, { [config.secrets.remoteKey]: values });
    expect(secret).toEqual(Object.fromEntries(laravelVariables.map((v) => [v, `value-of-${v}`])));
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('names and selectors are a contract', () => {
  test('renaming constructs changes no name, label or selector', () => {
    const config = shippedConfig('production');
    const synth = (chartId: string, stackId: string) => {
      const chart = new Chart(new App(), chartId, { disableResourceNameHashes: true });
      new PembayaranStack(chart, stackId, config);
      return chart.toJson();
    };
    expect(synth('other-chart', 'Renamed')).toEqual(synth('production', 'Pembayaran'));
  });

  test('selectors never include the version label', () => {
    for (const o of shippedObjects('production')) {
      const selector = o.spec?.selector?.matchLabels ?? (o.kind === 'Service' ? o.spec.selector : undefined);
      if (selector) expect(Object.keys(selector)).not.toContain('app.kubernetes.io/version');
    }
  });
});

/**
 * A shipped environment, synthesized with the project's own code and applied to a test cluster, with the
 * data stores its config names started and wired: Redis with the secret's password, the database of its
 * connection (MariaDB for mysql, PostgreSQL for pgsql) with the secret's user, optionally an S3 store.
 * The config's host names resolve to those servers in every pod.
 */
import * as path from 'path';
import { parseEnvironment } from '../../lib/config/load';
import { EnvironmentConfig } from '../../lib/config/types.generated';
import { find, K8sObject, objectsOf, ROOT, withChanges } from '../helpers';
import { Cluster, Server } from './harness/cluster';
import { Pod, PodOptions } from './harness/pod';
import { waitFor } from './harness/processes';
import { ObjectStore, SqlServer, startMariaDb, startObjectStore, startPostgres, startRedis } from './harness/servers';

/** A database password with every character an option file or a shell could mangle. */
export const AWKWARD_PASSWORD = 'pa"ss\\wo$rd #1 \'q\' `x` end';

/** Sidecars whose images have no stand-in; their scrape targets are tested directly. */
export const EXPORTER_CONTAINERS = ['php-fpm-exporter', 'nginx-exporter'];

export interface LaravelEnvironment {
  readonly cluster: Cluster;
  readonly config: EnvironmentConfig;
  readonly objects: K8sObject[];
  readonly redis: Server;
  readonly database?: SqlServer;
  readonly objectStore?: ObjectStore;
  /** Name of the Secret the Laravel ExternalSecret writes. */
  readonly laravelSecret: string;
  /** A synthesized object by kind and name (`<app>-` is prefixed when missing). */
  object(kind: string, name: string): K8sObject;
  /** Runs the web Deployment's pod (exporters left out). */
  webPod(options?: PodOptions): Promise<Pod>;
  /** The objects of the same environment with more changes (not applied: run one of them, e.g. a CronJob). */
  variant(change: (doc: any) => void): K8sObject[];
  /** redis-cli against the cluster's Redis (keys as Laravel's Redis connection prefixes them). */
  redisCli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface LaravelEnvironmentOptions {
  readonly environment: 'production' | 'staging';
  /** Changes to the environment file, validated by the real loader. */
  readonly change?: (doc: any) => void;
  /** Start the database of the config's connection. @default false */
  readonly database?: boolean;
  /** Start an S3 store for these buckets (and point objectStorage.endpoint at it). @default none */
  readonly buckets?: readonly string[];
  /** Secret values beyond the defaults (the database password is AWKWARD_PASSWORD). */
  readonly secrets?: Readonly<Record<string, string>>;
}

export const S3_HOST = 'objects.test.internal';

export async function startLaravelEnvironment(options: LaravelEnvironmentOptions): Promise<LaravelEnvironment> {
  const file = path.join(ROOT, 'config', `${options.environment}.yaml`);
  const configWith = (more?: (doc: any) => void) =>
    parseEnvironment(
      file,
      withChanges(options.environment, (doc) => {
        if (options.buckets?.length) {
          doc.objectStorage = { ...doc.objectStorage, endpoint: `http://${S3_HOST}:9000`, usePathStyleEndpoint: true };
        }
        options.change?.(doc);
        more?.(doc);
      }),
    );
  const config = configWith();
  const objects = objectsOf(config);
  const cluster = await Cluster.start({ namespace: config.namespace });
  try {
    cluster.apply(objects);
    const laravelSecret = `${config.appName}-laravel`;
    const secrets: Record<string, string> = {
      DB_USERNAME: 'pembayaran_app',
      DB_PASSWORD: AWKWARD_PASSWORD,
      REDIS_PASSWORD: 'redis-pass-Wq3#x$y',
      ...options.secrets,
    };
    const redis = await startRedis(cluster, { password: secrets.REDIS_PASSWORD });
    cluster.mapHost(config.redis.host, redis.address);

    let database: SqlServer | undefined;
    if (options.database) {
      database = config.database.connection === 'mysql' ? await startMariaDb(cluster) : await startPostgres(cluster);
      await database.createDatabase(config.database.name, secrets.DB_USERNAME, secrets.DB_PASSWORD);
      cluster.mapHost(config.database.host, database.address);
    }

    let objectStore: ObjectStore | undefined;
    if (options.buckets?.length) {
      objectStore = await startObjectStore(cluster, options.buckets);
      cluster.mapHost(S3_HOST, objectStore.address);
      secrets.AWS_ACCESS_KEY_ID = objectStore.accessKeyId;
      secrets.AWS_SECRET_ACCESS_KEY = objectStore.secretAccessKey;
    }
    cluster.setSecretValues(laravelSecret, secrets);

    const object = (kind: string, name: string) => find(objects, kind, name.startsWith(`${config.appName}-`) ? name : `${config.appName}-${name}`);
    return {
      cluster,
      config,
      objects,
      redis,
      database,
      objectStore,
      laravelSecret,
      object,
      variant: (change) => objectsOf(configWith(change)),
      webPod: (podOptions = {}) => cluster.runPod(object('Deployment', 'web'), { ...podOptions, skipContainers: [...EXPORTER_CONTAINERS, ...(podOptions.skipContainers ?? [])] }),
      redisCli: (...args: string[]) => cluster.network.execOk(['redis-cli', '-h', redis.address, '-p', String(redis.port), '-a', secrets.REDIS_PASSWORD, '--no-auth-warning', ...args]),
      stop: () => cluster.stop(),
    };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

/** A Host header for requests as the edge sends them. */
export const hostHeader = (config: EnvironmentConfig) => ({ Host: config.laravel.host });

/**
 * Runs PHP inside a Laravel container with the application booted (what `php artisan tinker` would do):
 * the app's own config, cache and database connections.
 */
export async function runInApp(pod: Pod, container: string, php: string): Promise<string> {
  const script = `require 'vendor/autoload.php'; $app = require 'bootstrap/app.php'; $app->make(Illuminate\\Contracts\\Console\\Kernel::class)->bootstrap(); ${php}`;
  const result = await pod.exec(container, ['php', '-r', script]);
  if (result.code !== 0) throw new Error(`php in ${pod.name}/${container} failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** The Redis key Laravel's default connection uses for `key` (REDIS_PREFIX). */
export const redisKey = (env: LaravelEnvironment, key: string) => `${env.object('ConfigMap', 'laravel').data.REDIS_PREFIX}${key}`;

/** Waits for the RecordJob with this token, as reported by the app. */
export async function waitForJobResult(env: LaravelEnvironment, web: Pod, token: string): Promise<any> {
  return waitFor(`the job ${token}`, async () => {
    const response = await env.cluster.http({ url: `http://${web.ip}:8080/job-result?token=${token}`, headers: hostHeader(env.config) });
    return response.status === 200 ? JSON.parse(response.text) : undefined;
  }, { timeoutMs: 60000, intervalMs: 250 });
}

import { Construct } from 'constructs';
import { EnvFromSource, EnvVar, KubeConfigMap } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { checksumOf } from '../core/checksum';
import { sortedByKey } from '../core/containers';
import { APP_ROOT } from '../core/defaults';
import { resolveRemoteRefs, SecretEnvironment, SecretFetch, SecretStoreRef } from '../core/secret-environment';
import { SyncWave } from '../core/sync-waves';

/** Laravel's secret variables; each comes from the secret manager, never from a file in git. */
export const LARAVEL_SECRET_VARIABLES = [
  'APP_KEY',
  'DB_USERNAME',
  'DB_PASSWORD',
  'REDIS_PASSWORD',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'SENTRY_LARAVEL_DSN',
] as const;

/** Laravel's cache files, moved onto a writable volume by the variables Laravel reads for that. */
export const LARAVEL_CACHE_DIR = `${APP_ROOT}/bootstrap/cache`;
export const LARAVEL_CACHE_VARIABLES: Readonly<Record<string, string>> = {
  APP_CONFIG_CACHE: `${LARAVEL_CACHE_DIR}/config.php`,
  APP_ROUTES_CACHE: `${LARAVEL_CACHE_DIR}/routes-v7.php`,
  APP_EVENTS_CACHE: `${LARAVEL_CACHE_DIR}/events.php`,
  APP_SERVICES_CACHE: `${LARAVEL_CACHE_DIR}/services.php`,
  APP_PACKAGES_CACHE: `${LARAVEL_CACHE_DIR}/packages.php`,
  VIEW_COMPILED_PATH: `${APP_ROOT}/storage/framework/views`,
};

export interface LaravelSettingsProps {
  readonly context: AppContext;
  readonly tier: 'production' | 'staging' | 'development';
  /** Public URL, https://<host>. */
  readonly url: string;
  readonly debug: boolean;
  readonly logLevel: string;
  readonly timezone: string;
  readonly trustedProxies: string;
  readonly corsAllowedOrigins: readonly string[];
  readonly database: { readonly connection: 'mysql' | 'pgsql'; readonly host: string; readonly port: number; readonly name: string };
  readonly redis: { readonly host: string; readonly port: number; readonly database: number; readonly prefix: string };
  readonly objectStorage: {
    readonly bucket: string;
    readonly region: string;
    readonly endpoint?: string;
    readonly usePathStyleEndpoint: boolean;
    readonly url?: string;
  };
  /** Base URL of the notification service, handed to Laravel as NOTIFICATION_SERVICE_URL. */
  readonly notificationServiceUrl?: string;
  /** Base URL of the WA gateway, only when Laravel may call it directly. */
  readonly waGatewayUrl?: string;
  /**
   * retry_after of the Redis queue connection for processes that use the shared settings (the longest of
   * the pools'; each pool's pods set their own). @default - Laravel's (90)
   */
  readonly queueRetryAfterSeconds?: number;
  /** Horizon's Redis key prefix (HORIZON_PREFIX), shared by the dashboard and every master. @default - not set */
  readonly horizonPrefix?: string;
  /** The job's side of the calls to FastAPI: its timeout and the idempotency header (lib/notifications/call-budgets.ts). @default - none */
  readonly notificationCalls?: Readonly<Record<string, string>>;
  /** Extra non-secret variables; they win over the generated ones. */
  readonly extraEnv: Readonly<Record<string, string>>;
  readonly secretStore: SecretStoreRef;
  readonly secretRefreshInterval: string;
  /** @default 'perKey' */
  readonly secretFetch?: SecretFetch;
  readonly remoteKey: string;
  /** Remaps and additions of secret variables. */
  readonly secretRefs: Readonly<Record<string, { key?: string; property?: string }>>;
}

/**
 * Everything every Laravel pod reads: a ConfigMap with the production settings of the readiness checklist,
 * and the ExternalSecret with the credentials.
 * @see https://laravel.com/docs/12.x/deployment
 */
export class LaravelSettings extends Construct {
  public readonly configMapName: string;
  public readonly secrets: SecretEnvironment;
  /** The ConfigMap data; its hash rolls the pods when a setting changes. */
  public readonly data: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: LaravelSettingsProps) {
    super(scope, id);
    const { context } = props;
    this.configMapName = context.name('laravel');
    this.data = sortedByKey({ ...laravelEnvironment(props), ...props.extraEnv });

    new KubeConfigMap(this, 'Environment', {
      metadata: context.metadata(this.configMapName, 'laravel', { wave: SyncWave.FOUNDATION }),
      data: this.data,
    });

    this.secrets = new SecretEnvironment(this, 'Secrets', {
      context,
      component: 'laravel',
      store: props.secretStore,
      refreshInterval: props.secretRefreshInterval,
      fetch: props.secretFetch,
      variables: resolveRemoteRefs(LARAVEL_SECRET_VARIABLES, props.secretRefs, props.remoteKey),
    });
  }

  /** ConfigMap first, then secrets: a secret never loses to a same-named setting. */
  get envFrom(): EnvFromSource[] {
    return [{ configMapRef: { name: this.configMapName } }, this.secrets.envFrom];
  }

  /** Pod annotation that changes whenever a setting does, so pods restart with it. */
  get checksum(): string {
    return checksumOf(this.data);
  }

  /** A single variable from the ConfigMap, for containers that need only a few. */
  configValue(name: string): EnvVar {
    if (!(name in this.data)) throw new Error(`LaravelSettings has no setting ${name}`);
    return { name, valueFrom: { configMapKeyRef: { name: this.configMapName, key: name } } };
  }

  /** A single secret variable, for containers that need only a few (backups, exporters). */
  secretValue(name: string): EnvVar {
    if (!this.secrets.variableNames.includes(name)) throw new Error(`LaravelSettings has no secret ${name}`);
    return { name, valueFrom: { secretKeyRef: { name: this.secrets.secretName, key: name } } };
  }
}

function laravelEnvironment(props: LaravelSettingsProps): Record<string, string> {
  const appEnv = props.tier === 'development' ? 'local' : props.tier;
  const s3 = props.objectStorage;
  return {
    APP_NAME: props.context.appName,
    APP_ENV: appEnv,
    APP_DEBUG: String(props.debug),
    APP_URL: props.url,
    APP_TIMEZONE: props.timezone,
    // One JSON object per line on stderr: the cluster's log pipeline parses it without regexes.
    LOG_CHANNEL: 'stderr',
    LOG_STDERR_FORMATTER: 'Monolog\\Formatter\\JsonFormatter',
    LOG_LEVEL: props.logLevel,
    LOG_DEPRECATIONS_CHANNEL: 'null',
    SESSION_DRIVER: 'redis',
    SESSION_SECURE_COOKIE: 'true',
    SESSION_ENCRYPT: 'true',
    SESSION_HTTP_ONLY: 'true',
    SESSION_SAME_SITE: 'lax',
    CACHE_STORE: 'redis',
    // `php artisan down` in one pod takes every pod down: the flag lives in the shared Redis cache store
    // (Laravel 11+; the file driver would only mark the pod it ran in).
    APP_MAINTENANCE_DRIVER: 'cache',
    APP_MAINTENANCE_STORE: 'redis',
    QUEUE_CONNECTION: 'redis',
    DB_CONNECTION: props.database.connection,
    DB_HOST: props.database.host,
    DB_PORT: String(props.database.port),
    DB_DATABASE: props.database.name,
    REDIS_CLIENT: 'phpredis',
    REDIS_HOST: props.redis.host,
    REDIS_PORT: String(props.redis.port),
    REDIS_DB: String(props.redis.database),
    REDIS_PREFIX: props.redis.prefix,
    FILESYSTEM_DISK: 's3',
    AWS_DEFAULT_REGION: s3.region,
    AWS_BUCKET: s3.bucket,
    AWS_USE_PATH_STYLE_ENDPOINT: String(s3.usePathStyleEndpoint),
    ...(s3.endpoint ? { AWS_ENDPOINT: s3.endpoint } : {}),
    ...(s3.url ? { AWS_URL: s3.url } : {}),
    TRUSTED_PROXIES: props.trustedProxies,
    CORS_ALLOWED_ORIGINS: (props.corsAllowedOrigins.length ? props.corsAllowedOrigins : [props.url]).join(','),
    ...(props.notificationServiceUrl ? { NOTIFICATION_SERVICE_URL: props.notificationServiceUrl } : {}),
    ...(props.waGatewayUrl ? { WA_GATEWAY_URL: props.waGatewayUrl } : {}),
    ...(props.queueRetryAfterSeconds !== undefined ? { REDIS_QUEUE_RETRY_AFTER: String(props.queueRetryAfterSeconds) } : {}),
    ...(props.horizonPrefix !== undefined ? { HORIZON_PREFIX: props.horizonPrefix } : {}),
    ...props.notificationCalls,
    ...LARAVEL_CACHE_VARIABLES,
  };
}

/** Service URL inside the cluster for a component's port. */
export function serviceUrl(context: AppContext, component: string, port: number): string {
  return `http://${context.name(component)}.${context.namespace}.svc:${port}`;
}


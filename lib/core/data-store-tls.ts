import { Construct } from 'constructs';
import { EnvVar, KubeConfigMap, Volume, VolumeMount } from '../../imports/k8s';
import { SyncWave } from './sync-waves';
import { DataStoreTls } from '../config/types.generated';
import { AppContext } from './app-context';
import { resolveRemoteRefs, SecretEnvironment, SecretFetch, SecretStoreRef } from './secret-environment';

/** The data stores a pod can reach over TLS. */
export type TlsDataStore = 'database' | 'redis';

/** Component of the ExternalSecret holding CA bundles from the secret manager. */
export const DATASTORE_CA_COMPONENT = 'datastore-ca';

/** Secret keys (and default remote properties) of the CA bundles in `<app>-datastore-ca`. */
export const DATASTORE_CA_SECRET_KEYS: Readonly<Record<TlsDataStore, string>> = { database: 'DATABASE_CA_CERT', redis: 'REDIS_CA_CERT' };

/** The image's system trust store (Debian and Alpine based images), used when no CA is configured. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Where a store's CA bundle is mounted, read-only, in every container that connects to it. */
export const CA_MOUNT_DIRS: Readonly<Record<TlsDataStore, string>> = { database: '/etc/pembayaran/tls/database', redis: '/etc/pembayaran/tls/redis' };
const CA_FILE = 'ca.crt';
const CA_VOLUMES: Readonly<Record<TlsDataStore, string>> = { database: 'database-ca', redis: 'redis-ca' };

export interface DataStoreTlsProps {
  readonly context: AppContext;
  readonly database: DataStoreTls;
  readonly redis: DataStoreTls;
  readonly secretStore: SecretStoreRef;
  readonly secretRefreshInterval: string;
  /** @default 'perKey' */
  readonly secretFetch?: SecretFetch;
  /** Default remote key of CA bundles from the secret manager. */
  readonly remoteKey: string;
}

/**
 * TLS to the database and Redis: where each CA bundle comes from (a ConfigMap, the secret manager through
 * an ExternalSecret, or the image's trust store), the read-only volume and mount every connecting
 * container gets, and the settings each client reads. One place, so the web pods, workers, scheduler,
 * migration, backups and exporters verify the same certificates.
 * @see https://laravel.com/docs/12.x/database#configuration
 * @see https://www.postgresql.org/docs/current/libpq-ssl.html
 */
export class DataStoreTlsSettings extends Construct {
  /** The ExternalSecret `<app>-datastore-ca`, when a CA bundle comes from the secret manager. */
  public readonly caSecrets?: SecretEnvironment;
  private readonly stores: Readonly<Record<TlsDataStore, DataStoreTls>>;
  private readonly context: AppContext;
  private kedaSwitchName?: string;

  constructor(scope: Construct, id: string, props: DataStoreTlsProps) {
    super(scope, id);
    this.context = props.context;
    this.stores = { database: props.database, redis: props.redis };
    const fromSecretManager = this.enabledStores().filter((s) => this.stores[s].ca?.remoteRef);
    if (fromSecretManager.length) {
      const refs = Object.fromEntries(fromSecretManager.map((s) => [DATASTORE_CA_SECRET_KEYS[s], { ...this.stores[s].ca!.remoteRef }]));
      this.caSecrets = new SecretEnvironment(this, 'CaSecrets', {
        context: props.context,
        component: DATASTORE_CA_COMPONENT,
        store: props.secretStore,
        refreshInterval: props.secretRefreshInterval,
        fetch: props.secretFetch,
        variables: resolveRemoteRefs([], refs, props.remoteKey),
      });
    }
  }

  enabled(store: TlsDataStore): boolean {
    return this.stores[store].enabled;
  }

  /** Path of the CA bundle the store's clients verify against. */
  caFile(store: TlsDataStore): string {
    return this.stores[store].ca ? `${CA_MOUNT_DIRS[store]}/${CA_FILE}` : SYSTEM_CA_BUNDLE;
  }

  /** Where a configured CA comes from, for the KEDA trigger authentication; undefined for the trust store. */
  caSource(store: TlsDataStore): { readonly configMap?: { name: string; key: string }; readonly secret?: { name: string; key: string } } | undefined {
    const ca = this.stores[store].ca;
    if (!this.enabled(store) || !ca) return undefined;
    if (ca.configMap) return { configMap: { name: ca.configMap.name, key: ca.configMap.key } };
    return { secret: { name: this.caSecrets!.secretName, key: DATASTORE_CA_SECRET_KEYS[store] } };
  }

  /** Volumes holding the configured CA bundles of these stores (none for the trust store or without TLS). */
  volumes(stores: readonly TlsDataStore[]): Volume[] {
    return this.mounted(stores).map((store) => {
      const source = this.caSource(store)!;
      const items = [{ key: (source.configMap ?? source.secret)!.key, path: CA_FILE }];
      return source.configMap
        ? { name: CA_VOLUMES[store], configMap: { name: source.configMap.name, items, defaultMode: 0o444 } }
        : { name: CA_VOLUMES[store], secret: { secretName: source.secret!.name, items, defaultMode: 0o444 } };
    });
  }

  volumeMounts(stores: readonly TlsDataStore[]): VolumeMount[] {
    return this.mounted(stores).map((store) => ({ name: CA_VOLUMES[store], mountPath: CA_MOUNT_DIRS[store], readOnly: true }));
  }

  /** Laravel's settings (ConfigMap): what config/database.php reads for each connection. */
  laravelSettings(connection: 'mysql' | 'pgsql'): Record<string, string> {
    const settings: Record<string, string> = {};
    if (this.enabled('database')) {
      if (connection === 'mysql') {
        // PDO's mysqlnd verifies the chain and the host name once a CA is given.
        settings.MYSQL_ATTR_SSL_CA = this.caFile('database');
      } else {
        settings.DB_SSLMODE = 'verify-full';
        settings.DB_SSLROOTCERT = this.caFile('database');
      }
    }
    if (this.enabled('redis')) {
      settings.REDIS_SCHEME = 'tls';
      settings.REDIS_SSL_CAFILE = this.caFile('redis');
    }
    return settings;
  }

  /** libpq's own variables, for pg_dump and psql (Laravel's are in its ConfigMap). */
  postgresClientEnv(): EnvVar[] {
    if (!this.enabled('database')) return [];
    return [
      { name: 'PGSSLMODE', value: 'verify-full' },
      { name: 'PGSSLROOTCERT', value: this.caFile('database') },
    ];
  }

  /**
   * Lines of a `[client]` option file for mysqldump. `loose-` lets each client skip what it does not know:
   * MySQL 8 reads ssl-mode (its ssl-verify-server-cert is gone), MariaDB reads ssl-verify-server-cert.
   */
  mysqlClientOptions(): string[] {
    if (!this.enabled('database')) return [];
    return [`ssl-ca=${this.caFile('database')}`, 'loose-ssl-mode=VERIFY_IDENTITY', 'loose-ssl-verify-server-cert'];
  }

  /**
   * TLS of a KEDA redis trigger. With the trust store: `enableTLS` in the trigger. With a CA of our own:
   * TriggerAuthentication parameters `tls: enable` and `ca` (KEDA refuses both ways at once); `tls` is a
   * constant, kept in a small ConfigMap `<app>-keda-redis-tls` because a parameter can only be read from one.
   * @see https://keda.sh/docs/latest/scalers/redis-lists/
   */
  kedaRedisTls(): {
    readonly metadata: Record<string, string>;
    readonly configMapTargetRef: { parameter: string; name: string; key: string }[];
    readonly secretTargetRef: { parameter: string; name: string; key: string }[];
  } {
    const none = { metadata: {}, configMapTargetRef: [], secretTargetRef: [] };
    if (!this.enabled('redis')) return none;
    const source = this.caSource('redis');
    if (!source) return { ...none, metadata: { enableTLS: 'true' } };
    if (!this.kedaSwitchName) {
      this.kedaSwitchName = this.context.name('keda-redis-tls');
      new KubeConfigMap(this, 'KedaRedisTls', {
        metadata: this.context.metadata(this.kedaSwitchName, 'keda-redis-tls', { wave: SyncWave.FOUNDATION }),
        data: { tls: 'enable' },
      });
    }
    const tls = { parameter: 'tls', name: this.kedaSwitchName, key: 'tls' };
    return source.configMap
      ? { metadata: {}, configMapTargetRef: [tls, { parameter: 'ca', ...source.configMap }], secretTargetRef: [] }
      : { metadata: {}, configMapTargetRef: [tls], secretTargetRef: [{ parameter: 'ca', ...source.secret! }] };
  }

  private enabledStores(): TlsDataStore[] {
    return (['database', 'redis'] as const).filter((s) => this.enabled(s));
  }

  private mounted(stores: readonly TlsDataStore[]): TlsDataStore[] {
    return this.enabledStores().filter((s) => stores.includes(s) && this.stores[s].ca);
  }
}

/**
 * Data stores from Debian's packages, each started in the cluster's node namespace as `nobody`, with its
 * data in the cluster's state directory, and stopped by PID with the cluster.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Cluster, Server } from './cluster';
import { runOk, waitFor } from './processes';

const NOBODY_UID = 65534;
const NOGROUP_GID = 65534;

function ownedDir(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.chownSync(dir, NOBODY_UID, NOGROUP_GID);
  fs.chmodSync(dir, 0o700);
  return dir;
}

const asNobody = (argv: readonly string[]) => ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', ...argv];

/** A server certificate and key (PEM files readable by nobody). */
export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
}

/** Redis with a password (`requirepass`), no persistence; with `tls`, TLS only (no plain-text port). */
export async function startRedis(cluster: Cluster, options: { password: string; tls?: ServerTls }): Promise<Server> {
  const dir = ownedDir(path.join(cluster.dir, 'data', 'redis'));
  const address = await cluster.network.serviceAddress();
  const listen = options.tls
    ? ['--port', '0', '--tls-port', '6379', '--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile, '--tls-auth-clients', 'no']
    : ['--port', '6379'];
  return cluster.startServer({
    name: 'redis',
    address,
    port: 6379,
    argv: ['redis-server', '--bind', address, ...listen, '--requirepass', options.password, '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'],
  });
}

export interface SqlServer extends Server {
  /** Runs SQL as the administrator, returns the output (tab-separated, no headers). */
  sql(statement: string, database?: string): Promise<string>;
  /** Feeds a script (a dump) to the command-line client on stdin, as the administrator. */
  load(script: string, database: string): Promise<void>;
  /** Creates a database and a user that owns it. */
  createDatabase(database: string, user: string, password: string): Promise<void>;
}

/** MySQL/MariaDB string literal. */
export const mysqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
/** PostgreSQL string literal (standard_conforming_strings on). */
export const pgString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/**
 * MariaDB, installed into a fresh data directory; the administrator connects over its socket. With `tls`,
 * TCP clients must use TLS (`require_secure_transport`).
 */
export async function startMariaDb(cluster: Cluster, options: { tls?: ServerTls } = {}): Promise<SqlServer> {
  const dir = ownedDir(path.join(cluster.dir, 'data', 'mariadb'));
  ownedDir(path.join(dir, 'tmp'));
  await runOk(asNobody(['mariadb-install-db', '--no-defaults', `--datadir=${dir}/data`, '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve']), { cwd: '/' });
  const address = await cluster.network.serviceAddress();
  const socket = path.join(dir, 'mysqld.sock');
  const server = await cluster.startServer({
    name: 'mariadb',
    address,
    port: 3306,
    argv: ['mariadbd', '--no-defaults', `--datadir=${dir}/data`, `--socket=${socket}`, `--pid-file=${dir}/mysqld.pid`, `--tmpdir=${dir}/tmp`, `--bind-address=${address}`, '--port=3306', '--skip-name-resolve', '--skip-log-bin', '--innodb-buffer-pool-size=32M', '--innodb-log-file-size=16M',
      ...(options.tls ? [`--ssl-cert=${options.tls.certFile}`, `--ssl-key=${options.tls.keyFile}`, '--require-secure-transport=ON'] : [])],
  });
  await waitFor('the MariaDB socket', () => fs.existsSync(socket));
  const client = (database?: string) => asNobody(['mariadb', '--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', ...(database ? [database] : [])]);
  const sql = async (statement: string, database?: string) => runOk([...client(database), '-e', statement]);
  return {
    ...server,
    sql,
    load: async (script, database) => {
      await runOk(client(database), { input: script });
    },
    createDatabase: async (database, user, password) => {
      await sql(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; CREATE USER IF NOT EXISTS ${mysqlString(user)}@'%' IDENTIFIED BY ${mysqlString(password)}; GRANT ALL PRIVILEGES ON \`${database}\`.* TO ${mysqlString(user)}@'%'; FLUSH PRIVILEGES;`);
    },
  };
}

/**
 * PostgreSQL, a fresh cluster (initdb); password authentication over TCP, trust on its socket. With `tls`,
 * TCP clients must use TLS (`hostssl` only).
 */
export async function startPostgres(cluster: Cluster, options: { tls?: ServerTls } = {}): Promise<SqlServer> {
  const dir = ownedDir(path.join(cluster.dir, 'data', 'postgres'));
  const versions = fs.readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  const bin = `/usr/lib/postgresql/${versions[0]}/bin`;
  await runOk(asNobody([`${bin}/initdb`, '-D', `${dir}/data`, '--username=postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync']), { cwd: '/' });
  // initdb admits TCP logins from loopback only; pods connect from their own addresses.
  const hostType = options.tls ? 'hostssl' : 'host';
  fs.writeFileSync(path.join(dir, 'data', 'pg_hba.conf'), `local all all trust\n${hostType} all all 0.0.0.0/0 scram-sha-256\n`);
  const tlsArgs: string[] = [];
  if (options.tls) {
    // PostgreSQL refuses a key file others can read: a private copy, owned by the server's user.
    const key = path.join(dir, 'server.key');
    fs.copyFileSync(options.tls.keyFile, key);
    fs.chownSync(key, NOBODY_UID, NOGROUP_GID);
    fs.chmodSync(key, 0o600);
    tlsArgs.push('-c', 'ssl=on', '-c', `ssl_cert_file=${options.tls.certFile}`, '-c', `ssl_key_file=${key}`);
  }
  const address = await cluster.network.serviceAddress();
  const server = await cluster.startServer({
    name: 'postgres',
    address,
    port: 5432,
    argv: [`${bin}/postgres`, '-D', `${dir}/data`, '-k', dir, '-c', `listen_addresses=${address}`, '-p', '5432', '-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB', ...tlsArgs],
    stopSignal: 'SIGINT',
  });
  const client = (database: string) => asNobody([`${bin}/psql`, '-h', dir, '-U', 'postgres', '-d', database, '-v', 'ON_ERROR_STOP=1', '-At']);
  const sql = async (statement: string, database = 'postgres') => runOk([...client(database), '-c', statement]);
  return {
    ...server,
    sql,
    load: async (script, database) => {
      await runOk([...client(database), '-f', '-'], { input: script });
    },
    createDatabase: async (database, user, password) => {
      await sql(`CREATE ROLE "${user}" LOGIN PASSWORD ${pgString(password)}`);
      await sql(`CREATE DATABASE "${database}" OWNER "${user}"`);
    },
  };
}

export interface ObjectStore extends Server {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Keys in a bucket, sorted. */
  list(bucket: string, prefix?: string): Promise<string[]>;
  put(bucket: string, key: string, body: string | Buffer): Promise<void>;
  get(bucket: string, key: string): Promise<Buffer>;
  remove(bucket: string, key: string): Promise<void>;
}

const S3RVER = path.join(__dirname, '..', '..', '..', 'node_modules', 's3rver', 'bin', 's3rver.js');

/** A local S3 (s3rver, an npm dev dependency) with the given buckets; pods use the real aws CLI, the test side plain HTTP. */
export async function startObjectStore(cluster: Cluster, buckets: readonly string[]): Promise<ObjectStore> {
  const dir = ownedDir(path.join(cluster.dir, 'data', 's3'));
  const address = await cluster.network.serviceAddress();
  const server = await cluster.startServer({
    name: 's3',
    address,
    port: 9000,
    argv: [process.execPath, fs.realpathSync(S3RVER), '-d', dir, '-a', address, '-p', '9000', '--silent', '--no-vhost-buckets', ...buckets.flatMap((b) => ['--configure-bucket', b])],
    // Node as PID 1 of its namespace ignores SIGTERM (it installs no handler), and s3rver keeps nothing to flush.
    stopSignal: 'SIGKILL',
  });
  const endpoint = `http://${address}:9000`;
  // s3rver answers unsigned requests: the test side reads and writes with curl (the AWS CLI takes a second
  // or two per call); the pods use the real aws CLI with s3rver's fixed keys.
  const url = (bucket: string, key = '') => `${endpoint}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const check = <R extends { status: number; text: string; error?: string }>(what: string, response: R): R => {
    if (response.status < 200 || response.status >= 300) throw new Error(`S3 ${what}: ${response.status} ${response.error ?? response.text.slice(0, 300)}`);
    return response;
  };
  return {
    ...server,
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    list: async (bucket, prefix = '') => {
      const keys: string[] = [];
      let token = '';
      for (;;) {
        const query = `list-type=2&prefix=${encodeURIComponent(prefix)}${token ? `&continuation-token=${encodeURIComponent(token)}` : ''}`;
        const xml = check(`list ${bucket}`, await cluster.http({ url: `${endpoint}/${bucket}?${query}` })).text;
        for (const m of xml.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(m[1].replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'"));
        token = /<NextContinuationToken>([^<]*)</.exec(xml)?.[1] ?? '';
        if (!token) return keys.sort();
      }
    },
    put: async (bucket, key, body) => {
      check(`put ${key}`, await cluster.http({ url: url(bucket, key), method: 'PUT', body: typeof body === 'string' ? Buffer.from(body) : body }));
    },
    remove: async (bucket, key) => {
      check(`delete ${key}`, await cluster.http({ url: url(bucket, key), method: 'DELETE' }));
    },
    get: async (bucket, key) => check(`get ${key}`, await cluster.http({ url: url(bucket, key) })).body,
  };
}

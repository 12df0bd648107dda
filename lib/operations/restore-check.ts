import { Construct } from 'constructs';
import { EnvVar, KubeCronJob, Quantity } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { Resources } from '../config/types.generated';
import { BACKUP_DUMP_IMAGES, DEFAULT_RESOURCES } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { nonOverlappingCronJob, toResourceRequirements } from '../core/containers';
import { LaravelSettings } from '../laravel/laravel-settings';
import { NetworkPolicies } from '../network/network-policies';
import { ContainerSpec } from '../core/pod-security';
import { SecretEnvironment } from '../core/secret-environment';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { AWS_PATH_STYLE, objectStoreEnvironment, secretValue } from './database-backup';

export const RESTORE_CHECK_COMPONENT = 'restore-check';

/** The read-only object-store keys of the restore check. */
export const RESTORE_CHECK_SECRET_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** Where the pod's containers meet: the downloaded dump, the scratch database's files, its socket. */
export const RESTORE_PATHS = {
  dump: '/restore',
  data: '/var/lib/restore-check',
  run: '/run/restore-check',
} as const;

/** The scratch database restores into this database name. */
export const RESTORE_DATABASE = 'restore_check';

export interface DatabaseRestoreCheckProps {
  readonly context: AppContext;
  /** DB_DATABASE (the dump names) and the object store settings (region, endpoint). */
  readonly settings: LaravelSettings;
  /** The restore check's own ExternalSecret: read-only keys for the backup bucket. */
  readonly secrets: SecretEnvironment;
  readonly connection: 'mysql' | 'pgsql';
  readonly schedule: string;
  /** Official database image with server and client; the same image as the dump step. @default BACKUP_DUMP_IMAGES[connection] */
  readonly databaseImage?: ImageRef;
  /** AWS CLI image. */
  readonly fetchImage: ImageRef;
  readonly bucket: string;
  /** Key prefix of the dumps, as the backup writes them. */
  readonly prefix: string;
  /** Must print one integer of at least `minRows` on the restored database. */
  readonly sanityQuery: string;
  readonly minRows: number;
  /** Size limit of each scratch volume: the downloaded dump, and the restored database's files. */
  readonly scratchSize: string;
  readonly activeDeadlineSeconds: number;
  readonly startingDeadlineSeconds: number;
  readonly hasEndpoint: boolean;
  /** @default DEFAULT_RESOURCES.restoreDatabase */
  readonly databaseResources?: Resources;
  /** When given: egress to the object store only (the scratch database is a socket in the pod). */
  readonly networkPolicies?: NetworkPolicies;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * Proof that the latest backup restores: a CronJob whose pod downloads the newest complete dump, checks
 * its SHA-256, loads it into a scratch database running beside it and runs a sanity query.
 * 1. `fetch` (init, AWS CLI image, read-only keys): newest dump with a checksum, verified, to a scratch volume.
 * 2. `database` (the official database image): a fresh server on a Unix socket in the pod, no TCP port,
 *    its data on the scratch volume; it stops when `restore` is done.
 * 3. `restore` (the same image, client side): loads the dump, counts the tables, runs the sanity query and
 *    fails the Job when the result is not an integer of at least `minRows`.
 * Plain containers with a done-file handshake, not native sidecars: those are on by default from
 * Kubernetes 1.29, and this project's API baseline is 1.28.
 */
export class DatabaseRestoreCheck extends Construct {
  public readonly pod: WorkloadPod;
  public readonly cronJob: KubeCronJob;
  public readonly cronJobName: string;

  constructor(scope: Construct, id: string, props: DatabaseRestoreCheckProps) {
    super(scope, id);
    const { context, settings } = props;
    this.cronJobName = context.name(RESTORE_CHECK_COMPONENT);
    const image = imageRef(props.databaseImage ?? BACKUP_DUMP_IMAGES[props.connection]);
    const small = toResourceRequirements(DEFAULT_RESOURCES.backup);
    const home: EnvVar = { name: 'HOME', value: '/tmp' };

    const fetch: ContainerSpec = {
      name: 'fetch',
      image: imageRef(props.fetchImage),
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', fetchScript()],
      env: [
        settings.configValue('DB_DATABASE'),
        { name: 'BACKUP_BUCKET', value: props.bucket },
        { name: 'BACKUP_PREFIX', value: props.prefix },
        ...objectStoreEnvironment(settings, props.hasEndpoint),
        secretValue(props.secrets, 'AWS_ACCESS_KEY_ID'),
        secretValue(props.secrets, 'AWS_SECRET_ACCESS_KEY'),
        home,
        { name: 'AWS_PAGER', value: '' },
      ],
      resources: small,
      volumeMounts: [
        { name: 'dump', mountPath: RESTORE_PATHS.dump },
        { name: 'fetch-tmp', mountPath: '/tmp' },
      ],
    };

    const database: ContainerSpec = {
      name: 'database',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', databaseScript(props.connection)],
      env: [home],
      resources: toResourceRequirements(props.databaseResources ?? DEFAULT_RESOURCES.restoreDatabase),
      volumeMounts: [
        { name: 'database-data', mountPath: RESTORE_PATHS.data },
        { name: 'run', mountPath: RESTORE_PATHS.run },
        { name: 'database-tmp', mountPath: '/tmp' },
      ],
    };

    const restore: ContainerSpec = {
      name: 'restore',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', restoreScript(props.connection)],
      env: [{ name: 'SANITY_QUERY', value: props.sanityQuery }, { name: 'MIN_ROWS', value: String(props.minRows) }, home],
      resources: small,
      volumeMounts: [
        { name: 'dump', mountPath: RESTORE_PATHS.dump, readOnly: true },
        { name: 'run', mountPath: RESTORE_PATHS.run },
        { name: 'restore-tmp', mountPath: '/tmp' },
      ],
    };

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      context,
      component: RESTORE_CHECK_COMPONENT,
      initContainers: [fetch],
      containers: [database, restore],
      volumes: [
        { name: 'dump', emptyDir: { sizeLimit: Quantity.fromString(props.scratchSize) } },
        { name: 'database-data', emptyDir: { sizeLimit: Quantity.fromString(props.scratchSize) } },
        // The socket and the handshake files: shared by the database and the restore container only.
        { name: 'run', emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString('16Mi') } },
        { name: 'fetch-tmp', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } },
        { name: 'database-tmp', emptyDir: { sizeLimit: Quantity.fromString('1Gi') } },
        { name: 'restore-tmp', emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString('16Mi') } },
      ],
      extra: { restartPolicy: 'Never' },
    });

    this.cronJob = nonOverlappingCronJob(this, context, {
      pod: this.pod,
      schedule: props.schedule,
      startingDeadlineSeconds: props.startingDeadlineSeconds,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
      // One retry for a transient store error; a dump that does not restore fails twice and alerts.
      backoffLimit: 1,
    });

    if (props.networkPolicies) {
      props.networkPolicies.allowDataStoreEgress(RESTORE_CHECK_COMPONENT, props.networkPolicies.componentSelector(RESTORE_CHECK_COMPONENT), 'objectStorage');
    }
  }
}

/** The fetch step: the newest dump of this database whose checksum exists, downloaded and verified. */
export function fetchScript(): string {
  return [
    'set -euo pipefail',
    ...AWS_PATH_STYLE,
    'keys="$(aws s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "${BACKUP_PREFIX}${DB_DATABASE}-" --query "Contents[].Key" --output text | tr \'\\t\' \'\\n\')"',
    // Names carry a sortable UTC timestamp; the checksum is uploaded last, so a dump with one is complete.
    'latest=""',
    'for key in $(printf "%s\\n" "$keys" | grep -E "\\.sql\\.gz$" | sort -r); do',
    '  if printf "%s\\n" "$keys" | grep -qxF "${key}.sha256"; then latest="$key"; break; fi',
    '  echo "skipping ${key}: no checksum (upload unfinished or failed)"',
    'done',
    '[ -n "$latest" ] || { echo "no complete dump under s3://${BACKUP_BUCKET}/${BACKUP_PREFIX}${DB_DATABASE}-" >&2; exit 1; }',
    'name="$(basename "$latest")"',
    `aws s3 cp "s3://\${BACKUP_BUCKET}/\${latest}" "${RESTORE_PATHS.dump}/\${name}" --only-show-errors`,
    `aws s3 cp "s3://\${BACKUP_BUCKET}/\${latest}.sha256" "${RESTORE_PATHS.dump}/\${name}.sha256" --only-show-errors`,
    `(cd ${RESTORE_PATHS.dump} && sha256sum -c "\${name}.sha256")`,
    `gzip -t "${RESTORE_PATHS.dump}/\${name}"`,
    `printf "%s\\n" "$name" > ${RESTORE_PATHS.dump}/DUMP`,
    'stamp="${name##*-}"; stamp="${stamp%.sql.gz}"',
    'taken="$(date -u -d "${stamp:0:4}-${stamp:4:2}-${stamp:6:2} ${stamp:9:2}:${stamp:11:2}:${stamp:13:2}" +%s)"',
    `echo "fetched \${name} ($(stat -c %s "${RESTORE_PATHS.dump}/\${name}") bytes, checksum verified, taken $(( ($(date -u +%s) - taken) / 3600 ))h ago)"`,
  ].join('\n');
}

/**
 * The scratch database: a fresh server on a Unix socket only, serving until the restore container is done.
 * MySQL and MariaDB images both work (mariadb-install-db/mariadbd where present); unknown options are
 * `loose-` so either accepts them.
 */
export function databaseScript(connection: 'mysql' | 'pgsql'): string {
  const run = RESTORE_PATHS.run;
  const lines = ['set -euo pipefail', `data="${RESTORE_PATHS.data}/db"`, 'mkdir -p "$data"', `trap 'touch ${run}/database-exited' EXIT`];
  if (connection === 'mysql') {
    lines.push(
      'if command -v mariadbd >/dev/null 2>&1; then',
      '  server=mariadbd',
      '  mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve >/dev/null',
      'else',
      '  server=mysqld',
      '  mysqld --no-defaults --initialize-insecure --datadir="$data" --tmpdir=/tmp',
      'fi',
      // No TCP at all: the restore container talks over the socket in the shared memory volume. A scratch
      // copy: no binary log, no doublewrite, redo flushed once a second, for a faster load.
      `"$server" --no-defaults --datadir="$data" --socket=${run}/mysqld.sock --pid-file=${run}/mysqld.pid --skip-networking \\`,
      '  --tmpdir=/tmp --secure-file-priv=/tmp --loose-mysqlx=OFF --skip-log-bin --innodb-buffer-pool-size=256M \\',
      '  --innodb-flush-log-at-trx-commit=0 --loose-innodb-doublewrite=0 &',
    );
  } else {
    lines.push(
      // initdb needs a passwd entry for the pod's numeric user; the image's nss_wrapper gives it one, as the
      // image's own entrypoint does for arbitrary users.
      'if ! getent passwd "$(id -u)" >/dev/null 2>&1; then',
      '  for wrapper in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do',
      '    [ -s "$wrapper" ] || continue',
      `    printf 'postgres:x:%s:%s:restore check:%s:/bin/false\\n' "$(id -u)" "$(id -g)" "$data" > /tmp/passwd`,
      `    printf 'postgres:x:%s:\\n' "$(id -g)" > /tmp/group`,
      '    export LD_PRELOAD="$wrapper" NSS_WRAPPER_PASSWD=/tmp/passwd NSS_WRAPPER_GROUP=/tmp/group',
      '    break',
      '  done',
      'fi',
      'initdb --pgdata="$data" --username=postgres --auth=trust --encoding=UTF8 --locale=C --no-sync >/dev/null',
      // A scratch copy: durability settings off for speed; no TCP listener, the socket only.
      `postgres -D "$data" -c listen_addresses= -c unix_socket_directories=${run} -c fsync=off -c full_page_writes=off -c synchronous_commit=off &`,
    );
  }
  lines.push(
    'server_pid=$!',
    `while [ ! -e ${run}/done ]; do`,
    '  if ! kill -0 "$server_pid" 2>/dev/null; then echo "the scratch database exited" >&2; wait "$server_pid" || true; exit 1; fi',
    '  sleep 1',
    'done',
    // PostgreSQL's fast shutdown (the image's STOPSIGNAL); MySQL's and MariaDB's clean one.
    `kill -${connection === 'pgsql' ? 'INT' : 'TERM'} "$server_pid"; wait "$server_pid" || true`,
    'echo "scratch database stopped"',
  );
  return lines.join('\n');
}

/** The restore step: load the dump into the scratch database, then the sanity query. */
export function restoreScript(connection: 'mysql' | 'pgsql'): string {
  const run = RESTORE_PATHS.run;
  const lines = ['set -euo pipefail', `trap 'touch ${run}/done' EXIT`, `name="$(cat ${RESTORE_PATHS.dump}/DUMP)"`, `dump="${RESTORE_PATHS.dump}/\${name}"`];
  if (connection === 'mysql') {
    lines.push(
      'client=mysql; command -v mariadb >/dev/null 2>&1 && client=mariadb',
      'admin=mysqladmin; command -v mariadb-admin >/dev/null 2>&1 && admin=mariadb-admin',
      // utf8mb4 as the dump step uses: a sanity query with non-ASCII literals must mean what it says.
      `sql() { "$client" --no-defaults --socket=${run}/mysqld.sock --user=root --default-character-set=utf8mb4 --batch --skip-column-names "$@"; }`,
      `ready() { "$admin" --no-defaults --socket=${run}/mysqld.sock --user=root ping >/dev/null 2>&1; }`,
    );
  } else {
    lines.push(
      `sql() { psql --host=${run} --username=postgres --no-psqlrc --quiet --tuples-only --no-align -v ON_ERROR_STOP=1 "$@"; }`,
      `ready() { pg_isready --host=${run} --username=postgres --quiet; }`,
    );
  }
  lines.push(
    'for _ in $(seq 1 300); do',
    `  [ -e ${run}/database-exited ] && { echo "the scratch database exited before the restore" >&2; exit 1; }`,
    '  ready && break',
    '  sleep 1',
    'done',
    'ready || { echo "the scratch database did not start within 300s" >&2; exit 1; }',
  );
  if (connection === 'mysql') {
    lines.push(
      `sql --execute="CREATE DATABASE ${RESTORE_DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"`,
      `gunzip -c "$dump" | sql ${RESTORE_DATABASE}`,
      `tables="$(sql --execute="SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${RESTORE_DATABASE}'")"`,
      `result="$(sql ${RESTORE_DATABASE} --execute="$SANITY_QUERY")"`,
    );
  } else {
    lines.push(
      `sql --dbname=postgres --command="CREATE DATABASE ${RESTORE_DATABASE}"`,
      `gunzip -c "$dump" | sql --dbname=${RESTORE_DATABASE} >/dev/null`,
      `tables="$(sql --dbname=${RESTORE_DATABASE} --command="SELECT COUNT(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")"`,
      `result="$(sql --dbname=${RESTORE_DATABASE} --command="$SANITY_QUERY")"`,
    );
  }
  lines.push(
    'result="$(printf "%s" "$result" | tr -d "[:space:]")"',
    '[[ "$result" =~ ^[0-9]+$ ]] || { echo "sanity query returned \\"${result}\\", not a count: ${SANITY_QUERY}" >&2; exit 1; }',
    '[ "$result" -ge "$MIN_ROWS" ] || { echo "sanity query returned ${result}, fewer than ${MIN_ROWS}: ${SANITY_QUERY}" >&2; exit 1; }',
    'echo "restored ${name}: ${tables} tables; ${SANITY_QUERY} -> ${result}"',
  );
  return lines.join('\n');
}

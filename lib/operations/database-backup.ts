import { Construct } from 'constructs';
import { EnvVar, KubeCronJob, Quantity } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { Resources } from '../config/types.generated';
import { BACKUP_DUMP_IMAGES, DEFAULT_RESOURCES } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { nonOverlappingCronJob, toResourceRequirements } from '../core/containers';
import { LaravelSettings } from '../laravel/laravel-settings';
import { SecretEnvironment } from '../core/secret-environment';
import { DataStoreTlsSettings } from '../core/data-store-tls';
import { NetworkPolicies } from '../network/network-policies';
import { ContainerSpec } from '../core/pod-security';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';

export const BACKUP_COMPONENT = 'backup';

/** Where the dump is written by the first container and read by the second. */
export const BACKUP_SCRATCH_DIR = '/backup';

/** Server-side encryption of the dumps. */
export interface BackupEncryption {
  readonly type: 'AES256' | 'aws:kms' | 'none';
  /** KMS key for `aws:kms`. @default - the account's aws/s3 key */
  readonly kmsKeyId?: string;
}

/** The backup job's own credentials: write-only object-store keys and database access. */
export const BACKUP_SECRET_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'DB_USERNAME', 'DB_PASSWORD'] as const;

export interface DatabaseBackupProps {
  readonly context: AppContext;
  /** Database coordinates (DB_HOST, DB_PORT, DB_DATABASE) and the object store settings (region, endpoint). */
  readonly settings: LaravelSettings;
  /** The backup's own ExternalSecret with BACKUP_SECRET_VARIABLES: never the application's keys. */
  readonly secrets: SecretEnvironment;
  readonly connection: 'mysql' | 'pgsql';
  /** Cron schedule, e.g. `0 2 * * *` (the controller's time zone, UTC on managed clusters). */
  readonly schedule: string;
  /** Database client image. @default BACKUP_DUMP_IMAGES[connection] */
  readonly dumpImage?: ImageRef;
  /** AWS CLI image. */
  readonly uploadImage: ImageRef;
  readonly bucket: string;
  /** Key prefix, e.g. `backups/`; dumps are `<prefix><database>-<UTC timestamp>.sql.gz`. */
  readonly prefix: string;
  readonly retentionDays: number;
  /** `lifecycle`: a bucket lifecycle rule expires old dumps (the keys stay write-only); `job`: this job deletes them. */
  readonly retentionBy: 'lifecycle' | 'job';
  /** @default { type: 'AES256' } */
  readonly serverSideEncryption?: BackupEncryption;
  readonly activeDeadlineSeconds: number;
  readonly startingDeadlineSeconds: number;
  /** Size limit of the scratch volume holding the compressed dump, e.g. `10Gi`. */
  readonly scratchSize: string;
  /** Whether the store needs path-style addressing (MinIO). Read from AWS_USE_PATH_STYLE_ENDPOINT. */
  readonly hasEndpoint: boolean;
  /** @default DEFAULT_RESOURCES.backup, for each of the two containers */
  readonly resources?: Resources;
  /** When given: egress to the database and the object store (DNS is allowed for every pod). */
  readonly networkPolicies?: NetworkPolicies;
  /** TLS to the database: the dump verifies the server against its CA bundle. @default - no TLS */
  readonly dataStoreTls?: DataStoreTlsSettings;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * Scheduled database backups without a custom image: a CronJob whose pod runs two containers in turn.
 * 1. `dump` (init container, the official database image): mysqldump or pg_dump, gzip, integrity check,
 *    into an emptyDir. Only it sees the database password.
 * 2. `upload` (the AWS CLI image): uploads the dump with server-side encryption, then its SHA-256 (a dump
 *    with its checksum is complete; the restore check verifies it), and with `retentionBy: job` deletes
 *    dumps older than the retention. Only it sees the object store keys: the backup's own, write-only ones.
 * Never two runs at once; a run that cannot start in time is skipped, one that runs too long is killed.
 * Dump names carry a sortable UTC timestamp, so pruning compares names, not the store's dates.
 */
export class DatabaseBackup extends Construct {
  public readonly pod: WorkloadPod;
  public readonly cronJob: KubeCronJob;
  public readonly cronJobName: string;

  constructor(scope: Construct, id: string, props: DatabaseBackupProps) {
    super(scope, id);
    const { context, settings } = props;
    this.cronJobName = context.name(BACKUP_COMPONENT);
    const resources = toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.backup);
    const dumpImage = props.dumpImage ?? BACKUP_DUMP_IMAGES[props.connection];
    const encryption = props.serverSideEncryption ?? { type: 'AES256' };

    const database: EnvVar[] = [settings.configValue('DB_HOST'), settings.configValue('DB_PORT'), settings.configValue('DB_DATABASE')];
    const dump: ContainerSpec = {
      name: 'dump',
      image: imageRef(dumpImage),
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', dumpScript(props.connection, props.dataStoreTls?.mysqlClientOptions() ?? [])],
      env: [
        ...database,
        ...(props.connection === 'pgsql' ? props.dataStoreTls?.postgresClientEnv() ?? [] : []),
        secretValue(props.secrets, 'DB_USERNAME'),
        props.connection === 'pgsql' ? { ...secretValue(props.secrets, 'DB_PASSWORD'), name: 'PGPASSWORD' } : secretValue(props.secrets, 'DB_PASSWORD'),
        { name: 'HOME', value: '/tmp' },
      ],
      resources,
      volumeMounts: [
        { name: 'scratch', mountPath: BACKUP_SCRATCH_DIR },
        { name: 'dump-tmp', mountPath: '/tmp' },
        ...(props.dataStoreTls?.volumeMounts(['database']) ?? []),
      ],
    };

    const upload: ContainerSpec = {
      name: 'upload',
      image: imageRef(props.uploadImage),
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', uploadScript()],
      env: [
        settings.configValue('DB_DATABASE'),
        { name: 'BACKUP_BUCKET', value: props.bucket },
        { name: 'BACKUP_PREFIX', value: props.prefix },
        { name: 'RETENTION_DAYS', value: String(props.retentionDays) },
        { name: 'RETENTION_BY', value: props.retentionBy },
        { name: 'BACKUP_SSE', value: encryption.type },
        ...(encryption.kmsKeyId ? [{ name: 'BACKUP_SSE_KMS_KEY_ID', value: encryption.kmsKeyId }] : []),
        ...objectStoreEnvironment(settings, props.hasEndpoint),
        secretValue(props.secrets, 'AWS_ACCESS_KEY_ID'),
        secretValue(props.secrets, 'AWS_SECRET_ACCESS_KEY'),
        { name: 'HOME', value: '/tmp' },
        { name: 'AWS_PAGER', value: '' },
      ],
      resources,
      volumeMounts: [
        { name: 'scratch', mountPath: BACKUP_SCRATCH_DIR, readOnly: true },
        { name: 'upload-tmp', mountPath: '/tmp' },
      ],
    };

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      context,
      component: BACKUP_COMPONENT,
      initContainers: [dump],
      containers: [upload],
      volumes: [
        { name: 'scratch', emptyDir: { sizeLimit: Quantity.fromString(props.scratchSize) } },
        // Credentials files live in memory and are seen by one container each.
        { name: 'dump-tmp', emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString('16Mi') } },
        { name: 'upload-tmp', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } },
        ...(props.dataStoreTls?.volumes(['database']) ?? []),
      ],
      extra: { restartPolicy: 'Never' },
    });

    this.cronJob = nonOverlappingCronJob(this, context, {
      pod: this.pod,
      schedule: props.schedule,
      startingDeadlineSeconds: props.startingDeadlineSeconds,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
      // One retry for a transient database or network error; a new pod writes a new dump name.
      backoffLimit: 1,
    });

    if (props.networkPolicies) {
      const pods = props.networkPolicies.componentSelector(BACKUP_COMPONENT);
      props.networkPolicies.allowDataStoreEgress(BACKUP_COMPONENT, pods, 'database');
      props.networkPolicies.allowDataStoreEgress(BACKUP_COMPONENT, pods, 'objectStorage');
    }
  }
}

/**
 * A bash function that writes its argument as the inside of a double-quoted MySQL option-file value.
 * Quoted expansions as pattern and replacement are literal in every bash that matters (4.2 to 5.2).
 */
export const MYSQL_OPTION_VALUE_FUNCTION = [
  'option_value() {',
  '  local bs=\'\\\' q=\'"\' nl=$\'\\n\' v="$1"',
  '  v="${v//"$bs"/"$bs$bs"}"; v="${v//"$q"/"$bs$q"}"; v="${v//"$nl"/"${bs}n"}"',
  '  printf \'%s\' "$v"',
  '}',
];

/** The dump step: consistent snapshot, compressed, verified; the file name carries a UTC timestamp. */
export function dumpScript(connection: 'mysql' | 'pgsql', mysqlTlsOptions: readonly string[] = []): string {
  const lines = [
    'set -euo pipefail',
    'umask 077',
    'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
    `out="${BACKUP_SCRATCH_DIR}/\${DB_DATABASE}-\${stamp}.sql.gz"`,
  ];
  if (connection === 'mysql') {
    lines.push(
      // The password goes into an option file in memory, not onto the command line (visible in ps).
      // Option-file values are double-quoted, where MySQL and MariaDB unescape \\\\, \\" and \\n and take
      // # and spaces literally: so backslashes, double quotes and newlines are escaped.
      ...MYSQL_OPTION_VALUE_FUNCTION,
      'printf \'[client]\\nuser="%s"\\npassword="%s"\\n\' "$(option_value "$DB_USERNAME")" "$(option_value "$DB_PASSWORD")" > /tmp/client.cnf',
      ...(mysqlTlsOptions.length ? [`printf '%s\\n' ${mysqlTlsOptions.map((o) => `'${o}'`).join(' ')} >> /tmp/client.cnf`] : []),
      // --single-transaction: a consistent InnoDB snapshot without locking the tables the app writes.
      'mysqldump --defaults-extra-file=/tmp/client.cnf --host="$DB_HOST" --port="$DB_PORT" \\',
      '  --single-transaction --quick --triggers --hex-blob --no-tablespaces --set-gtid-purged=OFF \\',
      '  --default-character-set=utf8mb4 "$DB_DATABASE" | gzip -6 > "$out"',
    );
  } else {
    lines.push(
      // PGPASSWORD comes from the secret; --no-owner/--no-privileges restore into any role.
      'pg_dump --host="$DB_HOST" --port="$DB_PORT" --username="$DB_USERNAME" --dbname="$DB_DATABASE" \\',
      '  --no-owner --no-privileges --format=plain | gzip -6 > "$out"',
    );
  }
  lines.push('gzip -t "$out"', 'echo "dumped $(basename "$out") ($(du -h "$out" | cut -f1))"');
  return lines.join('\n');
}

/** AWS CLI settings of the object store: region, path-style addressing, endpoint (MinIO). */
export function objectStoreEnvironment(settings: LaravelSettings, hasEndpoint: boolean): EnvVar[] {
  return [
    settings.configValue('AWS_DEFAULT_REGION'),
    settings.configValue('AWS_USE_PATH_STYLE_ENDPOINT'),
    // The AWS CLI (2.13+) reads the endpoint of S3-compatible stores from this variable.
    ...(hasEndpoint ? [{ ...settings.configValue('AWS_ENDPOINT'), name: 'AWS_ENDPOINT_URL_S3' }] : []),
  ];
}

/** One variable of an ExternalSecret's Secret. */
export function secretValue(secrets: SecretEnvironment, name: string): EnvVar {
  if (!secrets.variableNames.includes(name)) throw new Error(`ExternalSecret ${secrets.secretName} has no variable ${name}`);
  return { name, valueFrom: { secretKeyRef: { name: secrets.secretName, key: name } } };
}

/** Shell lines that point the AWS CLI at path-style addressing when the store needs it (MinIO). */
export const AWS_PATH_STYLE = [
  'if [ "${AWS_USE_PATH_STYLE_ENDPOINT:-false}" = "true" ]; then',
  "  printf '[default]\\ns3 =\\n  addressing_style = path\\n' > /tmp/aws-config",
  '  export AWS_CONFIG_FILE=/tmp/aws-config',
  'fi',
];

/**
 * The upload step: the dump with server-side encryption, then its checksum (a dump counts as complete
 * once `<dump>.sha256` exists), then, with RETENTION_BY=job, pruning of this database's dumps older than the
 * retention. The keys may be write-only: nothing is read back here; the restore check downloads and verifies.
 */
export function uploadScript(): string {
  return [
    'set -euo pipefail',
    ...AWS_PATH_STYLE,
    'sse=()',
    'case "${BACKUP_SSE:-AES256}" in',
    '  AES256) sse=(--sse AES256) ;;',
    '  aws:kms) sse=(--sse aws:kms); if [ -n "${BACKUP_SSE_KMS_KEY_ID:-}" ]; then sse+=(--sse-kms-key-id "$BACKUP_SSE_KMS_KEY_ID"); fi ;;',
    '  none) ;;',
    '  *) echo "unknown BACKUP_SSE ${BACKUP_SSE}" >&2; exit 1 ;;',
    'esac',
    `shopt -s nullglob; dumps=(${BACKUP_SCRATCH_DIR}/*.sql.gz)`,
    '[ "${#dumps[@]}" -eq 1 ] || { echo "expected one dump, found ${#dumps[@]}" >&2; exit 1; }',
    'file="${dumps[0]}"; name="$(basename "$file")"; key="${BACKUP_PREFIX}${name}"',
    `(cd ${BACKUP_SCRATCH_DIR} && sha256sum "$name") > "/tmp/$name.sha256"`,
    // bash 4.2 (the AWS CLI image) treats an empty array as unset under set -u.
    'aws s3 cp "$file" "s3://${BACKUP_BUCKET}/${key}" --only-show-errors ${sse[@]+"${sse[@]}"}',
    'aws s3 cp "/tmp/$name.sha256" "s3://${BACKUP_BUCKET}/${key}.sha256" --only-show-errors ${sse[@]+"${sse[@]}"}',
    'echo "uploaded s3://${BACKUP_BUCKET}/${key} ($(stat -c %s "$file") bytes, sha256 $(cut -d " " -f 1 "/tmp/$name.sha256"), encryption ${BACKUP_SSE:-AES256})"',
    'if [ "${RETENTION_BY:-lifecycle}" != "job" ]; then',
    '  echo "retention: ${RETENTION_DAYS} days, by the lifecycle rule of bucket ${BACKUP_BUCKET} on ${BACKUP_PREFIX}"',
    '  exit 0',
    'fi',
    'cutoff="$(date -u -d "-${RETENTION_DAYS} days" +%Y%m%dT%H%M%SZ)"',
    'aws s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "${BACKUP_PREFIX}${DB_DATABASE}-" --query "Contents[].Key" --output text \\',
    "  | tr '\\t' '\\n' | while read -r old; do",
    '    stamp="${old##*-}"; stamp="${stamp%.sha256}"; stamp="${stamp%.sql.gz}"',
    '    [[ "$stamp" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue',
    '    if [[ "$stamp" < "$cutoff" ]]; then aws s3 rm "s3://${BACKUP_BUCKET}/${old}" --only-show-errors; echo "pruned $old"; fi',
    '  done',
  ].join('\n');
}

import { Construct } from 'constructs';
import { EnvVar, Quantity } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { Resources } from '../config/types.generated';
import { BACKUP_DUMP_IMAGES, DEFAULT_RESOURCES } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { nonOverlappingCronJob, toResourceRequirements } from '../core/containers';
import { LaravelSettings } from '../laravel/laravel-settings';
import { NetworkPolicies } from '../network/network-policies';
import { ContainerSpec } from '../core/pod-security';
import { WorkloadPod } from '../core/workload-pod';

export const BACKUP_COMPONENT = 'backup';

/** Where the dump is written by the first container and read by the second. */
export const BACKUP_SCRATCH_DIR = '/backup';

export interface DatabaseBackupProps {
  readonly context: AppContext;
  /** Database coordinates (DB_HOST, DB_PORT, DB_DATABASE) and credentials (DB_USERNAME, DB_PASSWORD, AWS_*). */
  readonly settings: LaravelSettings;
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
}

/**
 * Scheduled database backups without a custom image: a CronJob whose pod runs two containers in turn.
 * 1. `dump` (init container, the official database image): mysqldump or pg_dump, gzip, integrity check,
 *    into an emptyDir. Only it sees the database password.
 * 2. `upload` (the AWS CLI image): uploads the dump to the S3-compatible bucket, checks it arrived, then
 *    deletes dumps of this database older than the retention. Only it sees the object store keys.
 * Never two runs at once; a run that cannot start in time is skipped, one that runs too long is killed.
 * Dump names carry a sortable UTC timestamp, so pruning compares names, not the store's dates.
 */
export class DatabaseBackup extends Construct {
  public readonly pod: WorkloadPod;
  public readonly cronJobName: string;

  constructor(scope: Construct, id: string, props: DatabaseBackupProps) {
    super(scope, id);
    const { context, settings } = props;
    this.cronJobName = context.name(BACKUP_COMPONENT);
    const resources = toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.backup);
    const dumpImage = props.dumpImage ?? BACKUP_DUMP_IMAGES[props.connection];

    const database: EnvVar[] = [settings.configValue('DB_HOST'), settings.configValue('DB_PORT'), settings.configValue('DB_DATABASE')];
    const dump: ContainerSpec = {
      name: 'dump',
      image: imageRef(dumpImage),
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/bash', '-c', dumpScript(props.connection)],
      env: [
        ...database,
        settings.secretValue('DB_USERNAME'),
        props.connection === 'pgsql' ? { ...settings.secretValue('DB_PASSWORD'), name: 'PGPASSWORD' } : settings.secretValue('DB_PASSWORD'),
        { name: 'HOME', value: '/tmp' },
      ],
      resources,
      volumeMounts: [
        { name: 'scratch', mountPath: BACKUP_SCRATCH_DIR },
        { name: 'dump-tmp', mountPath: '/tmp' },
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
        settings.configValue('AWS_DEFAULT_REGION'),
        settings.configValue('AWS_USE_PATH_STYLE_ENDPOINT'),
        // The AWS CLI (2.13+) reads the endpoint of S3-compatible stores from this variable.
        ...(props.hasEndpoint ? [{ ...settings.configValue('AWS_ENDPOINT'), name: 'AWS_ENDPOINT_URL_S3' }] : []),
        settings.secretValue('AWS_ACCESS_KEY_ID'),
        settings.secretValue('AWS_SECRET_ACCESS_KEY'),
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
      context,
      component: BACKUP_COMPONENT,
      initContainers: [dump],
      containers: [upload],
      volumes: [
        { name: 'scratch', emptyDir: { sizeLimit: Quantity.fromString(props.scratchSize) } },
        // Credentials files live in memory and are seen by one container each.
        { name: 'dump-tmp', emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString('16Mi') } },
        { name: 'upload-tmp', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } },
      ],
      extra: { restartPolicy: 'Never' },
    });

    nonOverlappingCronJob(this, context, {
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

/** The dump step: consistent snapshot, compressed, verified; the file name carries a UTC timestamp. */
export function dumpScript(connection: 'mysql' | 'pgsql'): string {
  const lines = [
    'set -euo pipefail',
    'umask 077',
    'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
    `out="${BACKUP_SCRATCH_DIR}/\${DB_DATABASE}-\${stamp}.sql.gz"`,
  ];
  if (connection === 'mysql') {
    lines.push(
      // The password goes into an option file in memory, not onto the command line (visible in ps).
      // Option-file values are quoted and backslashes escaped (MySQL strips the outer quotes only).
      'printf \'[client]\\nuser="%s"\\npassword="%s"\\n\' "${DB_USERNAME//\\\\/\\\\\\\\}" "${DB_PASSWORD//\\\\/\\\\\\\\}" > /tmp/client.cnf',
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

/** The upload step: copy, verify, then prune dumps of this database older than the retention. */
export function uploadScript(): string {
  return [
    'set -euo pipefail',
    'if [ "${AWS_USE_PATH_STYLE_ENDPOINT:-false}" = "true" ]; then',
    "  printf '[default]\\ns3 =\\n  addressing_style = path\\n' > /tmp/aws-config",
    '  export AWS_CONFIG_FILE=/tmp/aws-config',
    'fi',
    `shopt -s nullglob; dumps=(${BACKUP_SCRATCH_DIR}/*.sql.gz)`,
    '[ "${#dumps[@]}" -eq 1 ] || { echo "expected one dump, found ${#dumps[@]}" >&2; exit 1; }',
    'file="${dumps[0]}"; key="${BACKUP_PREFIX}$(basename "$file")"',
    'aws s3 cp "$file" "s3://${BACKUP_BUCKET}/${key}" --only-show-errors',
    'size="$(aws s3api head-object --bucket "$BACKUP_BUCKET" --key "$key" --query ContentLength --output text)"',
    '[ "$size" = "$(stat -c %s "$file")" ] || { echo "uploaded size $size differs from the dump" >&2; exit 1; }',
    'echo "uploaded s3://${BACKUP_BUCKET}/${key} ($size bytes)"',
    'cutoff="$(date -u -d "-${RETENTION_DAYS} days" +%Y%m%dT%H%M%SZ)"',
    'aws s3api list-objects-v2 --bucket "$BACKUP_BUCKET" --prefix "${BACKUP_PREFIX}${DB_DATABASE}-" --query "Contents[].Key" --output text \\',
    "  | tr '\\t' '\\n' | while read -r old; do",
    '    stamp="${old##*-}"; stamp="${stamp%.sql.gz}"',
    '    [[ "$stamp" =~ ^[0-9]{8}T[0-9]{6}Z$ ]] || continue',
    '    if [[ "$stamp" < "$cutoff" ]]; then aws s3 rm "s3://${BACKUP_BUCKET}/${old}" --only-show-errors; echo "pruned $old"; fi',
    '  done',
  ].join('\n');
}

import { Construct } from 'constructs';
import { KubeJob } from '../../imports/k8s';
import { Resources } from '../config/types.generated';
import { DEFAULT_RESOURCES } from '../core/defaults';
import { LaravelRuntime } from './laravel-runtime';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';

export const MIGRATION_COMPONENT = 'migration';

/** Argo CD hook annotations of the migration Job. */
export const MIGRATION_HOOK_ANNOTATIONS = {
  // Sync, not PreSync: PreSync hooks run before the ExternalSecret and ConfigMap it needs exist.
  'argocd.argoproj.io/hook': 'Sync',
  // Keep the last run (and its logs) until the next sync replaces it.
  'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
} as const;

export interface DatabaseMigrationProps {
  readonly runtime: LaravelRuntime;
  /** Longest run; at most the one hour of the --isolated lock. */
  readonly activeDeadlineSeconds: number;
  /** Retries of a failed run; 0 in production (a retry re-runs a half-applied MySQL migration). */
  readonly backoffLimit: number;
  /** @default DEFAULT_RESOURCES.migration */
  readonly resources?: Resources;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * `php artisan migrate --force` once per sync of a release, as an Argo CD Sync hook in the wave after the
 * settings and secrets and before the workloads: new pods roll out only against a migrated schema.
 * `--isolated` takes a cache lock (one hour), so two runs never migrate at once; the deadline stays within
 * it. Never retried by default: MySQL DDL is not transactional, a retry would re-run a half-applied migration.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/resource_hooks/
 */
export class DatabaseMigration extends Construct {
  public readonly pod: WorkloadPod;
  public readonly job: KubeJob;
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: DatabaseMigrationProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.jobName = context.name('migrate');

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: props.runtime,
      context,
      component: MIGRATION_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [
        runtime.container('migrate', {
          command: ['php', 'artisan', 'migrate', '--force', '--isolated', '--no-interaction'],
          resources: props.resources ?? DEFAULT_RESOURCES.migration,
        }),
      ],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { restartPolicy: 'Never' },
    });

    this.job = new KubeJob(this, 'Job', {
      metadata: context.metadata(this.jobName, MIGRATION_COMPONENT, {
        wave: SyncWave.MIGRATION,
        annotations: MIGRATION_HOOK_ANNOTATIONS,
      }),
      spec: {
        backoffLimit: props.backoffLimit,
        activeDeadlineSeconds: props.activeDeadlineSeconds,
        template: this.pod.template(),
      },
    });
  }
}

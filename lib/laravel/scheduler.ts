import { Construct } from 'constructs';
import { KubeCronJob } from '../../imports/k8s';
import { Resources } from '../config/types.generated';
import { nonOverlappingCronJob } from '../core/containers';
import { DEFAULT_RESOURCES } from '../core/defaults';
import { LaravelRuntime } from './laravel-runtime';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';

export const SCHEDULER_COMPONENT = 'scheduler';

export interface LaravelSchedulerProps {
  readonly runtime: LaravelRuntime;
  /** Cron schedule. @default '* * * * *' is set by the config */
  readonly schedule: string;
  /** A run that cannot start within this many seconds is skipped rather than run late. */
  readonly startingDeadlineSeconds: number;
  /** Longest run in seconds. */
  readonly activeDeadlineSeconds: number;
  /** @default DEFAULT_RESOURCES.scheduler */
  readonly resources?: Resources;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * `php artisan schedule:run` every minute as a CronJob, never two at once, with the same settings,
 * secrets and writable paths as the app. Laravel's withoutOverlapping and onOneServer locks live in Redis.
 * @see https://laravel.com/docs/12.x/scheduling#running-the-scheduler
 */
export class LaravelScheduler extends Construct {
  public readonly pod: WorkloadPod;
  public readonly cronJob: KubeCronJob;
  public readonly cronJobName: string;

  constructor(scope: Construct, id: string, props: LaravelSchedulerProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.cronJobName = context.name(SCHEDULER_COMPONENT);

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: props.runtime,
      context,
      component: SCHEDULER_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [
        runtime.container('schedule-run', {
          command: ['php', 'artisan', 'schedule:run', '--no-interaction'],
          resources: props.resources ?? DEFAULT_RESOURCES.scheduler,
        }),
      ],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { restartPolicy: 'Never' },
    });

    this.cronJob = nonOverlappingCronJob(this, context, {
      pod: this.pod,
      schedule: props.schedule,
      startingDeadlineSeconds: props.startingDeadlineSeconds,
      activeDeadlineSeconds: props.activeDeadlineSeconds,
      // A failed minute is retried by the next minute, not by piling up pods.
      backoffLimit: 0,
    });
  }
}

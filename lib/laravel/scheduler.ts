import { Construct } from 'constructs';
import { KubeCronJob, KubeDeployment } from '../../imports/k8s';
import { Resources } from '../config/types.generated';
import { nonOverlappingCronJob } from '../core/containers';
import { DEFAULT_RESOURCES, SHUTDOWN_MARGIN_SECONDS } from '../core/defaults';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { LaravelRuntime } from './laravel-runtime';
import { SCHEDULE_WORK_SUPERVISOR, supervisedCommand, supervisedProcessProbe, SUPERVISION_FILES } from './process-supervision';

export const SCHEDULER_COMPONENT = 'scheduler';

/**
 * The caches a cron-mode pod builds, each minute: what `schedule:run` reads (the config, the routes for the
 * URLs tasks generate, the event listeners). Not the views: a task that renders one compiles it on demand.
 */
export const CRON_SCHEDULER_CACHES = ['config:cache', 'route:cache', 'event:cache'] as const;

/** What the alerts of either scheduler mode watch (lib/operations/alert-rules.ts). */
export type SchedulerWorkload =
  | { readonly mode: 'cron'; readonly cronJobName: string }
  | { readonly mode: 'work'; readonly deploymentName: string; readonly container: string };

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
 * `scheduler.mode: cron`: `php artisan schedule:run` every minute as a CronJob, never two at once, with the
 * same settings, secrets and writable paths as the app, and a light init (CRON_SCHEDULER_CACHES). Each
 * minute is a new pod: a pod that starts after the minute boundary evaluates the next minute,
 * `runInBackground()` tasks end with schedule:run, and a deadline or an eviction kills a task and leaves its
 * withoutOverlapping() lock behind (docs/operations.md, Scheduler).
 * @see https://laravel.com/docs/12.x/scheduling#running-the-scheduler
 */
export class LaravelScheduler extends Construct {
  public readonly pod: WorkloadPod;
  public readonly cronJob: KubeCronJob;
  public readonly cronJobName: string;
  public readonly workload: SchedulerWorkload;

  constructor(scope: Construct, id: string, props: LaravelSchedulerProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.cronJobName = context.name(SCHEDULER_COMPONENT);
    this.workload = { mode: 'cron', cronJobName: this.cronJobName };

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: props.runtime,
      context,
      component: SCHEDULER_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init, { caches: CRON_SCHEDULER_CACHES })],
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

export interface LaravelScheduleWorkerProps {
  readonly runtime: LaravelRuntime;
  /** Longest scheduled task, seconds: the grace period covers it. */
  readonly longestTaskSeconds: number;
  /** @default DEFAULT_RESOURCES.scheduler */
  readonly resources?: Resources;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/** The container of the work-mode scheduler. */
export const SCHEDULE_WORK_CONTAINER = 'schedule-work';

/**
 * `scheduler.mode: work` (the default): one pod running `php artisan schedule:work`, which starts
 * `schedule:run` at every minute boundary itself (on time, each minute once), keeps `runInBackground()` and
 * sub-minute tasks alive, and boots the framework once per rollout instead of once a minute. One replica
 * and `Recreate`: two schedulers would run every task twice unless each uses onOneServer(). On the stop
 * signal its supervising shell (SCHEDULE_WORK_SUPERVISOR) starts no new minute, runs
 * `schedule:interrupt` and waits for the running tasks; the grace period covers the longest.
 * @see https://laravel.com/docs/12.x/scheduling#running-the-scheduler-locally
 */
export class LaravelScheduleWorker extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deployment: KubeDeployment;
  public readonly deploymentName: string;
  public readonly terminationGracePeriodSeconds: number;
  public readonly workload: SchedulerWorkload;

  constructor(scope: Construct, id: string, props: LaravelScheduleWorkerProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.deploymentName = context.name(SCHEDULER_COMPONENT);
    this.workload = { mode: 'work', deploymentName: this.deploymentName, container: SCHEDULE_WORK_CONTAINER };
    this.terminationGracePeriodSeconds = props.longestTaskSeconds + SHUTDOWN_MARGIN_SECONDS;

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: props.runtime,
      context,
      component: SCHEDULER_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [
        runtime.container(SCHEDULE_WORK_CONTAINER, {
          command: supervisedCommand(SCHEDULE_WORK_SUPERVISOR, 'scheduler', ['php', 'artisan', 'schedule:work', '--no-interaction']),
          resources: props.resources ?? DEFAULT_RESOURCES.scheduler,
          // /proc only, no framework boot; passes while the scheduler drains on purpose.
          livenessProbe: { ...supervisedProcessProbe(SUPERVISION_FILES.scheduleWork, SUPERVISION_FILES.scheduleDraining), periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 4 },
        }),
      ],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { terminationGracePeriodSeconds: this.terminationGracePeriodSeconds },
    });

    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, SCHEDULER_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        replicas: 1,
        // The old scheduler has finished its tasks and exited before the new one starts.
        strategy: { type: 'Recreate' },
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(SCHEDULER_COMPONENT) },
        template: this.pod.template(),
      },
    });
  }
}

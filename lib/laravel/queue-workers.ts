import { Construct } from 'constructs';
import { KubeDeployment, Probe } from '../../imports/k8s';
import { ScaledObject, ScaledObjectSpecTriggersAuthenticationRefKind, TriggerAuthentication } from '../../imports/keda.sh';
import { Resources } from '../config/types.generated';
import { DEFAULT_RESOURCES, SHUTDOWN_MARGIN_SECONDS } from '../core/defaults';
import { LaravelRuntime } from './laravel-runtime';
import { SyncWave } from '../core/sync-waves';
import { WorkloadPod } from '../core/workload-pod';

export interface QueueWorkerPoolProps {
  readonly runtime: LaravelRuntime;
  /** Pool name: Deployment `<app>-worker-<name>`. */
  readonly name: string;
  /** `horizon` runs `php artisan horizon`; `queue-work` runs `php artisan queue:work redis`. */
  readonly mode: 'horizon' | 'queue-work';
  /** Queues in priority order. */
  readonly queues: readonly string[];
  readonly replicas: number;
  /** Longest job in seconds; the grace period exceeds it so a running job finishes on SIGTERM. */
  readonly timeout: number;
  readonly tries: number;
  /** MB after which the worker restarts itself. */
  readonly memory: number;
  readonly sleep: number;
  readonly backoff: number;
  readonly maxJobs: number;
  readonly maxTime: number;
  /** @default DEFAULT_RESOURCES.worker */
  readonly resources?: Resources;
  /** KEDA scaling on the Redis list length; when off the replica count is fixed. */
  readonly autoscaling?: {
    readonly maxReplicas: number;
    readonly listLength: number;
    readonly cooldownPeriod: number;
    readonly pollingInterval: number;
    readonly redisAddress: string;
    /** Redis database of the queues (REDIS_DB). */
    readonly redisDatabase: number;
    /** Laravel's Redis key prefix: queue lists are `<prefix>queues:<queue>`. */
    readonly redisPrefix: string;
  };
}

/**
 * One Horizon-style pool of queue workers. SIGTERM lets the running job finish: Laravel's worker stops
 * after the current job, and the grace period exceeds the job timeout. A job that hangs past `--timeout`
 * is killed by the worker's own alarm, which ends the container so Kubernetes restarts it.
 * @see https://laravel.com/docs/12.x/queues#running-the-queue-worker
 * @see https://laravel.com/docs/12.x/horizon#deploying-horizon
 */
export class QueueWorkerPool extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deploymentName: string;
  public readonly component: string;
  public readonly terminationGracePeriodSeconds: number;
  /** Queues in priority order (the Redis lists are `<prefix>queues:<queue>`). */
  public readonly queues: readonly string[];

  constructor(scope: Construct, id: string, props: QueueWorkerPoolProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.component = `worker-${props.name}`;
    this.queues = [...props.queues];
    this.deploymentName = context.name(this.component);
    this.terminationGracePeriodSeconds = props.timeout + SHUTDOWN_MARGIN_SECONDS;
    const resources = props.resources ?? DEFAULT_RESOURCES.worker;

    const health = workerHealthProbe(props.mode);
    const liveness = props.mode === 'queue-work' ? workerProgressProbe(workerStallSeconds(props)) : health;
    const worker = runtime.container('worker', {
      command: workerCommand(props),
      resources,
      startupProbe: { ...health, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 24 },
      readinessProbe: { ...health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...liveness, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
    });

    this.pod = new WorkloadPod(this, 'Pod', {
      context,
      component: this.component,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [worker],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { terminationGracePeriodSeconds: this.terminationGracePeriodSeconds },
    });

    new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, this.component, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        ...(props.autoscaling ? {} : { replicas: props.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(this.component) },
        template: this.pod.template(),
      },
    });

    if (props.autoscaling) this.addScaledObject(props, props.autoscaling);
  }

  private addScaledObject(props: QueueWorkerPoolProps, scaling: NonNullable<QueueWorkerPoolProps['autoscaling']>): void {
    const context = props.runtime.context;
    const authName = this.deploymentName;
    new TriggerAuthentication(this, 'RedisAuth', {
      metadata: context.metadata(authName, this.component, { wave: SyncWave.FOUNDATION }),
      spec: {
        secretTargetRef: [{ parameter: 'password', name: props.runtime.settings.secrets.secretName, key: 'REDIS_PASSWORD' }],
      },
    });
    new ScaledObject(this, 'Scaler', {
      metadata: context.metadata(this.deploymentName, this.component, { wave: SyncWave.WORKLOADS }),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.deploymentName },
        minReplicaCount: props.replicas,
        maxReplicaCount: scaling.maxReplicas,
        cooldownPeriod: scaling.cooldownPeriod,
        pollingInterval: scaling.pollingInterval,
        triggers: props.queues.map((queue) => ({
          type: 'redis',
          authenticationRef: { name: authName, kind: ScaledObjectSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION },
          metadata: {
            address: scaling.redisAddress,
            listName: `${scaling.redisPrefix}queues:${queue}`,
            listLength: String(scaling.listLength),
            databaseIndex: String(scaling.redisDatabase),
          },
        })),
      },
    });
  }
}

/** The worker's command line. */
export function workerCommand(props: Pick<QueueWorkerPoolProps, 'mode' | 'queues' | 'timeout' | 'tries' | 'memory' | 'sleep' | 'backoff' | 'maxJobs' | 'maxTime'>): string[] {
  if (props.mode === 'horizon') return ['php', 'artisan', 'horizon'];
  return [
    'php',
    'artisan',
    'queue:work',
    'redis',
    `--queue=${props.queues.join(',')}`,
    `--timeout=${props.timeout}`,
    `--tries=${props.tries}`,
    `--memory=${props.memory}`,
    `--sleep=${props.sleep}`,
    `--backoff=${props.backoff}`,
    `--max-jobs=${props.maxJobs}`,
    `--max-time=${props.maxTime}`,
  ];
}

/**
 * Startup and readiness: Horizon reports on itself (`horizon:status` fails when the master is not
 * running); for `queue:work`, PID 1 (the worker) is running or sleeping, not stopped or a zombie.
 */
export function workerHealthProbe(mode: 'horizon' | 'queue-work'): Probe {
  if (mode === 'horizon') return { exec: { command: ['php', 'artisan', 'horizon:status'] } };
  return { exec: { command: ['/bin/sh', '-c', "grep -Eq '^State:[[:space:]]+[RS]' /proc/1/status"] } };
}

/** Seconds added to a pool's job timeout and sleep before a worker without progress counts as stuck. */
export const WORKER_STALL_MARGIN_SECONDS = 10;

/**
 * How long a healthy worker can go without progress: a job may wait (on a payment provider) up to its
 * timeout, an idle worker polls Redis at least every `sleep` seconds.
 */
export function workerStallSeconds(props: Pick<QueueWorkerPoolProps, 'timeout' | 'sleep'>): number {
  return props.timeout + props.sleep + WORKER_STALL_MARGIN_SECONDS;
}

/** Where the liveness probe keeps its last sample (the worker's writable /tmp). */
export const WORKER_PROGRESS_FILE = '/tmp/.worker-progress';

/**
 * Liveness of a `queue:work` pool: PID 1, the worker, made progress (bytes read or written, CPU time) within
 * the stall limit. A polling worker reads from Redis every few seconds, a busy one burns CPU or does I/O; a
 * worker blocked forever in a system call (a dead peer without a timeout, where its --timeout alarm cannot
 * run) does neither, though it is "sleeping" to the kernel. Needs nothing from the application, works in
 * maintenance mode (when Laravel fires no worker events), and only the image's sh, awk, sed and date.
 */
export function workerProgressProbe(stallSeconds: number): Probe {
  const script = [
    'set -eu',
    'now=$(date +%s)',
    // Bytes read and written, then user and system CPU time (/proc/<pid>/stat fields 14 and 15, after the command name).
    "cur=\"$(awk '/^(rchar|wchar):/ { s += $2 } END { print s }' /proc/1/io) $(sed 's/.*) //' /proc/1/stat | cut -d ' ' -f 12,13)\"",
    `if [ -f ${WORKER_PROGRESS_FILE} ] && [ "$(sed -n 1p ${WORKER_PROGRESS_FILE})" = "$cur" ]; then`,
    `  since=$(sed -n 2p ${WORKER_PROGRESS_FILE})`,
    `  if [ $((now - since)) -ge ${stallSeconds} ]; then echo "worker (PID 1) made no progress for $((now - since)) s (limit ${stallSeconds} s)"; exit 1; fi`,
    'else',
    `  printf '%s\\n%s\\n' "$cur" "$now" > ${WORKER_PROGRESS_FILE}`,
    'fi',
  ].join('\n');
  return { exec: { command: ['/bin/sh', '-c', script] } };
}


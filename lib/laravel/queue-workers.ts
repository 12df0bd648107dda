import { Construct } from 'constructs';
import { KubeDeployment, Probe } from '../../imports/k8s';
import { ScaledObject, ScaledObjectSpecTriggersAuthenticationRefKind, TriggerAuthentication } from '../../imports/keda.sh';
import { Resources } from '../config/types.generated';
import { DisruptionBudget, spreadOverZonesAndNodes } from '../core/availability';
import { DEFAULT_RESOURCES } from '../core/defaults';
import { envVarsOf } from '../core/containers';
import { LaravelRuntime } from './laravel-runtime';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import {
  HORIZON_PRE_STOP,
  horizonMasterProbe,
  QUEUE_WORKER_LOOP,
  supervisedCommand,
  supervisedProcessProbe,
  SUPERVISION_FILES,
} from './process-supervision';
import { defaultWorkerResources, minimumRetryAfter, retryAfterOf, workerGracePeriodSeconds } from './queue-budgets';

/** The Horizon supervisor of a pool (one per pod), rendered into the HORIZON_* variables. */
export interface HorizonSupervisorProps {
  /** Most worker processes (HORIZON_MAX_PROCESSES). */
  readonly maxProcesses: number;
  /** Fewest worker processes (HORIZON_MIN_PROCESSES). @default 1 */
  readonly minProcesses?: number;
  /** Balancing across the queues (HORIZON_BALANCE). @default 'auto' */
  readonly balance?: 'auto' | 'simple' | 'false';
  /** MB after which the master restarts itself (horizon.memory_limit, HORIZON_MEMORY_LIMIT). @default 64 */
  readonly masterMemory?: number;
}

export interface QueueWorkerPoolProps {
  readonly runtime: LaravelRuntime;
  /** Pool name: Deployment `<app>-worker-<name>`. */
  readonly name: string;
  /** `horizon` runs `php artisan horizon`; `queue-work` runs `php artisan queue:work redis` under a restart loop. */
  readonly mode: 'horizon' | 'queue-work';
  /** Queues in priority order. */
  readonly queues: readonly string[];
  readonly replicas: number;
  /** Longest job in seconds (queue:work --timeout, or the Horizon supervisor's timeout); the grace period covers it. */
  readonly timeout: number;
  /** retry_after of the pool's queue connection (REDIS_QUEUE_RETRY_AFTER). @default timeout + RETRY_AFTER.defaultExtraSeconds */
  readonly retryAfter?: number;
  readonly tries: number;
  /** MB after which the worker restarts itself. */
  readonly memory: number;
  readonly sleep: number;
  readonly backoff: number;
  readonly maxJobs: number;
  readonly maxTime: number;
  /** Required in horizon mode, refused in queue-work mode. @default - none */
  readonly horizon?: HorizonSupervisorProps;
  /** @default defaultWorkerResources(props): the worker default, raised to cover the memory the pool needs */
  readonly resources?: Resources;
  /**
   * Pods of the pool a node drain may evict at once; a PodDisruptionBudget enforces it when the pool can run
   * more than one pod (replicas, or the autoscaler's maximum). Evicted workers finish their job first (grace period).
   * @default 1
   */
  readonly maxUnavailable?: number;
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
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * One pool of queue workers, `queue:work` or Horizon. No job runs twice: the pool's retry_after
 * (REDIS_QUEUE_RETRY_AFTER, in the worker and in the init container that caches the config) exceeds its
 * timeout. None is killed mid-flight: the stop signal reaches the worker as SIGTERM (queue:work through its
 * restart loop, Horizon's master through a preStop hook, as Horizon ignores the image's SIGQUIT) and the
 * grace period covers the timeout. A job that hangs past the timeout is killed by the worker's own alarm;
 * a queue:work worker stuck where the alarm cannot run fails its liveness probe (no progress).
 * No readiness probe: no Service selects worker pods.
 * @see https://laravel.com/docs/12.x/queues#job-expirations-and-timeouts
 * @see https://laravel.com/docs/12.x/horizon#deploying-horizon
 */
export class QueueWorkerPool extends Construct {
  public readonly pod: WorkloadPod;
  /** The pool's Deployment. */
  public readonly deployment: KubeDeployment;
  /** KEDA's scaler of the pool on the queue length, when autoscaling. */
  public readonly scaledObject?: ScaledObject;
  public readonly deploymentName: string;
  public readonly component: string;
  public readonly terminationGracePeriodSeconds: number;
  /** retry_after of the pool's queue connection. */
  public readonly retryAfter: number;
  /** Queues in priority order (the Redis lists are `<prefix>queues:<queue>`). */
  public readonly queues: readonly string[];
  /** The pool's PodDisruptionBudget, when it can run more than one pod. */
  public readonly disruptionBudget?: DisruptionBudget;

  constructor(scope: Construct, id: string, props: QueueWorkerPoolProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    if (props.mode === 'horizon' && !props.horizon) throw new Error(`worker pool ${props.name} runs Horizon but has no horizon.maxProcesses: set how many workers its supervisor may run`);
    if (props.mode === 'queue-work' && props.horizon) throw new Error(`worker pool ${props.name} runs queue:work; horizon settings apply to mode horizon only`);
    this.retryAfter = retryAfterOf(props);
    if (this.retryAfter < minimumRetryAfter(props.timeout)) {
      throw new Error(`worker pool ${props.name}: retryAfter ${this.retryAfter} does not exceed timeout ${props.timeout} by more than the margin; a job would run twice: set at least ${minimumRetryAfter(props.timeout)}`);
    }
    this.component = `worker-${props.name}`;
    this.queues = [...props.queues];
    this.deploymentName = context.name(this.component);
    this.terminationGracePeriodSeconds = workerGracePeriodSeconds(props.timeout);
    const resources = props.resources ?? defaultWorkerResources(props);

    // The init container caches the config: the pool's values must be there too, env() is not read afterwards.
    const env = envVarsOf(workerEnvironment(props, this.retryAfter));
    const health = workerHealthProbe(props.mode);
    const liveness = props.mode === 'queue-work' ? workerProgressProbe(workerStallSeconds(props)) : health;
    const worker = runtime.container('worker', {
      command: workerCommand(props),
      resources,
      env,
      startupProbe: { ...health, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 24 },
      livenessProbe: { ...liveness, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
      ...(props.mode === 'horizon' ? { lifecycle: { preStop: { exec: { command: HORIZON_PRE_STOP } } } } : {}),
    });

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      sharedEnv: props.runtime,
      context,
      component: this.component,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init, { env })],
      containers: [worker],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { terminationGracePeriodSeconds: this.terminationGracePeriodSeconds, topologySpreadConstraints: spreadOverZonesAndNodes(context, this.component) },
    });

    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, this.component, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        ...(props.autoscaling ? {} : { replicas: props.replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(this.component) },
        template: this.pod.template(),
      },
    });

    if (props.autoscaling) this.scaledObject = this.addScaledObject(props, props.autoscaling);
    if (Math.max(props.replicas, props.autoscaling?.maxReplicas ?? 0) > 1) {
      this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { context, component: this.component, maxUnavailable: props.maxUnavailable ?? 1 });
    }
  }

  private addScaledObject(props: QueueWorkerPoolProps, scaling: NonNullable<QueueWorkerPoolProps['autoscaling']>): ScaledObject {
    const context = props.runtime.context;
    const authName = this.deploymentName;
    const tls = props.runtime.dataStoreTls?.kedaRedisTls() ?? { metadata: {}, configMapTargetRef: [], secretTargetRef: [] };
    new TriggerAuthentication(this, 'RedisAuth', {
      metadata: context.metadata(authName, this.component, { wave: SyncWave.FOUNDATION }),
      spec: {
        secretTargetRef: [{ parameter: 'password', name: props.runtime.settings.secrets.secretName, key: 'REDIS_PASSWORD' }, ...tls.secretTargetRef],
        ...(tls.configMapTargetRef.length ? { configMapTargetRef: tls.configMapTargetRef } : {}),
      },
    });
    return new ScaledObject(this, 'Scaler', {
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
            ...tls.metadata,
          },
        })),
      },
    });
  }
}

type WorkerSettings = Pick<QueueWorkerPoolProps, 'mode' | 'queues' | 'timeout' | 'tries' | 'memory' | 'sleep' | 'backoff' | 'maxJobs' | 'maxTime' | 'horizon'>;

/** The artisan command of a pool: `horizon`, or `queue:work` with the pool's options. */
export function workerArtisanCommand(props: WorkerSettings): string[] {
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

/** The container command: Horizon as PID 1 (its master supervises its workers), queue:work under its restart loop. */
export function workerCommand(props: WorkerSettings): string[] {
  const artisan = workerArtisanCommand(props);
  return props.mode === 'horizon' ? artisan : supervisedCommand(QUEUE_WORKER_LOOP, 'queue-worker', artisan);
}

/**
 * The variables a pool's pods set on top of the ConfigMap: retry_after of its queue connection and, for
 * Horizon, its supervisor as the app's config/horizon.php reads it (README: What the application images must provide).
 */
export function workerEnvironment(props: WorkerSettings, retryAfter: number): Record<string, string> {
  const env: Record<string, string> = { REDIS_QUEUE_RETRY_AFTER: String(retryAfter) };
  if (props.mode !== 'horizon' || !props.horizon) return env;
  const h = props.horizon;
  return {
    ...env,
    HORIZON_CONNECTION: 'redis',
    HORIZON_QUEUES: props.queues.join(','),
    HORIZON_BALANCE: h.balance ?? 'auto',
    HORIZON_MIN_PROCESSES: String(h.minProcesses ?? 1),
    HORIZON_MAX_PROCESSES: String(h.maxProcesses),
    HORIZON_TIMEOUT: String(props.timeout),
    HORIZON_TRIES: String(props.tries),
    HORIZON_MEMORY: String(props.memory),
    HORIZON_BACKOFF: String(props.backoff),
    HORIZON_SLEEP: String(props.sleep),
    HORIZON_MAX_JOBS: String(props.maxJobs),
    HORIZON_MAX_TIME: String(props.maxTime),
    HORIZON_MEMORY_LIMIT: String(h.masterMemory ?? 64),
  };
}

/**
 * Startup (and Horizon's liveness) of a pool's worker, judged on this pod alone and without booting the
 * framework: Horizon's own master must be writing its heartbeat to Redis; the `queue:work` process the loop
 * runs must not be stopped, a zombie or stuck in uninterruptible sleep. The liveness of `queue:work` adds
 * progress (workerProgressProbe).
 */
export function workerHealthProbe(mode: 'horizon' | 'queue-work'): Probe {
  return mode === 'horizon' ? horizonMasterProbe() : supervisedProcessProbe(SUPERVISION_FILES.queueWorker);
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

/** Where the liveness probe keeps its last sample (the pod's writable /tmp). */
export const WORKER_PROGRESS_FILE = '/tmp/queue-worker.progress';

/**
 * Liveness of a `queue:work` pool: the worker the restart loop runs (its PID in SUPERVISION_FILES.queueWorker)
 * is running or sleeping and made progress (bytes read or written, CPU time) within the stall limit. A
 * polling worker reads from Redis every few seconds, a busy one burns CPU or does I/O; a worker blocked for
 * good in a system call (a job waiting on a hung child process, where its --timeout alarm cannot run) does
 * neither, though it is "sleeping" to the kernel. A new worker (the loop restarted it) starts a new sample.
 * Needs nothing from the application, works in maintenance mode (when Laravel fires no worker events), and
 * only the image's sh, grep, awk, sed, cut and date.
 */
export function workerProgressProbe(stallSeconds: number): Probe {
  const file = WORKER_PROGRESS_FILE;
  // Backticks, not $(...): the no-$(-in-commands rule of this project (Kubernetes expands $(NAME)).
  const script = [
    'set -eu',
    'now=`date +%s`',
    `read -r pid < ${SUPERVISION_FILES.queueWorker}`,
    `grep -Eq '^State:[[:space:]]+[RS]' "/proc/$pid/status" || { echo "queue:work (PID $pid) is not running or sleeping"; exit 1; }`,
    // Bytes read and written, then user and system CPU time (/proc/<pid>/stat fields 14 and 15, after the command name).
    "io=`awk '/^(rchar|wchar):/ { s += $2 } END { print s }' \"/proc/$pid/io\"`",
    "cpu=`sed 's/.*) //' \"/proc/$pid/stat\" | cut -d ' ' -f 12,13`",
    'cur="$pid $io $cpu"',
    'last= since=$now',
    `[ ! -f ${file} ] || { read -r last || :; read -r since || :; } < ${file}`,
    'if [ "$last" = "$cur" ]; then',
    `  if [ $((now - since)) -ge ${stallSeconds} ]; then echo "queue:work (PID $pid) made no progress for $((now - since)) s (limit ${stallSeconds} s)"; exit 1; fi`,
    'else',
    `  printf '%s\\n%s\\n' "$cur" "$now" > ${file}`,
    'fi',
  ].join('\n');
  return { exec: { command: ['/bin/sh', '-c', script] } };
}

import { Construct } from 'constructs';
import { KubeDeployment, Probe } from '../../imports/k8s';
import { ScaledObject, ScaledObjectSpecTriggersAuthenticationRefKind, TriggerAuthentication } from '../../imports/keda.sh';
import { Resources } from '../config/types.generated';
import { DisruptionBudget, spreadOverZonesAndNodes } from '../core/availability';
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
  /** The pool's PodDisruptionBudget, when it can run more than one pod. */
  public readonly disruptionBudget?: DisruptionBudget;

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
    const worker = runtime.container('worker', {
      command: workerCommand(props),
      resources,
      startupProbe: { ...health, periodSeconds: 5, timeoutSeconds: 10, failureThreshold: 24 },
      readinessProbe: { ...health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 },
      livenessProbe: { ...health, periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 4 },
    });

    this.pod = new WorkloadPod(this, 'Pod', {
      context,
      component: this.component,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [worker],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      extra: { terminationGracePeriodSeconds: this.terminationGracePeriodSeconds, topologySpreadConstraints: spreadOverZonesAndNodes(context, this.component) },
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
    if (Math.max(props.replicas, props.autoscaling?.maxReplicas ?? 0) > 1) {
      this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { context, component: this.component, maxUnavailable: props.maxUnavailable ?? 1 });
    }
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
 * Horizon reports on itself (`horizon:status` fails when the master is not running). A `queue:work`
 * process has no status command; the probe fails when PID 1 is stopped, a zombie or stuck in
 * uninterruptible sleep, and a job that runs past --timeout is killed by the worker itself.
 */
export function workerHealthProbe(mode: 'horizon' | 'queue-work'): Probe {
  if (mode === 'horizon') return { exec: { command: ['php', 'artisan', 'horizon:status'] } };
  return { exec: { command: ['/bin/sh', '-c', "grep -Eq '^State:[[:space:]]+[RS]' /proc/1/status"] } };
}


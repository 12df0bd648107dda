import { Construct } from 'constructs';
import { EnvVar, IntOrString, KubeCronJob, KubeService, Quantity, ResourceRequirements } from '../../imports/k8s';
import { AppContext } from './app-context';
import { Resources } from '../config/types.generated';
import { JOB_HISTORY } from './defaults';
import { SyncWave } from './sync-waves';
import type { WorkloadPod } from './workload-pod';

/** Config resources to Kubernetes resource requirements: requests always, a memory limit always, a CPU limit only if asked. */
export function toResourceRequirements(resources: Resources): ResourceRequirements {
  const q = Quantity.fromString;
  return {
    requests: { cpu: q(resources.requests.cpu), memory: q(resources.requests.memory) },
    limits: {
      ...(resources.limits.cpu ? { cpu: q(resources.limits.cpu) } : {}),
      memory: q(resources.limits.memory),
    },
  };
}

/** A record sorted by key, so that generated maps and lists do not depend on insertion order. */
export function sortedByKey<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Plain environment variables, sorted by name. */
export function envVarsOf(env: Readonly<Record<string, string>>): EnvVar[] {
  return Object.entries(sortedByKey(env)).map(([name, value]) => ({ name, value }));
}

/** The in-cluster Service of a component: ClusterIP only, one named port to the container port `http`. */
export function clusterIpService(scope: Construct, context: AppContext, component: string, port: number): KubeService {
  return new KubeService(scope, 'Service', {
    metadata: context.metadata(context.name(component), component, { wave: SyncWave.WORKLOADS }),
    spec: {
      type: 'ClusterIP',
      selector: context.selectorLabels(component),
      ports: [{ name: 'http', port, targetPort: IntOrString.fromString('http'), protocol: 'TCP' }],
    },
  });
}

export interface NonOverlappingCronJobProps {
  readonly pod: WorkloadPod;
  readonly schedule: string;
  /** A run that cannot start within this many seconds is skipped rather than run late. */
  readonly startingDeadlineSeconds: number;
  /** Longest run in seconds. */
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
}

/** A CronJob that never runs twice at once, with bounded start, run time and history. */
export function nonOverlappingCronJob(scope: Construct, context: AppContext, props: NonOverlappingCronJobProps): KubeCronJob {
  const component = props.pod.component;
  return new KubeCronJob(scope, 'CronJob', {
    metadata: context.metadata(context.name(component), component, { wave: SyncWave.WORKLOADS }),
    spec: {
      schedule: props.schedule,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: props.startingDeadlineSeconds,
      ...JOB_HISTORY,
      jobTemplate: {
        metadata: { labels: context.labels(component) },
        spec: {
          activeDeadlineSeconds: props.activeDeadlineSeconds,
          backoffLimit: props.backoffLimit,
          template: props.pod.template(),
        },
      },
    },
  });
}

import { Construct } from 'constructs';
import { IntOrString, KubePodDisruptionBudget, TopologySpreadConstraint } from '../../imports/k8s';
import { AppContext } from './app-context';
import { SyncWave } from './sync-waves';

/** The topology keys pods of one workload spread over, widest first. */
export const SPREAD_TOPOLOGY_KEYS = ['topology.kubernetes.io/zone', 'kubernetes.io/hostname'] as const;

/**
 * Spread a workload's pods over zones and nodes: a zone or node outage then takes only part of them. A
 * preference (ScheduleAnyway), not a rule: a hard rule could leave pods pending, or block a node drain, in a
 * small cluster. Each rollout's pods are spread on their own (`pod-template-hash`), not the mix of old and new.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
 */
export function spreadOverZonesAndNodes(context: AppContext, component: string): TopologySpreadConstraint[] {
  return SPREAD_TOPOLOGY_KEYS.map((topologyKey) => ({
    topologyKey,
    maxSkew: 1,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: context.selectorLabels(component) },
    matchLabelKeys: ['pod-template-hash'],
  }));
}

export interface DisruptionBudgetProps {
  readonly context: AppContext;
  /** The component whose pods the budget covers (its selector labels). */
  readonly component: string;
  /** Pods a voluntary disruption (a node drain, a cluster upgrade) may take at once; at least 1, so drains proceed. */
  readonly maxUnavailable: number;
  /** @default - `<app>-<component>` */
  readonly name?: string;
}

/**
 * A PodDisruptionBudget for a workload that runs more than one pod: a drain evicts at most `maxUnavailable`
 * of them at a time, waiting for replacements to be ready, so two FastAPI replicas are never evicted together.
 * A crash-looping pod may always be evicted (`unhealthyPodEvictionPolicy: AlwaysAllow`): it serves nothing and
 * must not block the drain. A budget that allows no eviction at all is refused: it would block every drain.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export class DisruptionBudget extends Construct {
  public readonly budget: KubePodDisruptionBudget;
  public readonly name: string;

  constructor(scope: Construct, id: string, props: DisruptionBudgetProps) {
    super(scope, id);
    if (!Number.isInteger(props.maxUnavailable) || props.maxUnavailable < 1) {
      throw new Error(`DisruptionBudget ${props.component}: maxUnavailable is ${props.maxUnavailable}; at least 1, or no node could ever be drained`);
    }
    const { context } = props;
    this.name = props.name ?? context.name(props.component);
    this.budget = new KubePodDisruptionBudget(this, 'Resource', {
      metadata: context.metadata(this.name, props.component, { wave: SyncWave.WORKLOADS }),
      spec: {
        maxUnavailable: IntOrString.fromNumber(props.maxUnavailable),
        selector: { matchLabels: context.selectorLabels(props.component) },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}

/**
 * The order in which Argo CD applies the objects of one Application, computed from their annotations the
 * way gitops-engine sorts sync tasks (pkg/sync/sync_tasks.go): phase, then wave, then kind, then name.
 * Objects of one phase and wave are applied together; Argo CD waits for them to be healthy (hooks: to
 * complete) before the next wave.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
import type { KubeObject } from '../k8s/manifests';

export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** Phases in the order they run (SyncFail runs only when the sync failed). */
export const PHASES = ['PreSync', 'Sync', 'PostSync', 'SyncFail'] as const;
export type Phase = (typeof PHASES)[number];

/** gitops-engine's kind order (itself Helm's install order); kinds not listed come after all of these. */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export interface SyncStep {
  readonly object: KubeObject;
  readonly phase: Phase;
  readonly wave: number;
  /** Position in the full order, from 0. */
  readonly index: number;
}

/** The phase of an object: its hook type, or Sync for an ordinary resource. */
export function phaseOf(object: KubeObject): Phase {
  const hook = object.metadata.annotations?.[HOOK_ANNOTATION];
  if (!hook) return 'Sync';
  // A hook may name several phases ("PreSync,PostSync"); it first runs in the earliest.
  const phases = hook.split(',').map((h) => h.trim()).filter((h): h is Phase => (PHASES as readonly string[]).includes(h));
  if (phases.length === 0) throw new Error(`${object.kind}/${object.metadata.name}: unsupported hook "${hook}"`);
  return phases.sort((a, b) => PHASES.indexOf(a) - PHASES.indexOf(b))[0];
}

/** The wave of an object: its sync-wave annotation, 0 without one. */
export function waveOf(object: KubeObject): number {
  const value = object.metadata.annotations?.[WAVE_ANNOTATION];
  if (value === undefined) return 0;
  const wave = Number(value);
  if (!Number.isInteger(wave)) throw new Error(`${object.kind}/${object.metadata.name}: sync wave "${value}" is not an integer`);
  return wave;
}

/** As gitops-engine: listed kinds get negative ranks, every other kind (custom resources) 0, after them. */
function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? 0 : i - KIND_ORDER.length;
}

/** The objects in the order Argo CD syncs them. */
export function syncOrder(objects: readonly KubeObject[]): SyncStep[] {
  return objects
    .map((object) => ({ object, phase: phaseOf(object), wave: waveOf(object) }))
    .sort(
      (a, b) =>
        PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase) ||
        a.wave - b.wave ||
        kindRank(a.object.kind) - kindRank(b.object.kind) ||
        (a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0),
    )
    .map((step, index) => ({ ...step, index }));
}

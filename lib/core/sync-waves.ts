/**
 * Argo CD sync waves. Argo CD applies objects by phase, then wave, then kind, then name, and waits for each
 * wave to be healthy before the next one. The migration Job is a Sync hook (not PreSync): PreSync hooks run
 * before any wave, when the ExternalSecret and ConfigMap it reads do not exist yet.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/
 */
export const SyncWave = {
  /** The Namespace, so that everything else has somewhere to go. */
  NAMESPACE: -3,
  /** ServiceAccounts, ConfigMaps, ExternalSecrets and NetworkPolicies: ready before any pod reads or is protected by them. */
  FOUNDATION: -2,
  /** The migration Job: after its secrets are synced (ExternalSecret healthy), before new pods roll out. */
  MIGRATION: -1,
  /** Workloads, their Services, the edge pointing at them (Ingress or Gateway, HTTPRoutes and their policies), autoscalers, budgets, CronJobs, and the WA gateway's volume. */
  WORKLOADS: 0,
  /** Monitoring objects that refer to running workloads. */
  MONITORING: 1,
} as const;

export type SyncWaveValue = (typeof SyncWave)[keyof typeof SyncWave];

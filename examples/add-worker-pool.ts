/**
 * Example: add a queue worker pool in code, e.g. one only this deployment needs, without touching the
 * config schema or the library. The pool gets its own Deployment, ServiceAccount, NetworkPolicy coverage,
 * KEDA ScaledObject (when autoscaled), queue-depth export and alerts, like the configured pools.
 */
import { App } from 'cdk8s';
import { PembayaranChart } from '../charts';
import { EnvironmentConfig, PembayaranStack, QueueWorkerPool } from '../lib';

export function withReportsPool(app: App, config: EnvironmentConfig): { stack: PembayaranStack; pool: QueueWorkerPool } {
  const stack = new PembayaranChart(app, config).stack;
  const pool = stack.addWorkerPool({
    name: 'reports',
    mode: 'queue-work',
    queues: ['reports'],
    replicas: 1,
    // Report generation is slow: a long timeout, and the grace period follows it.
    timeout: 900,
    tries: 1,
    memory: 512,
    sleep: 3,
    backoff: 30,
    maxJobs: 100,
    maxTime: 3600,
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '768Mi' } },
    autoscaling: { enabled: true, maxReplicas: 4, listLength: 5, cooldownPeriod: 600, pollingInterval: 30 },
    // Up to 4 pods: a node drain evicts one at a time (PodDisruptionBudget), each finishing its report first.
    maxUnavailable: 1,
  });
  return { stack, pool };
}

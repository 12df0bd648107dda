/**
 * Example: add a queue worker pool in code, e.g. one only this deployment needs, without touching the
 * config schema or the library. Keys left out take the defaults of `workers[]` (the pool is checked as the
 * config would check it). The pool gets its own Deployment, ServiceAccount, NetworkPolicy coverage, KEDA
 * ScaledObject (when autoscaled), queue-depth export and alerts, like the configured pools.
 */
import { App } from 'cdk8s';
import { EnvironmentInput, PembayaranChart, PembayaranStack, QueueWorkerPool } from 'pembayaran-k8s';

export function withReportsPool(app: App, config: EnvironmentInput): { stack: PembayaranStack; pool: QueueWorkerPool } {
  const stack = new PembayaranChart(app, config).stack;
  const pool = stack.addWorkerPool({
    name: 'reports',
    queues: ['reports'],
    // Report generation is slow: a long timeout, and the grace period follows it.
    timeout: 900,
    tries: 1,
    memory: 512,
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '768Mi' } },
    autoscaling: { enabled: true, maxReplicas: 4, cooldownPeriod: 600 },
    // Up to 4 pods: a node drain evicts one at a time (PodDisruptionBudget), each finishing its report first.
    maxUnavailable: 1,
  });
  return { stack, pool };
}

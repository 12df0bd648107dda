/**
 * The time and memory a worker pool needs, from its settings alone: used by the construct to render the
 * pods and by the config checks (lib/config/semantics.ts) to refuse settings that break them.
 */
import { Resources } from '../config/types.generated';
import { DEFAULT_RESOURCES, RETRY_AFTER, SHUTDOWN_MARGIN_SECONDS, WORKER_MEMORY_MIB } from '../core/defaults';
import { parseQuantity } from '../core/kubernetes-rules';

/** The settings of a pool these budgets read. */
export interface PoolBudgetInput {
  readonly mode: 'horizon' | 'queue-work';
  readonly timeout: number;
  readonly memory: number;
  readonly retryAfter?: number;
  readonly horizon?: { readonly maxProcesses: number; readonly minProcesses?: number; readonly masterMemory?: number };
}

/** retry_after of the pool's queue connection: the configured value, else the timeout plus the default extra. */
export function retryAfterOf(pool: PoolBudgetInput): number {
  return pool.retryAfter ?? pool.timeout + RETRY_AFTER.defaultExtraSeconds;
}

/** The smallest retry_after that keeps a job of the pool from running twice: more than timeout + margin. */
export function minimumRetryAfter(timeout: number): number {
  return timeout + RETRY_AFTER.marginSeconds + 1;
}

/**
 * The grace period of a worker pod: the longest job, then the margin for the worker (or Horizon's master)
 * to exit. A stopping worker finishes its job and never takes another, so the grace period needs no more.
 */
export function workerGracePeriodSeconds(timeout: number): number {
  return timeout + SHUTDOWN_MARGIN_SECONDS;
}

/** MiB the pool's container needs at most (its memory limit must cover it) and at least (its request). */
export function workerMemoryMiB(pool: PoolBudgetInput): { readonly limit: number; readonly request: number } {
  const worker = pool.memory + WORKER_MEMORY_MIB.processOverhead;
  if (pool.mode === 'queue-work') return { limit: worker, request: worker };
  const horizon = pool.horizon ?? { maxProcesses: 1 };
  const resident = (horizon.masterMemory ?? 64) + WORKER_MEMORY_MIB.processOverhead + WORKER_MEMORY_MIB.horizonSupervisor;
  return { limit: resident + horizon.maxProcesses * worker, request: resident + (horizon.minProcesses ?? 1) * worker };
}

const MIB = 2 ** 20;

/** A memory quantity in MiB (undefined when it is not a quantity). */
export function quantityMiB(quantity: string): number | undefined {
  const bytes = parseQuantity(quantity);
  return bytes === undefined ? undefined : bytes / MIB;
}

/**
 * Resources of a pool when the config names none: the worker default, raised so the limit covers what
 * workerMemoryMiB says (Horizon: the master, a supervisor and maxProcesses workers) and the request covers
 * a pod at rest (Horizon: minProcesses workers).
 */
export function defaultWorkerResources(pool: PoolBudgetInput): Resources {
  const base = DEFAULT_RESOURCES.worker;
  const need = workerMemoryMiB(pool);
  const limit = Math.max(quantityMiB(base.limits.memory)!, need.limit);
  const request = Math.min(limit, Math.max(quantityMiB(base.requests.memory)!, need.request));
  const cpu = pool.mode === 'horizon' ? `${100 * (1 + (pool.horizon?.minProcesses ?? 1))}m` : base.requests.cpu;
  return { requests: { cpu, memory: `${Math.ceil(request)}Mi` }, limits: { memory: `${Math.ceil(limit)}Mi` } };
}

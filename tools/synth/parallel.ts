/**
 * Environments rendered on several cores. Each environment's build, render, gate and YAML are independent
 * of the others', so worker threads take environments one at a time from a shared counter while the main
 * thread does the same; results are put back in config order, so the output is byte for byte the one of
 * a sequential run. `synthesize` stays synchronous: the main thread reads results with
 * `receiveMessageOnPort` and sleeps on `Atomics.wait` while workers finish.
 */
import * as os from 'os';
import { MessageChannel, MessagePort, receiveMessageOnPort, threadId, Worker } from 'worker_threads';
import { EnvironmentConfig } from '../../lib/config/types.generated';
import { trustResolvedEnvironment } from '../../lib/config/load';

/** Environments a thread should have for its start (loading the program, about three environments' CPU) to pay. */
export const ENVIRONMENTS_PER_WORKER = 6;

/** Marks the workerData of a render worker, so the entry point knows what it is. */
export const RENDER_WORKER = 'pembayaran-render-worker';

export interface WorkerTask {
  readonly role: typeof RENDER_WORKER;
  readonly configs: readonly EnvironmentConfig[];
  readonly validate: boolean;
  /** [next environment index, environments finished]: shared by every thread. */
  readonly counters: SharedArrayBuffer;
  readonly results: MessagePort;
}

type Outcome<R> = ({ readonly result: R } | { readonly error: string }) & { readonly index: number; readonly thread: number };

const NEXT = 0;
const FINISHED = 1;

/** Threads to use for `count` environments: as many as pay for their start, at most one per core. */
export function threadsFor(count: number, requested?: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const limit = requested ?? cores;
  return Math.max(1, Math.min(limit, Math.floor(count / ENVIRONMENTS_PER_WORKER)));
}

/** Takes indices from the shared counter and renders them until none is left. */
function drain<R>(counters: Int32Array, count: number, render: (index: number) => R, report: (outcome: Outcome<R>) => void): void {
  for (let index = Atomics.add(counters, NEXT, 1); index < count; index = Atomics.add(counters, NEXT, 1)) {
    try {
      report({ index, thread: threadId, result: render(index) });
    } catch (err) {
      report({ index, thread: threadId, error: (err as Error).stack ?? String(err) });
    }
    Atomics.add(counters, FINISHED, 1);
    Atomics.notify(counters, FINISHED);
  }
}

/**
 * `render(i)` for every config index, on `threads` threads (this one included), the results in index
 * order. `workerScript` is a JavaScript entry point that calls `runRenderWorker` when it finds a
 * `WorkerTask` in its workerData. A failure in any thread is thrown here, as the sequential run would.
 */
export function renderInParallel<R>(
  configs: readonly EnvironmentConfig[],
  options: { readonly threads: number; readonly workerScript: string; readonly validate: boolean },
  render: (index: number) => R,
): R[] {
  const counters = new Int32Array(new SharedArrayBuffer(8));
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let i = 1; i < options.threads; i++) {
    const { port1, port2 } = new MessageChannel();
    const task: WorkerTask = { role: RENDER_WORKER, configs, validate: options.validate, counters: counters.buffer as SharedArrayBuffer, results: port2 };
    workers.push(new Worker(options.workerScript, { workerData: task, transferList: [port2], stdout: false, stderr: false }));
    ports.push(port1);
  }
  const outcomes: Outcome<R>[] = new Array(configs.length);
  let received = 0;
  const keep = (outcome: Outcome<R>) => {
    outcomes[outcome.index] = outcome;
    received++;
  };
  const collect = () => {
    for (const port of ports) {
      for (let message = receiveMessageOnPort(port); message; message = receiveMessageOnPort(port)) keep(message.message as Outcome<R>);
    }
  };
  try {
    drain(counters, configs.length, render, keep);
    collect();
    while (received < configs.length) {
      const finished = Atomics.load(counters, FINISHED);
      // A result is posted before the count moves: one counted but not received yet is already on its port.
      if (finished <= received) Atomics.wait(counters, FINISHED, finished, 1000);
      collect();
    }
  } finally {
    for (const worker of workers) void worker.terminate();
    for (const port of ports) port.close();
  }
  if (process.env.SYNTH_TRACE) {
    const perThread = new Map<number, number>();
    for (const { thread } of outcomes) perThread.set(thread, (perThread.get(thread) ?? 0) + 1);
    process.stderr.write(`synth: ${configs.length} environments on ${options.threads} threads: ${[...perThread.values()].join(' + ')}\n`);
  }
  return outcomes.map((outcome) => {
    if ('error' in outcome) throw new Error(`rendering environment ${configs[outcome.index].name} failed: ${outcome.error}`);
    return outcome.result;
  });
}

/** The worker side: renders environments from the shared counter and posts each result to the main thread. */
export function runRenderWorker<R>(task: WorkerTask, render: (config: EnvironmentConfig, validate: boolean) => R): void {
  const counters = new Int32Array(task.counters);
  // Resolved by the main thread; the copies posted here lost that mark.
  drain(counters, task.configs.length, (index) => render(trustResolvedEnvironment(task.configs[index]), task.validate), (outcome) => task.results.postMessage(outcome));
  task.results.close();
}

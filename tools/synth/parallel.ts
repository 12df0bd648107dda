/**
 * Environments rendered on several cores. Each environment's build, render, gate and YAML are independent
 * of the others', so worker threads take environments one at a time from a shared counter, each as soon as
 * the main thread has read its config (they render while it reads the rest), and the main thread joins them
 * once it has read them all; results are put back in config order, so the output is byte for byte the one of
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
  readonly validate: boolean;
  /** [next environment index, environments finished, workers started, state, configs posted]: shared by every thread. */
  readonly counters: SharedArrayBuffer;
  /** The configs arrive on it one by one as the main thread reads them, the results leave on it. */
  readonly results: MessagePort;
}

type Outcome<R> = ({ readonly result: R } | { readonly error: string }) & {
  readonly index: number;
  readonly thread: number;
  /** From a worker: whether it compiled the bundle from the code cache (scripts/run.js `runInWorker`). */
  readonly codeCacheUsed?: boolean;
};

const NEXT = 0;
const FINISHED = 1;
const STARTED = 2;
/** 0 while the main thread reads configs, 1 once it has posted the last, -1 when the pool closes. */
const STATE = 3;
/** How many configs have been posted (in config order); workers wait on it. */
const POSTED = 4;

/** Set by scripts/run.js on the process it runs the bundle in: the runner's path and the bundle's. */
interface Runner {
  readonly runner: string;
  readonly bundle: string;
  /** In a worker started through the runner. */
  readonly codeCacheUsed?: boolean;
}

const runnerOf = () => (globalThis as Record<symbol, Runner | undefined>)[Symbol.for('pembayaran.scripts/run.js')];

/**
 * A worker that runs `script`. Under scripts/run.js it loads the bundle from the main thread's code cache
 * (`runInWorker`): starting cold, a worker spent the time of several environments compiling the program.
 */
function startWorker(script: string, task: WorkerTask, transfer: MessagePort): Worker {
  const runner = runnerOf();
  const options = { workerData: task, transferList: [transfer], stdout: false, stderr: false };
  if (runner?.bundle !== script) return new Worker(script, options);
  return new Worker(`require(${JSON.stringify(runner.runner)}).runInWorker(${JSON.stringify(runner.bundle)});`, { ...options, eval: true });
}

/** Threads to use for `count` environments: as many as pay for their start, at most one per core. */
export function threadsFor(count: number, requested?: number): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const limit = requested ?? cores;
  return Math.max(1, Math.min(limit, Math.floor(count / ENVIRONMENTS_PER_WORKER)));
}

/** Takes indices from the shared counter and renders them until none is left. */
function drain<R>(counters: Int32Array, count: number, render: (index: number) => R, report: (outcome: Outcome<R>) => void): void {
  for (let index = Atomics.add(counters, NEXT, 1); index < count; index = Atomics.add(counters, NEXT, 1)) {
    renderTaken(counters, index, render, report);
  }
}

/** Renders the index this thread took and reports it, counting it finished either way. */
function renderTaken<R>(counters: Int32Array, index: number, render: (index: number) => R, report: (outcome: Outcome<R>) => void): void {
  try {
    report({ index, thread: threadId, result: render(index) });
  } catch (err) {
    report({ index, thread: threadId, error: (err as Error).stack ?? String(err) });
  }
  Atomics.add(counters, FINISHED, 1);
  Atomics.notify(counters, FINISHED);
}

/** Worker threads started before the configs are read, so their start overlaps it; `render` uses them. */
export interface RenderPool {
  /** Hands the workers the next config (in config order) while the others are still being read. */
  post(config: EnvironmentConfig): void;
  /**
   * `render(i)` for every config index, on the pool's threads and this one, the results in index order;
   * posts the configs not posted yet. A failure in any thread is thrown here, as the sequential run would.
   * Closes the pool.
   */
  render<R>(configs: readonly EnvironmentConfig[], render: (index: number) => R): R[];
  /** Stops the workers (after `render`, or instead of it when reading the configs failed). */
  close(): void;
}

/**
 * Starts `threads - 1` workers of `workerScript`, a JavaScript entry point that calls `runRenderWorker`
 * when it finds a `WorkerTask` in its workerData. `onWorkersStarted` is called on this thread once every
 * worker has started (V8 flags changed before would void their code cache), as early as the main thread
 * notices: while it posts configs or renders.
 */
export function startRenderPool(options: { readonly threads: number; readonly workerScript: string; readonly validate: boolean; readonly onWorkersStarted?: () => void }): RenderPool {
  const counters = new Int32Array(new SharedArrayBuffer(5 * Int32Array.BYTES_PER_ELEMENT));
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let i = 1; i < options.threads; i++) {
    const { port1, port2 } = new MessageChannel();
    const task: WorkerTask = { role: RENDER_WORKER, validate: options.validate, counters: counters.buffer as SharedArrayBuffer, results: port2 };
    workers.push(startWorker(options.workerScript, task, port2));
    ports.push(port1);
  }
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    // A worker still waiting for a config is told there is none (terminate does not end an Atomics.wait).
    Atomics.store(counters, STATE, -1);
    Atomics.notify(counters, POSTED);
    for (const worker of workers) void worker.terminate();
    for (const port of ports) port.close();
  };
  let started = false;
  const checkStarted = () => {
    if (started || Atomics.load(counters, STARTED) < workers.length) return;
    started = true;
    options.onWorkersStarted?.();
  };
  let posted = 0;
  const post = (config: EnvironmentConfig) => {
    checkStarted();
    for (const port of ports) port.postMessage(config);
    // Posted before it is counted: a worker that sees the count finds the config on its port.
    Atomics.store(counters, POSTED, ++posted);
    Atomics.notify(counters, POSTED);
  };
  const render = <R>(configs: readonly EnvironmentConfig[], renderOne: (index: number) => R): R[] => {
    if (posted > configs.length) throw new Error(`internal error: ${posted} configs posted to the render threads for ${configs.length} environments`);
    for (const config of configs.slice(posted)) post(config);
    Atomics.store(counters, STATE, 1);
    Atomics.notify(counters, POSTED);
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
      drain(
        counters,
        configs.length,
        (index) => {
          checkStarted();
          return renderOne(index);
        },
        keep,
      );
      collect();
      while (received < configs.length) {
        checkStarted();
        const finished = Atomics.load(counters, FINISHED);
        // A result is posted before the count moves: one counted but not received yet is already on its port.
        if (finished <= received) Atomics.wait(counters, FINISHED, finished, 1000);
        collect();
      }
    } finally {
      close();
    }
    if (process.env.SYNTH_TRACE) {
      const perThread = new Map<number, number>();
      const cached = new Set<number>();
      for (const { thread, codeCacheUsed } of outcomes) {
        perThread.set(thread, (perThread.get(thread) ?? 0) + 1);
        if (codeCacheUsed) cached.add(thread);
      }
      const workersSeen = [...perThread.keys()].filter((t) => t !== threadId).length;
      process.stderr.write(`synth: ${configs.length} environments on ${options.threads} threads: ${[...perThread.values()].join(' + ')}; ${cached.size} of ${workersSeen} workers started from the code cache\n`);
    }
    return outcomes.map((outcome) => {
      if ('error' in outcome) throw new Error(`rendering environment ${configs[outcome.index].name} failed: ${outcome.error}`);
      return outcome.result;
    });
  };
  return { post, render, close };
}

/**
 * The worker side: takes environment indices from the shared counter, waits until the main thread has
 * posted that config (it reads them while the workers already render), renders it and posts the result.
 */
export function runRenderWorker<R>(task: WorkerTask, render: (config: EnvironmentConfig, validate: boolean) => R): void {
  const counters = new Int32Array(task.counters);
  Atomics.add(counters, STARTED, 1);
  const configs: EnvironmentConfig[] = [];
  const codeCacheUsed = runnerOf()?.codeCacheUsed === true;
  const report = (outcome: Outcome<R>) => task.results.postMessage({ ...outcome, codeCacheUsed });
  for (let index = Atomics.add(counters, NEXT, 1); waitForConfig(counters, index); index = Atomics.add(counters, NEXT, 1)) {
    while (configs.length <= index) configs.push(receiveMessageOnPort(task.results)!.message as EnvironmentConfig);
    // Resolved by the main thread; the copies posted here lost that mark.
    renderTaken(counters, index, (i) => render(trustResolvedEnvironment(configs[i]), task.validate), report);
  }
  task.results.close();
}

/** Whether config `index` is (or becomes) posted; false once the main thread posted the last, or closed the pool. */
function waitForConfig(counters: Int32Array, index: number): boolean {
  for (;;) {
    const posted = Atomics.load(counters, POSTED);
    if (index < posted) return true;
    const state = Atomics.load(counters, STATE);
    if (state === -1) return false;
    if (state === 1) return index < Atomics.load(counters, POSTED);
    Atomics.wait(counters, POSTED, posted);
  }
}

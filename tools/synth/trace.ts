/**
 * CPU time per synth phase, printed on stderr at exit when SYNTH_TRACE is set: what `npm run bench`
 * breaks the run down by. Costs nothing otherwise.
 */
import { isMainThread } from 'worker_threads';
import { atStartup } from './process-start';

let enabled = false;
let discarded = false;
const totals = new Map<string, number>();
const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

/** Runs `fn`, adding its CPU time (all threads of the process) to `phase`. */
export function timed<T>(phase: string, fn: () => T): T {
  if (!enabled) return fn();
  const start = process.cpuUsage();
  try {
    return fn();
  } finally {
    totals.set(phase, (totals.get(phase) ?? 0) + cpuMs(process.cpuUsage(start)));
  }
}

// Read when the process starts: when it starts from the startup snapshot, again then.
atStartup(() => {
  enabled = Boolean(process.env.SYNTH_TRACE);
  totals.clear();
  // A render worker's phases are counted by the main thread's clock (CPU time of the whole process).
  if (!enabled || !isMainThread) return;
  // Everything before the first phase: node's start, loading and compiling the program.
  const startup = cpuMs(process.cpuUsage());
  process.once('exit', () => {
    if (discarded) return;
    const total = cpuMs(process.cpuUsage());
    const phases = [['start and load', startup], ...totals] as const;
    const rest = total - phases.reduce((sum, [, ms]) => sum + ms, 0);
    const line = [...phases, ['other', rest] as const].map(([phase, ms]) => `${phase} ${Number(ms).toFixed(1)}`).join(', ');
    process.stderr.write(`synth: cpu ms: ${line}; total ${total.toFixed(1)}\n`);
  });
});

/** No phase line from this process: it handed its run to another, which prints its own. */
export function discardTrace(): void {
  discarded = true;
}

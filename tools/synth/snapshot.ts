/**
 * The synth program as a V8 startup snapshot (build/bundle/main.snapshot.blob): node deserializes a heap in
 * which the bundle has already been loaded, its top level run and a dry-run synth of the shipped config
 * compiled every function the synth calls, so a run pays neither for loading nor for compiling. scripts/synth.sh
 * starts it; scripts/run.js builds it (`buildSnapshot`).
 *
 * The blob carries the record of the inputs the bundle was built from, and proves it against the files
 * before it runs anything (the same check as scripts/run.js). When a source changed, when the blob was
 * moved with its checkout, or when the run needs worker threads (they cannot start in a process started
 * from a user snapshot on node 20), it hands the run to `node scripts/run.js main.ts`, which rebuilds what
 * is stale (the blob included) and runs the bundle as it is now.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { findEnvironmentFiles } from '../../lib/config/load';
import { buildingSnapshot } from './process-start';
import { synthesize } from './synthesize';
import { discardTrace } from './trace';

export { buildingSnapshot };

/** What the snapshot's main function is given: run the synth with these arguments, or say it cannot. */
export type SnapshotMain = (argv: string[]) => 'done' | 'needs-workers';

/** The environment variable scripts/synth.sh and this module set so scripts/run.js rebuilds the blob after its run. */
export const REBUILD_SNAPSHOT_ENV = 'PEMBAYARAN_REBUILD_SNAPSHOT';

interface Runner {
  readonly ROOT: string;
  bundlePaths(entry: string): { readonly snapshot: string };
  checkRecord(record: unknown): { fresh: boolean; reason?: string };
}

/** Environments the warm-up synthesizes: enough to compile every path, too few to switch TurboFan on. */
const WARM_UP_ENVIRONMENTS = 3;

/**
 * A dry-run synth of the project's config, so the blob holds every function of a synth compiled; only
 * compiled code and the caches it fills (the gate's validators) outlive it. A larger config is sampled
 * (without its Argo CD folder), an invalid one only leaves less compiled.
 */
function warmUp(configDir: string): void {
  try {
    const files = findEnvironmentFiles(configDir);
    if (files.length <= WARM_UP_ENVIRONMENTS) synthesize({ configDir, outdir: 'unused', dryRun: true });
    else synthesize({ configFiles: files.slice(0, WARM_UP_ENVIRONMENTS), outdir: 'unused', dryRun: true });
  } catch {
    // Nothing to do: the run that meets this config reports it.
  }
  // The blob only loads under the flags it was built with.
  v8.setFlagsFromString('--no-opt');
}

/**
 * In the `--build-snapshot` run: warms the program up on `configDir`, then makes `main` the function node
 * runs when it starts from the blob. `bundle` is the path of the bundle being snapshotted (build/bundle/main.js).
 */
export function prepareSnapshot(bundle: string, configDir: string, main: SnapshotMain): void {
  // The runner's own check, bundled in: the blob must not depend on a file it is checking.
  const runner = require('../../scripts/run.js') as Runner;
  const recordFile = bundle.replace(/\.js$/, '.inputs.json');
  const record = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
  const bakedRoot = runner.ROOT;
  const bakedBlob = runner.bundlePaths('main.ts').snapshot;
  warmUp(configDir);
  v8.startupSnapshot.setDeserializeMainFunction(() => {
    // `node --snapshot-blob <blob> main.ts <arguments>`: node puts them right after its own path.
    const argv = process.argv.slice(2);
    const blob = process.execArgv[process.execArgv.indexOf('--snapshot-blob') + 1] ?? '';
    const trace = process.env.SYNTH_TRACE ? (m: string) => process.stderr.write(`run: ${m}\n`) : () => {};
    // The checkout the blob is in now (build/bundle/main.snapshot.blob), which may not be the one it was built in.
    const placed = path.resolve(blob, '..', '..', '..');
    const root = fs.existsSync(path.join(placed, 'scripts', 'run.js')) ? placed : bakedRoot;
    let reason: string | undefined;
    if (realpath(blob) !== realpath(bakedBlob)) reason = `the snapshot was built in ${bakedRoot}`;
    else {
      const check = runner.checkRecord(record);
      if (!check.fresh) reason = check.reason;
    }
    if (reason === undefined) {
      trace('main.ts: startup snapshot up to date');
      process.argv = [process.argv[0], bundle, ...argv];
      if (main(argv) === 'done') return;
      trace('main.ts: worker threads needed: running without the snapshot');
      handOver(root, argv, false);
    } else {
      trace(`main.ts: startup snapshot stale (${reason}): running without it`);
      handOver(root, argv, true);
    }
  });
}

function realpath(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

/** Runs `node scripts/run.js main.ts argv` with this process's input and output, and ends as it ended. */
function handOver(root: string, argv: string[], rebuild: boolean): void {
  discardTrace();
  const env = rebuild ? { ...process.env, [REBUILD_SNAPSHOT_ENV]: '1' } : process.env;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts', 'run.js'), 'main.ts', ...argv], { stdio: 'inherit', env });
  if (result.signal) process.kill(process.pid, result.signal);
  process.exitCode = result.status ?? 1;
}

/** State a module reads from the process once, which a startup snapshot must read again when it starts. */
import * as v8 from 'v8';

/** Whether this process is node's `--build-snapshot` run (tools/synth/snapshot.ts). */
export function buildingSnapshot(): boolean {
  return typeof v8.startupSnapshot?.isBuildingSnapshot === 'function' && v8.startupSnapshot.isBuildingSnapshot();
}

/** Calls `fn` now and, in a snapshot's build, again when the snapshot starts: for the environment, the clock. */
export function atStartup(fn: () => void): void {
  fn();
  if (buildingSnapshot()) v8.startupSnapshot.addDeserializeCallback(fn);
}

import * as fs from 'fs';
import { Daemon, GiveUp, waitFor } from './processes';

/**
 * Waits until a freshly spawned `unshare` has entered its new namespace of this kind. Before that,
 * /proc/<pid>/ns/<kind> is the test runner's own namespace, and a command run "inside" it would change
 * the host.
 */
export async function waitForNewNamespace(holder: Daemon, kind: 'net' | 'uts' | 'ipc' | 'mnt' | 'pid'): Promise<void> {
  const own = fs.readlinkSync(`/proc/self/ns/${kind}`);
  await waitFor(`the new ${kind} namespace of PID ${holder.pid}`, () => {
    if (!holder.running) throw new GiveUp(`PID ${holder.pid} exited: ${holder.log()}`);
    try {
      return fs.readlinkSync(`/proc/${holder.pid}/ns/${kind}`) !== own;
    } catch {
      return false;
    }
  });
}

/**
 * One container as a local process, isolated the way a container runtime isolates it, with the tools
 * root has here:
 *  - its own mount namespace with a new root: the host's system directories read-only, the image
 *    stand-in's layers read-only at the image's paths, the pod's volumes at their real mount paths, a
 *    fresh /proc, and the pod's /etc/hosts; the root itself read-only (readOnlyRootFilesystem);
 *  - its own PID namespace, so the command is PID 1: signals reach it as the kubelet's do (only those it
 *    handles, SIGKILL always), and when it exits everything it started dies with it;
 *  - the pod's network, UTS and IPC namespaces (shared by the pod's containers, as in Kubernetes);
 *  - the pod's user, group and fsGroup (setpriv), no new privileges, no capabilities.
 * Mount points that do not exist in the image are created as the runtime does: in a writable volume
 * directly, elsewhere in an overlay whose upper layer only holds the mount point.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Daemon, run, RunResult } from './processes';

export interface PlannedMount {
  readonly kind: 'bind' | 'overlay' | 'proc' | 'tmpfs';
  /** Path inside the container. */
  readonly target: string;
  /** Host path (bind). */
  readonly source?: string;
  readonly readOnly: boolean;
  readonly recursive?: boolean;
  /** overlay: host directories of the upper and work layers (the lower is `target` itself). */
  readonly upper?: string;
  readonly work?: string;
  /** A volume the container may write to: mount points inside it are created in place. */
  readonly writable?: boolean;
}

export interface MountRequest {
  readonly target: string;
  readonly source: string;
  readonly readOnly: boolean;
  /** A pod volume (created in place when writable), not an image layer. */
  readonly volume: boolean;
}

/** Top-level host directories that are not part of a container's view. */
const PRIVATE_HOST_DIRS = new Set(['proc', 'sys', 'dev', 'tmp', 'run', 'root', 'home', 'work', 'mnt', 'media', 'lost+found', 'boot', 'snap']);

const depth = (p: string) => (p === '/' ? 0 : p.split('/').length - 1);
const isUnder = (p: string, dir: string) => dir === '/' || p === dir || p.startsWith(dir + '/');
const strictlyUnder = (p: string, dir: string) => p !== dir && isUnder(p, dir);

/**
 * Plans a container's file system. `rootfs` is an empty host directory that becomes the container's
 * root; `scratch` holds overlay layers.
 */
export class MountPlan {
  readonly mounts: PlannedMount[] = [];
  private overlays = 0;

  constructor(
    private readonly rootfs: string,
    private readonly scratch: string,
  ) {
    for (const name of fs.readdirSync('/')) {
      const host = path.join('/', name);
      const stat = fs.lstatSync(host);
      if (stat.isSymbolicLink()) {
        fs.symlinkSync(fs.readlinkSync(host), path.join(rootfs, name));
      } else if (stat.isDirectory()) {
        fs.mkdirSync(path.join(rootfs, name), { mode: stat.mode & 0o7777 });
        if (!PRIVATE_HOST_DIRS.has(name)) this.mounts.push({ kind: 'bind', source: host, target: host, readOnly: true, recursive: true });
      }
    }
    for (const dir of ['proc', 'sys', 'dev', 'tmp', 'run']) fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    this.mounts.push({ kind: 'proc', target: '/proc', readOnly: false });
    this.mounts.push({ kind: 'bind', source: '/sys', target: '/sys', readOnly: true, recursive: true });
    this.mounts.push({ kind: 'bind', source: '/dev', target: '/dev', readOnly: false, recursive: true });
    this.mounts.push({ kind: 'tmpfs', target: '/dev/shm', readOnly: false });
  }

  /** Adds image layers and volumes; parents before children, as the runtime mounts them. */
  add(requests: readonly MountRequest[]): void {
    const sorted = [...requests].sort((a, b) => depth(a.target) - depth(b.target));
    for (const request of sorted) {
      const isDir = fs.statSync(request.source).isDirectory();
      this.ensureMountPoint(request.target, isDir);
      this.mounts.push({ kind: 'bind', source: request.source, target: request.target, readOnly: request.readOnly, writable: request.volume && !request.readOnly });
    }
  }

  /** Makes sure a directory exists in the container's view (runc creates a missing working directory). */
  ensureDirectory(containerPath: string): void {
    this.ensureMountPoint(containerPath, true);
  }

  /** Host paths where a container path may be found, given the first `limit` mounts. */
  private candidates(containerPath: string, limit = this.mounts.length): string[] {
    for (let i = limit - 1; i >= 0; i--) {
      const m = this.mounts[i];
      if (!isUnder(containerPath, m.target)) continue;
      const rel = path.relative(m.target, containerPath);
      if (m.kind === 'bind') return [path.join(m.source!, rel)];
      if (m.kind === 'overlay') return [path.join(m.upper!, rel), ...this.candidates(containerPath, i)];
      return [];
    }
    return [path.join(this.rootfs, containerPath)];
  }

  private exists(containerPath: string): boolean {
    return this.candidates(containerPath).some((p) => fs.existsSync(p));
  }

  /** Index of the mount that holds a container path, or -1 for the root file system. */
  private holderOf(containerPath: string): number {
    for (let i = this.mounts.length - 1; i >= 0; i--) if (isUnder(containerPath, this.mounts[i].target)) return i;
    return -1;
  }

  private ensureMountPoint(target: string, isDir: boolean): void {
    if (this.exists(target)) return;
    let ancestor = path.dirname(target);
    while (!this.exists(ancestor)) ancestor = path.dirname(ancestor);
    const holder = this.holderOf(ancestor);
    const m = holder >= 0 ? this.mounts[holder] : undefined;
    let base: string;
    if (!m) base = path.join(this.rootfs, target);
    else if (m.kind === 'bind' && m.writable) base = path.join(m.source!, path.relative(m.target, target));
    else if (m.kind === 'overlay') base = path.join(m.upper!, path.relative(m.target, target));
    else {
      const layer = path.join(this.scratch, `overlay-${this.overlays++}`);
      fs.mkdirSync(path.join(layer, 'upper'), { recursive: true });
      fs.mkdirSync(path.join(layer, 'work'), { recursive: true });
      // After the mount that holds the ancestor, before anything mounted below it (an overlay would hide it).
      let at = holder + 1;
      while (at < this.mounts.length && !strictlyUnder(this.mounts[at].target, ancestor)) at++;
      this.mounts.splice(at, 0, { kind: 'overlay', target: ancestor, upper: path.join(layer, 'upper'), work: path.join(layer, 'work'), readOnly: true });
      base = path.join(layer, 'upper', path.relative(ancestor, target));
    }
    if (isDir) fs.mkdirSync(base, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(base), { recursive: true });
      fs.writeFileSync(base, '');
    }
  }
}

export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export interface Identity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly supplementalGroups: readonly number[];
  readonly noNewPrivileges: boolean;
  readonly dropAllCapabilities: boolean;
}

/** setpriv arguments that drop root for the container's user. */
export function setprivArgs(identity: Identity): string[] {
  return [
    'setpriv',
    `--reuid=${identity.runAsUser}`,
    `--regid=${identity.runAsGroup}`,
    identity.supplementalGroups.length ? `--groups=${identity.supplementalGroups.join(',')}` : '--clear-groups',
    ...(identity.noNewPrivileges ? ['--no-new-privs'] : []),
    ...(identity.dropAllCapabilities ? ['--inh-caps=-all', '--bounding-set=-all'] : []),
    '--',
  ];
}

export function envArgs(env: Readonly<Record<string, string>>): string[] {
  return ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`)];
}

/** The script PID 1 runs as root before it becomes the container's command. */
export function renderStartScript(rootfs: string, plan: MountPlan, options: { readOnlyRoot: boolean; workingDir: string; exec: readonly string[] }): string {
  const q = shellQuote;
  const at = (target: string) => q(path.join(rootfs, target));
  const lines = ['#!/bin/sh', 'set -eu', 'mount --make-rprivate /', `mount --bind ${q(rootfs)} ${q(rootfs)}`];
  for (const m of plan.mounts) {
    if (m.kind === 'proc') lines.push(`mount -t proc proc ${at(m.target)}`);
    else if (m.kind === 'tmpfs') lines.push(`mount -t tmpfs -o nosuid,nodev,mode=1777,size=64m tmpfs ${at(m.target)}`);
    else if (m.kind === 'overlay') {
      lines.push(`mount -t overlay overlay -o ${q(`lowerdir=${path.join(rootfs, m.target)},upperdir=${m.upper},workdir=${m.work}`)} ${at(m.target)}`);
      lines.push(`mount -o remount,bind,ro ${at(m.target)}`);
    } else {
      lines.push(`mount ${m.recursive ? '--rbind' : '--bind'} ${q(m.source!)} ${at(m.target)}`);
      if (m.readOnly) lines.push(`mount -o remount,bind,ro ${at(m.target)}`);
    }
  }
  lines.push(
    `mkdir -p ${at('/.oldroot')}`,
    `cd ${q(rootfs)}`,
    'pivot_root . .oldroot',
    'cd /',
    'umount -l /.oldroot',
    'rmdir /.oldroot',
    ...(options.readOnlyRoot ? ['mount -o remount,bind,ro /'] : []),
    `cd ${q(options.workingDir)}`,
    `exec ${options.exec.map(q).join(' ')}`,
  );
  return lines.join('\n') + '\n';
}

export interface ContainerLaunch {
  readonly name: string;
  /** Directory of this container's state (rootfs, scratch, log, script). */
  readonly dir: string;
  /** PID holding the pod's network, UTS and IPC namespaces. */
  readonly sandboxPid: number;
  readonly mounts: readonly MountRequest[];
  readonly identity: Identity;
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  readonly argv: readonly string[];
  readonly readOnlyRoot: boolean;
  readonly stopSignal: NodeJS.Signals;
}

/** A running container: PID 1 in its own namespaces. */
export class ContainerProcess {
  readonly daemon: Daemon;
  readonly startedAt = Date.now();
  private pid1?: number;

  constructor(readonly launch: ContainerLaunch) {
    const rootfs = path.join(launch.dir, 'rootfs');
    const scratch = path.join(launch.dir, 'scratch');
    fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
    fs.mkdirSync(scratch, { recursive: true });
    const plan = new MountPlan(rootfs, scratch);
    plan.add(launch.mounts);
    plan.ensureDirectory(launch.workingDir);
    const script = renderStartScript(rootfs, plan, {
      readOnlyRoot: launch.readOnlyRoot,
      workingDir: launch.workingDir,
      exec: [...setprivArgs(launch.identity), ...envArgs(launch.env), ...launch.argv],
    });
    const scriptFile = path.join(launch.dir, 'start.sh');
    fs.writeFileSync(scriptFile, script, { mode: 0o700 });
    const ns = (kind: string) => `--${kind}=/proc/${launch.sandboxPid}/ns/${kind}`;
    // As runc does for a container's stdio: owned by the container's user, so /proc/self/fd/2 (php-fpm's
    // error_log, nginx's /dev/stderr) can be reopened after the user change.
    const logFile = path.join(launch.dir, 'container.log');
    fs.writeFileSync(logFile, '');
    fs.chownSync(logFile, launch.identity.runAsUser, launch.identity.runAsGroup);
    this.daemon = new Daemon(
      ['nsenter', ns('net'), ns('uts'), ns('ipc'), '--', 'unshare', '--mount', '--pid', '--fork', '--kill-child=SIGKILL', '--', '/bin/sh', scriptFile],
      logFile,
    );
  }

  get name(): string {
    return this.launch.name;
  }

  /** The container's PID 1, as seen from the host. */
  async hostPid(): Promise<number> {
    if (this.pid1) return this.pid1;
    for (let i = 0; i < 200 && this.daemon.running; i++) {
      const kids = fs.existsSync(`/proc/${this.daemon.pid}/task/${this.daemon.pid}/children`)
        ? fs.readFileSync(`/proc/${this.daemon.pid}/task/${this.daemon.pid}/children`, 'utf8').trim()
        : '';
      if (kids) return (this.pid1 = Number(kids.split(/\s+/)[0]));
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`container ${this.name} has no PID 1 (exited: ${JSON.stringify(this.daemon.exitStatus)})\n${this.log()}`);
  }

  get running(): boolean {
    return this.daemon.running;
  }

  log(): string {
    return this.daemon.log();
  }

  /** Sends a signal to PID 1, from outside the container as the kubelet does. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    const pid = await this.hostPid();
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }

  /** Runs a command inside the container (kubectl exec), as the container's user with its environment. */
  async exec(argv: readonly string[], options: { env?: Readonly<Record<string, string>>; timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    const pid = await this.hostPid();
    return run(
      ['nsenter', `--target=${pid}`, '--mount', '--pid', '--net', '--uts', '--ipc', '--root', '--wd', '--', ...setprivArgs(this.launch.identity), ...envArgs({ ...this.launch.env, ...options.env }), ...argv],
      { timeoutMs: options.timeoutMs, input: options.input, stdioOwner: { uid: this.launch.identity.runAsUser, gid: this.launch.identity.runAsGroup, dir: this.launch.dir } },
    );
  }

  /** Memory of every process in the container, summed (kB): resident and proportional set sizes. */
  async memory(): Promise<{ rssKb: number; pssKb: number; processes: number }> {
    let rssKb = 0;
    let pssKb = 0;
    const procs = await this.processes();
    for (const { pid } of procs) {
      try {
        const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
        rssKb += Number(/^Rss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
        pssKb += Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
      } catch {
        // exited meanwhile
      }
    }
    return { rssKb, pssKb, processes: procs.length };
  }

  /** Host PIDs of every process in this container's PID namespace. */
  async processes(): Promise<Array<{ pid: number; comm: string; cmdline: string }>> {
    const pid1 = await this.hostPid();
    let ns: string;
    try {
      ns = fs.readlinkSync(`/proc/${pid1}/ns/pid`);
    } catch {
      return [];
    }
    const found: Array<{ pid: number; comm: string; cmdline: string }> = [];
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (fs.readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
        found.push({
          pid: Number(entry),
          comm: fs.readFileSync(`/proc/${entry}/comm`, 'utf8').trim(),
          cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim(),
        });
      } catch {
        // exited meanwhile
      }
    }
    return found;
  }
}

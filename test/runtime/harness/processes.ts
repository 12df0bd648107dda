/**
 * Child processes of the runtime harness. Every long-running process is started through
 * `setpriv --pdeathsig KILL`, so it dies with the jest worker that started it even when that worker is
 * killed; every one is stopped by its own PID, never by name.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunResult extends Exit {
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  readonly input?: string;
  /**
   * Capture stdout and stderr through files owned by this user instead of sockets, as a container
   * runtime hands a process its stdio: the process may reopen /dev/stderr or /proc/self/fd/2.
   */
  readonly stdioOwner?: { readonly uid: number; readonly gid: number; readonly dir: string };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Kill (SIGKILL) after this many milliseconds; the result then has signal SIGKILL. */
  readonly timeoutMs?: number;
}

/** Runs a command to completion and returns its output; never throws for a non-zero exit. */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  if (options.stdioOwner) return runWithFiles(argv, options, options.stdioOwner);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

let captures = 0;

function runWithFiles(argv: readonly string[], options: RunOptions, owner: NonNullable<RunOptions['stdioOwner']>): Promise<RunResult> {
  const base = `${owner.dir}/exec-${process.pid}-${++captures}`;
  const files = [`${base}.out`, `${base}.err`];
  const fds = files.map((f) => {
    const fd = fs.openSync(f, 'w+', 0o600);
    fs.fchownSync(fd, owner.uid, owner.gid);
    return fd;
  });
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', fds[0], fds[1]] });
    child.on('error', reject);
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const [stdout, stderr] = files.map((f) => fs.readFileSync(f, 'utf8'));
      fds.forEach((fd) => fs.closeSync(fd));
      files.forEach((f) => fs.rmSync(f, { force: true }));
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
  });
}

/** Runs a command that must succeed; throws with its output otherwise. */
export async function runOk(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const result = await run(argv, options);
  if (result.code !== 0) {
    throw new Error(`${argv.join(' ')} failed (${result.code ?? result.signal}):\n${result.stderr}${result.stdout}`);
  }
  return result.stdout;
}

/** A process that outlives the call that started it, its output appended to a log file. */
export class Daemon {
  public readonly pid: number;
  public readonly exited: Promise<Exit>;
  private exit?: Exit;
  private readonly child: ChildProcess;

  constructor(
    argv: readonly string[],
    public readonly logFile: string,
    options: { readonly env?: NodeJS.ProcessEnv; readonly cwd?: string } = {},
  ) {
    const fd = fs.openSync(logFile, 'a');
    // pdeathsig: the process dies with this jest worker, even on SIGKILL.
    this.child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...argv], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', fd, fd],
    });
    fs.closeSync(fd);
    if (this.child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
    this.pid = this.child.pid;
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  get exitStatus(): Exit | undefined {
    return this.exit;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) process.kill(this.pid, signal);
  }

  /** The log so far. */
  log(): string {
    return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
  }

  /** SIGKILL and wait. */
  async kill(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

/** Host PIDs of a process's direct children. */
export function childrenOf(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The promise's value, or undefined when it takes longer than `ms` (the timer is cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Thrown by a `waitFor` check to stop waiting at once (the awaited thing can no longer happen). */
export class GiveUp extends Error {}

/**
 * Polls until `check` returns a value other than undefined/false. The bound is a safety net against a
 * hung setup, not an assertion about speed.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30000);
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}${last ? `: ${(last as Error).message ?? last}` : ''}`);
    await sleep(options.intervalMs ?? 100);
  }
}

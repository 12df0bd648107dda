/**
 * Replaces the output folder's contents (or, with `only`, some of its sub-folders) so that an interrupted
 * write is never seen as a mix of old and new. `dist/` itself stays a real directory (it is committed to
 * git and copied into GitOps repositories); its folders are swapped through a journal:
 *
 *   1. lock: create the journal folder (beside the output, same file system) with the owner's pid;
 *   2. stage: write every new file under `<journal>/new/`;
 *   3. commit: write `<journal>/commit.json` (the list of folders to swap) in one rename: before this
 *      point a recovery rolls back (deletes the journal, the output was never touched), after it a
 *      recovery rolls forward;
 *   4. swap: per folder, move the old one to `<journal>/old/` and the new one into place;
 *   5. clean up: delete `<journal>/old/`, then the journal.
 *
 * Every step is one file system call, and each is safe to be killed after: the next write (or
 * `recoverOutput`) finds the journal and completes or rolls back the interrupted one before anything
 * else, so after it every folder is entirely the old or entirely the new tree, and nothing is left behind.
 * An atomic exchange of two directories (renameat2 RENAME_EXCHANGE) would close the instant between the
 * two renames of one folder's swap, but Node does not offer it; within that instant the folder is held
 * complete in the journal. Test hooks (environment): PEMBAYARAN_KILL_AT_WRITE_STEP=<n> sends the process
 * SIGKILL just before step n; PEMBAYARAN_TRACE_WRITE_STEPS=1 prints each step to stderr.
 */
import * as fs from 'fs';
import * as path from 'path';
import { RenderedFiles } from './render';

/** The output cannot be written as asked; nothing was changed. */
export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

export interface WriteOptions {
  /** Journal folder; on the output's file system. @default `<parent of outdir>/.<name of outdir>.journal` */
  readonly journal?: string;
  /** Shown in messages for the output folder. @default outdir relative to the working directory */
  readonly label?: string;
  /**
   * Also remove the previous writer's `<folder>.old-<pid>` leftovers inside the output (synth's dist/, where
   * no environment folder has a dot in its name). @default true
   */
  readonly cleanLegacy?: boolean;
}

interface Commit {
  readonly folders: ReadonlyArray<{ readonly folder: string; readonly hasNew: boolean }>;
}

const COMMIT = 'commit.json';
const OWNER = 'owner.json';

/** The journal folder of an output folder, when none is given. */
export function defaultJournal(outdir: string): string {
  const absolute = path.resolve(outdir);
  return path.join(path.dirname(absolute), `.${path.basename(absolute)}.journal`);
}

/** Counts and optionally kills or traces the mutating file system calls (see the file comment). */
class Steps {
  private count = 0;
  private readonly killAt = Number(process.env.PEMBAYARAN_KILL_AT_WRITE_STEP || 0);
  private readonly trace = process.env.PEMBAYARAN_TRACE_WRITE_STEPS === '1';

  run<T>(description: string, call: () => T): T {
    this.count++;
    if (this.trace) process.stderr.write(`write step ${this.count}: ${description}\n`);
    if (this.count === this.killAt) process.kill(process.pid, 'SIGKILL');
    return call();
  }
}

/**
 * Writes `files` (paths relative to `outdir`, `/`-separated) as the new content of `outdir`, or with
 * `only` of those sub-folders of it (a folder listed without files is removed). Finishes or rolls back
 * an interrupted earlier write first. Throws OutputError, having changed nothing, when the output cannot
 * be written (a file where a folder should be, a read-only folder, another write in progress).
 */
export function writeOutput(outdir: string, files: RenderedFiles, only?: readonly string[], options: WriteOptions = {}): void {
  const root = path.resolve(outdir);
  const journal = path.resolve(options.journal ?? defaultJournal(root));
  const label = options.label ?? displayPath(root);
  const steps = new Steps();
  recoverOutput(outdir, options, steps);
  // A folder that already holds exactly its new files is left alone: re-running synth after a change to
  // one environment rewrites that environment's folder (and Argo CD's), not every folder.
  const byFolder = filesByFolder(files);
  const folders = managedFolders(root, files, byFolder, only).filter((folder) => !folderHolds(root, folder, files, byFolder));
  if (folders.length === 0) return;
  const changed = new Set(folders);
  checkWritable(root, journal, folders, label);

  lock(journal, steps, label);
  try {
    // Folders made for the staged files: one check each, not one per file.
    const made = new Set<string>();
    for (const [file, content] of files) {
      if (!changed.has(file.slice(0, file.indexOf('/')))) continue;
      const target = path.join(journal, 'new', ...file.split('/'));
      const dir = path.dirname(target);
      if (!made.has(dir)) {
        makeDirs(dir, steps);
        made.add(dir);
      }
      steps.run(`write ${file}`, () => fs.writeFileSync(target, content));
    }
  } catch (err) {
    rollBack(journal, steps);
    throw err;
  }
  const commit: Commit = { folders: folders.map((folder) => ({ folder, hasNew: fs.existsSync(path.join(journal, 'new', ...folder.split('/'))) })) };
  const pending = path.join(journal, `${COMMIT}.tmp`);
  steps.run('write the commit record', () => fs.writeFileSync(pending, JSON.stringify(commit)));
  steps.run('commit', () => fs.renameSync(pending, path.join(journal, COMMIT)));
  rollForward(root, journal, commit, steps);
}

/**
 * Completes or rolls back an interrupted write of `outdir`, if its journal is there; removes the
 * leftovers of the previous writer (`.<name>-next-*`, `<folder>.old-<pid>`). Returns what it did, or
 * undefined when there was nothing to recover.
 */
export function recoverOutput(outdir: string, options: WriteOptions = {}, steps = new Steps()): Recovery | undefined {
  const root = path.resolve(outdir);
  const journal = path.resolve(options.journal ?? defaultJournal(root));
  cleanLegacyLeftovers(root, steps, options.cleanLegacy ?? true);
  if (!fs.existsSync(journal)) return undefined;
  const owner = liveOwner(journal);
  if (owner !== undefined) {
    throw new OutputError(`${options.label ?? displayPath(root)}: another write (pid ${owner}) is in progress (its journal is ${displayPath(journal)}); try again when it has finished`);
  }
  const commitFile = path.join(journal, COMMIT);
  const staged = fs.existsSync(path.join(journal, 'new')) || fs.existsSync(path.join(journal, 'old'));
  if (!staged && !fs.existsSync(commitFile)) {
    // Killed before it staged anything, or after it had cleaned up all but the journal folder itself.
    removeTree(journal, steps);
    return undefined;
  }
  if (fs.existsSync(commitFile)) {
    const commit = JSON.parse(fs.readFileSync(commitFile, 'utf8')) as Commit;
    rollForward(root, journal, commit, steps);
    return { action: 'completed', folders: commit.folders.map((f) => f.folder) };
  }
  rollBack(journal, steps);
  return { action: 'rolled back', folders: [] };
}

/** What recovery did: finished the interrupted write (those folders now hold its output) or undid it. */
export interface Recovery {
  readonly action: 'completed' | 'rolled back';
  readonly folders: readonly string[];
}

/** Whether an interrupted write left a journal that `recoverOutput` (or the next write) must finish. */
export function pendingJournal(outdir: string, options: WriteOptions = {}): string | undefined {
  const journal = path.resolve(options.journal ?? defaultJournal(outdir));
  return fs.existsSync(journal) ? journal : undefined;
}

function rollForward(root: string, journal: string, commit: Commit, steps: Steps): void {
  for (const { folder, hasNew } of commit.folders) {
    const source = path.join(journal, 'new', ...folder.split('/'));
    const target = path.join(root, ...folder.split('/'));
    const retired = path.join(journal, 'old', ...folder.split('/'));
    const newPending = hasNew && fs.existsSync(source);
    if (!newPending && hasNew) continue; // already in place
    if (fs.lstatSync(target, { throwIfNoEntry: false })) {
      if (fs.existsSync(retired)) throw new OutputError(`${displayPath(target)} and its retired copy ${displayPath(retired)} both exist; something else wrote there during the swap: resolve it by hand`);
      makeDirs(path.dirname(retired), steps);
      steps.run(`retire ${folder}`, () => fs.renameSync(target, retired));
    }
    if (newPending) {
      makeDirs(path.dirname(target), steps);
      steps.run(`move in ${folder}`, () => fs.renameSync(source, target));
    }
  }
  removeTree(path.join(journal, 'old'), steps);
  removeTree(path.join(journal, 'new'), steps);
  steps.run('remove the owner record', () => fs.rmSync(path.join(journal, OWNER), { force: true }));
  steps.run('remove the commit record', () => fs.rmSync(path.join(journal, COMMIT), { force: true }));
  removeTree(journal, steps);
}

function rollBack(journal: string, steps: Steps): void {
  removeTree(journal, steps);
}

/** Creates the journal folder as a lock; an existing one belongs to a live writer (recovery ran just before). */
function lock(journal: string, steps: Steps, label: string): void {
  try {
    steps.run('create the journal', () => fs.mkdirSync(journal));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new OutputError(`${label}: another write is in progress (its journal is ${displayPath(journal)}); try again when it has finished`);
    throw err;
  }
  steps.run('record the owner', () => fs.writeFileSync(path.join(journal, OWNER), JSON.stringify({ pid: process.pid, start: startTime(process.pid) })));
}

/** The pid of the process that owns a journal, if it still runs. */
function liveOwner(journal: string): number | undefined {
  let owner: { pid?: number; start?: string };
  try {
    owner = JSON.parse(fs.readFileSync(path.join(journal, OWNER), 'utf8'));
  } catch {
    return undefined; // killed before it recorded itself
  }
  if (typeof owner.pid !== 'number' || owner.pid === process.pid) return undefined;
  const start = startTime(owner.pid);
  if (start !== undefined) return start === owner.start ? owner.pid : undefined;
  if (fs.existsSync('/proc/self/stat')) return undefined; // /proc works and the pid is gone
  try {
    process.kill(owner.pid, 0);
    return owner.pid;
  } catch {
    return undefined;
  }
}

/** A process's start time from /proc (so a recycled pid is not taken for the owner), where /proc exists. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Whether `root/folder` is a real folder holding exactly the files of `files` under `folder/` (regular files, same bytes), and nothing else. */
function folderHolds(root: string, folder: string, files: RenderedFiles, byFolder: ReadonlyMap<string, readonly string[]>): boolean {
  const prefix = `${folder}/`;
  const expected = byFolder.get(folder) ?? [];
  const dir = path.join(root, ...folder.split('/'));
  const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
  if (expected.length === 0 || !stat?.isDirectory()) return false;
  const present: string[] = [];
  const walk = (relative: string): boolean => {
    const entries = fs.readdirSync(path.join(dir, relative), { withFileTypes: true });
    if (entries.length === 0) return false;
    for (const entry of entries) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!walk(name)) return false;
      } else if (entry.isFile()) {
        present.push(`${prefix}${name}`);
      } else {
        return false;
      }
    }
    return true;
  };
  if (!walk('') || present.length !== expected.length) return false;
  return present.every((file) => files.has(file) && fs.readFileSync(path.join(root, ...file.split('/')), 'utf8') === files.get(file));
}

/** Every folder a file is in (its parent, that folder's parent, ...) → the files under it: one pass for all folders. */
function filesByFolder(files: RenderedFiles): Map<string, string[]> {
  const byFolder = new Map<string, string[]>();
  for (const file of files.keys()) {
    for (let slash = file.indexOf('/'); slash > 0; slash = file.indexOf('/', slash + 1)) {
      const folder = file.slice(0, slash);
      const list = byFolder.get(folder);
      if (list) list.push(file);
      else byFolder.set(folder, [file]);
    }
  }
  return byFolder;
}

/** The folders a write replaces: `only`, or every entry of the output and every folder of the new files. */
function managedFolders(root: string, files: RenderedFiles, byFolder: ReadonlyMap<string, readonly string[]>, only?: readonly string[]): string[] {
  if (only) {
    const folders = only.map((f) => f.replace(/\/+$/, ''));
    const covered = new Set(folders.flatMap((f) => byFolder.get(f) ?? []));
    for (const file of files.keys()) {
      if (!covered.has(file)) throw new Error(`internal error: ${file} is outside the folders being replaced (${folders.join(', ')})`);
    }
    return [...new Set(folders)].sort();
  }
  const existing = fs.statSync(root, { throwIfNoEntry: false })?.isDirectory() ? fs.readdirSync(root) : [];
  return [...new Set([...existing, ...[...files.keys()].map((f) => f.split('/')[0])])].sort();
}

/** Refuses an output path that is not a folder and cannot become one (a file, or a file on the way). */
export function checkOutputFolder(outdir: string, label = displayPath(path.resolve(outdir))): void {
  const root = path.resolve(outdir);
  const stat = statIfAny(root);
  if (stat && !stat.isDirectory()) throw new OutputError(`${label}: is ${describeEntry(stat)}, not a folder; refusing to replace it (nothing was written)`);
  if (!stat) nearestExisting(root, label);
}

/** Refuses, before anything is touched, an output that cannot be written completely. */
export function checkWritable(root: string, journal: string, folders: readonly string[], label: string): void {
  checkOutputFolder(root, label);
  const base = nearestExisting(root, label);
  const journalParent = nearestExisting(path.dirname(journal), displayPath(journal));
  const denied: string[] = [];
  const writable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.W_OK | fs.constants.X_OK);
    } catch (err) {
      denied.push(`${displayPath(p)} (${(err as NodeJS.ErrnoException).code})`);
    }
  };
  writable(base);
  writable(journalParent);
  if (fs.statSync(base).dev !== fs.statSync(journalParent).dev) {
    throw new OutputError(`${label}: the journal folder ${displayPath(journal)} must be on the same file system as the output (a rename cannot cross file systems)`);
  }
  for (const folder of folders) {
    const target = path.join(root, ...folder.split('/'));
    // Each folder on the way must be a folder (or absent), so the new one can be put in place.
    let dir = root;
    for (const segment of folder.split('/').slice(0, -1)) {
      dir = path.join(dir, segment);
      const s = fs.statSync(dir, { throwIfNoEntry: false });
      if (s && !s.isDirectory()) throw new OutputError(`${label}: ${displayPath(dir)} is ${describeEntry(s)}, but ${folder}/ must go inside it (nothing was written)`);
    }
    writable(nearestExisting(path.dirname(target), label));
    // Moving a folder out needs write access to it (its `..` entry changes) and to every folder emptied in it.
    if (fs.lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) walkDirs(target, writable);
  }
  if (denied.length > 0) {
    const shown = denied.length > 3 ? `${denied.slice(0, 3).join(', ')} and ${denied.length - 3} more` : denied.join(', ');
    throw new OutputError(`${label}: cannot write ${shown}; nothing was written`);
  }
}

/** stat, or undefined when nothing is there (also when a file sits where a folder on the way should be). */
function statIfAny(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function nearestExisting(p: string, label: string): string {
  let dir = p;
  for (;;) {
    const s = statIfAny(dir);
    if (s) {
      if (!s.isDirectory()) throw new OutputError(`${label}: ${displayPath(dir)} is ${describeEntry(s)}, not a folder (nothing was written)`);
      return dir;
    }
    dir = path.dirname(dir);
  }
}

function walkDirs(dir: string, visit: (dir: string) => void): void {
  visit(dir);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) walkDirs(path.join(dir, entry.name), visit);
}

function describeEntry(stat: fs.Stats): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a folder';
}

/** mkdir -p, one step per folder created. */
function makeDirs(dir: string, steps: Steps): void {
  const missing: string[] = [];
  for (let d = dir; !fs.existsSync(d); d = path.dirname(d)) missing.unshift(d);
  for (const d of missing) steps.run(`create ${d}`, () => fs.mkdirSync(d));
}

/** rm -r, one step per file or folder removed, children first; a missing tree is fine. */
function removeTree(target: string, steps: Steps): void {
  const stat = fs.lstatSync(target, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isDirectory()) {
    for (const entry of fs.readdirSync(target).sort()) removeTree(path.join(target, entry), steps);
    steps.run(`remove ${target}`, () => fs.rmdirSync(target));
  } else {
    steps.run(`remove ${target}`, () => fs.unlinkSync(target));
  }
}

/**
 * What the writer before the journal left when killed: `.<name>-next-*` staging folders beside the
 * output, `<name>.old-<pid>` retired trees beside it and `<folder>.old-<pid>` inside it. A retired output
 * whose output is missing (killed between its two renames) is put back.
 */
function cleanLegacyLeftovers(root: string, steps: Steps, inside: boolean): void {
  const parent = path.dirname(root);
  const name = path.basename(root);
  const dead = (pid: string) => startTime(Number(pid)) === undefined && fs.existsSync('/proc/self/stat');
  const entries = fs.existsSync(parent) ? fs.readdirSync(parent) : [];
  const retiredName = new RegExp(`^${escape(name)}\\.old-(\\d+)$`);
  for (const entry of entries.sort()) {
    const retired = retiredName.exec(entry);
    if (retired && dead(retired[1])) {
      if (!fs.existsSync(root)) steps.run(`restore ${entry}`, () => fs.renameSync(path.join(parent, entry), root));
      else removeTree(path.join(parent, entry), steps);
    } else if (entry.startsWith(`.${name}-next-`) && fs.statSync(path.join(parent, entry)).isDirectory()) {
      removeTree(path.join(parent, entry), steps);
    }
  }
  if (!inside || !fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) return;
  for (const entry of fs.readdirSync(root).sort()) {
    const retired = /\.old-(\d+)$/.exec(entry);
    if (retired && dead(retired[1]) && fs.statSync(path.join(root, entry)).isDirectory()) removeTree(path.join(root, entry), steps);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function displayPath(p: string): string {
  const relative = path.relative(process.cwd(), p);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : p;
}

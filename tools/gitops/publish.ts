/**
 * Publishes the synthesized manifests to a GitOps repository checkout as one commit: environment folders
 * and the Argo CD folder are replaced through the journal `npm run synth` uses (tools/synth/write.ts),
 * kept inside the checkout's git directory (so a read-only parent does not matter and nothing shows in
 * the working tree), staged, and committed with a message that summarises the change. No change, no commit.
 * A publish interrupted before its commit is completed by the next one.
 *
 * The commit uses the checkout's git identity (user.name, user.email; in CI set them with `git config`
 * or GIT_AUTHOR_* / GIT_COMMITTER_* variables). With none configured publish refuses rather than let git
 * guess one from the host name. Pushing is left to the caller (`git -C <checkout> push`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ConfigError, displayPath } from '../../lib/config/load';
import { recoverOutput, writeOutput, WriteOptions } from '../synth/write';
import { compareTrees, countsOf, Group, GroupChange, hasChanges, planCheckout, readCheckout, summaryLine } from './diff';

/** The checkout cannot be published to; nothing was written. */
export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishError';
  }
}

export interface PublishOptions {
  /** Top-level folder of a git working tree, without uncommitted changes. */
  readonly checkout: string;
  /** @default 'config' */
  readonly configDir?: string;
  /** Run the quality gate; findings throw GateError and nothing is written. @default true */
  readonly validate?: boolean;
}

export interface PublishResult {
  /** The new commit, or undefined when nothing changed. */
  readonly commit?: string;
  /** First line of the commit message (also set when nothing changed). */
  readonly subject: string;
  readonly message: string;
  readonly changes: readonly GroupChange[];
}

/** Where publish keeps its journal: inside the checkout's git directory, on the checkout's file system. */
export function publishJournal(checkout: string): WriteOptions {
  const gitDir = git(checkout, ['rev-parse', '--absolute-git-dir']).trim();
  return { journal: path.join(gitDir, 'pembayaran-publish.journal'), label: checkout, cleanLegacy: false };
}

export function publish(options: PublishOptions): PublishResult {
  const checkout = path.resolve(options.checkout);
  checkGitTopLevel(checkout);
  const journal = publishJournal(checkout);
  // A publish killed before its commit: finish its swap (so no folder stays half replaced), then undo its
  // uncommitted result in git's terms; this run publishes afresh and commits.
  const recovered = recoverOutput(checkout, journal);
  if (recovered?.action === 'completed') restoreFolders(checkout, recovered.folders);
  checkWorkTree(checkout);

  const plan = planCheckout({ checkout, configDir: options.configDir, validate: options.validate ?? true });
  checkFolders(checkout, plan.groups);
  const changes = compareTrees(readCheckout(checkout, plan.groups), plan);
  const subject = `${plan.appName}: ${summaryLine(changes)}`;
  const message = commitMessage(subject, changes);
  if (!hasChanges(changes)) return { subject, message, changes };

  // Files keyed by folder, so writeOutput swaps each managed folder (a removed environment's becomes empty).
  const folders = plan.groups.map((g) => g.folder);
  writeOutput(checkout, new Map(plan.files), folders, journal);
  for (const folder of folders) removeIfEmpty(checkout, folder);

  git(checkout, ['add', '--all']);
  if (!stagedChanges(checkout)) return { subject, message, changes };
  git(checkout, ['-c', 'user.useConfigOnly=true', 'commit', '--quiet', '--file=-'], message);
  return { commit: git(checkout, ['rev-parse', 'HEAD']).trim(), subject, message, changes };
}

/** Refuses anything but the top level of a git working tree. */
function checkGitTopLevel(checkout: string): void {
  if (!fs.statSync(checkout, { throwIfNoEntry: false })?.isDirectory()) throw new PublishError(`${checkout} is not a directory`);
  let top: string;
  try {
    top = git(checkout, ['rev-parse', '--show-toplevel']).trim();
  } catch {
    throw new PublishError(`${checkout} is not a git working tree`);
  }
  if (fs.realpathSync(top) !== fs.realpathSync(checkout)) {
    throw new PublishError(`${checkout} is inside the git working tree ${top}, not its top level: Argo CD paths start at the repository root`);
  }
}

/** Puts folders back as the last commit has them (tracked files restored, untracked ones removed). */
function restoreFolders(checkout: string, folders: readonly string[]): void {
  if (folders.length === 0) return;
  const tracked = tryGit(checkout, ['ls-tree', '--name-only', 'HEAD', '--', ...folders])?.split('\n').filter(Boolean) ?? [];
  tryGit(checkout, ['reset', '--quiet', '--', ...folders]);
  if (tracked.length) git(checkout, ['checkout', '--quiet', 'HEAD', '--', ...tracked]);
  git(checkout, ['clean', '-fdq', '--', ...folders]);
}

/** Refuses anything but the clean top level of a git working tree, on a branch, with a usable identity. */
export function checkWorkTree(checkout: string): void {
  checkGitTopLevel(checkout);
  if (git(checkout, ['status', '--porcelain', '--untracked-files=all']).trim() !== '') {
    throw new PublishError(`${checkout} has uncommitted changes; commit, stash or remove them first`);
  }
  try {
    git(checkout, ['symbolic-ref', '--quiet', 'HEAD']);
  } catch {
    const head = tryGit(checkout, ['rev-parse', '--short', 'HEAD'])?.trim();
    throw new PublishError(`${checkout} has a detached HEAD${head ? ` (at ${head})` : ''}: a commit there would be on no branch; check out the branch Argo CD reads (git switch <branch>) first`);
  }
  try {
    git(checkout, ['-c', 'user.useConfigOnly=true', 'var', 'GIT_COMMITTER_IDENT']);
  } catch {
    throw new PublishError(`no git identity for commits in ${checkout}: set user.name and user.email (git config) first`);
  }
}

/**
 * Refuses, before anything is written, managed folders publish cannot replace safely: one whose path
 * runs through a file of the checkout (named with the environment's config key), and one holding
 * git-ignored files, which the swap would delete with no copy in git to get them back.
 */
function checkFolders(checkout: string, groups: readonly Group[]): void {
  const problems: { file: string; path: string; message: string }[] = [];
  for (const group of groups) {
    const segments = group.folder.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const prefix = segments.slice(0, i).join('/');
      const stat = fs.lstatSync(path.join(checkout, ...prefix.split('/')), { throwIfNoEntry: false });
      if (stat && !stat.isDirectory()) {
        const what = stat.isSymbolicLink() ? 'a symbolic link' : 'a file';
        const message = `${JSON.stringify(group.folder)} cannot be written: ${path.join(checkout, prefix)} is ${what} in the checkout, not a folder`;
        if (group.file) problems.push({ file: group.file, path: 'argocd.path', message });
        else throw new PublishError(message);
        break;
      }
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const folders = groups.map((g) => g.folder).filter((f) => fs.existsSync(path.join(checkout, ...f.split('/'))));
  if (folders.length === 0) return;
  const ignored = git(checkout, ['ls-files', '--others', '--ignored', '--exclude-standard', '-z', '--', ...folders]).split('\0').filter(Boolean);
  if (ignored.length > 0) {
    const shown = ignored.slice(0, 5).map((f) => displayPath(path.join(checkout, f))).join(', ');
    throw new PublishError(
      `${shown}${ignored.length > 5 ? ` and ${ignored.length - 5} more` : ''} ${ignored.length === 1 ? 'is' : 'are'} ignored by git but inside a folder publish replaces; publishing would delete ${ignored.length === 1 ? 'it' : 'them'} with no copy in git: move ${ignored.length === 1 ? 'it' : 'them'} out of the folder first`,
    );
  }
}

/** Subject, then the objects of each changed environment, then the generator commit. */
export function commitMessage(subject: string, changes: readonly GroupChange[]): string {
  const body: string[] = [];
  for (const change of changes) {
    if (countsOf(change) === 'unchanged') continue;
    body.push(`${change.name} (${change.folder}/):`);
    for (const c of change.changed) body.push(`  changed ${c.label}`);
    for (const c of change.added) body.push(`  added ${c.label}`);
    for (const c of change.removed) body.push(`  removed ${c.label}`);
  }
  const source = sourceRevision();
  if (source) body.push('', `Generated-by: pembayaran-k8s ${source}`);
  return body.length ? `${subject}\n\n${body.join('\n')}\n` : `${subject}\n`;
}

/** Commit of this generator's repository, if it is one, marked when it has uncommitted changes. */
function sourceRevision(): string | undefined {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    if (path.dirname(dir) === dir) return undefined;
    dir = path.dirname(dir);
  }
  try {
    const head = git(dir, ['rev-parse', 'HEAD']).trim();
    const dirty = git(dir, ['status', '--porcelain', '--untracked-files=no']).trim() !== '';
    return dirty ? `${head} (with uncommitted changes)` : head;
  } catch {
    return undefined;
  }
}

function stagedChanges(checkout: string): boolean {
  try {
    git(checkout, ['diff', '--cached', '--quiet']);
    return false;
  } catch {
    return true;
  }
}

function removeIfEmpty(root: string, folder: string): void {
  let dir = path.join(root, ...folder.split('/'));
  while (dir !== root && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) {
    fs.rmdirSync(dir);
    dir = path.dirname(dir);
  }
}

function tryGit(cwd: string, args: readonly string[]): string | undefined {
  try {
    return git(cwd, args);
  } catch {
    return undefined;
  }
}

function git(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', input, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
}

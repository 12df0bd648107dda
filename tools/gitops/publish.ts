/**
 * Publishes the synthesized manifests to a GitOps repository checkout as one commit: environment folders
 * and the Argo CD folder are replaced in one step each (temporary folder + rename, as `npm run synth`),
 * staged, and committed with a message that summarises the change. No change, no commit.
 *
 * The commit uses the checkout's git identity (user.name, user.email; in CI set them with `git config`
 * or GIT_AUTHOR_* / GIT_COMMITTER_* variables). With none configured publish refuses rather than let git
 * guess one from the host name. Pushing is left to the caller (`git -C <checkout> push`).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { writeOutput } from '../synth/write';
import { compareTrees, countsOf, GroupChange, hasChanges, planCheckout, readCheckout, summaryLine } from './diff';

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

export function publish(options: PublishOptions): PublishResult {
  const checkout = path.resolve(options.checkout);
  checkWorkTree(checkout);

  const plan = planCheckout({ checkout, configDir: options.configDir, validate: options.validate ?? true });
  const changes = compareTrees(readCheckout(checkout, plan.groups), plan);
  const subject = `${plan.appName}: ${summaryLine(changes)}`;
  const message = commitMessage(subject, changes);
  if (!hasChanges(changes)) return { subject, message, changes };

  // Files keyed by folder, so writeOutput swaps each managed folder (a removed environment's becomes empty).
  const folders = plan.groups.map((g) => g.folder);
  writeOutput(checkout, new Map(plan.files), folders);
  for (const folder of folders) removeIfEmpty(checkout, folder);

  git(checkout, ['add', '--all']);
  if (!stagedChanges(checkout)) return { subject, message, changes };
  git(checkout, ['-c', 'user.useConfigOnly=true', 'commit', '--quiet', '--file=-'], message);
  return { commit: git(checkout, ['rev-parse', 'HEAD']).trim(), subject, message, changes };
}

/** Refuses anything but the clean top level of a git working tree with a usable identity. */
export function checkWorkTree(checkout: string): void {
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
  if (git(checkout, ['status', '--porcelain', '--untracked-files=all']).trim() !== '') {
    throw new PublishError(`${checkout} has uncommitted changes; commit, stash or remove them first`);
  }
  try {
    git(checkout, ['-c', 'user.useConfigOnly=true', 'var', 'GIT_COMMITTER_IDENT']);
  } catch {
    throw new PublishError(`no git identity for commits in ${checkout}: set user.name and user.email (git config) first`);
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

function git(cwd: string, args: readonly string[], input?: string): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', input, env: process.env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/**
 * What a publish would change in a GitOps checkout: a fresh in-memory synth of every environment,
 * laid out as the Argo CD Applications read it (each environment in its `argocd.path` folder, the Argo CD
 * objects in `argocd/`), compared file by file with what the checkout holds.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ARGOCD_CHART_ID, environmentPath } from '../../charts/argocd-chart';
import { findEnvironmentFiles, loadEnvironmentFiles } from '../../lib/config/load';
import { synthesize } from '../synth/synthesize';

/** One managed folder of the checkout: an environment, the Argo CD folder, or a removed environment's. */
export interface Group {
  /** Environment name, `argocd`, or for a folder no environment writes any more, the folder. */
  readonly name: string;
  /** Folder relative to the checkout root, `/`-separated. */
  readonly folder: string;
  /** The environment's config file, for an environment's folder. */
  readonly file?: string;
}

/** The files a publish would leave in the managed folders, keyed by `/`-separated checkout path. */
export interface Plan {
  readonly appName: string;
  /** Environments (config order), then folders no environment writes any more, then `argocd`. */
  readonly groups: readonly Group[];
  readonly files: ReadonlyMap<string, string>;
}

export interface PlanOptions {
  /** GitOps checkout whose Argo CD folder names previously published environment folders. */
  readonly checkout: string;
  /** @default 'config' */
  readonly configDir?: string;
  /** Run the quality gate (throws GateError on findings). @default true */
  readonly validate?: boolean;
}

export interface ObjectChange {
  /** Checkout path of the file. */
  readonly file: string;
  /** `Kind/name` of the object in the file, or the file name if it holds none. */
  readonly label: string;
  readonly before?: string;
  readonly after?: string;
}

export interface GroupChange extends Group {
  readonly added: readonly ObjectChange[];
  readonly removed: readonly ObjectChange[];
  readonly changed: readonly ObjectChange[];
}

/** Synthesizes every environment of `configDir` into the checkout's layout (nothing is written). */
export function planCheckout(options: PlanOptions): Plan {
  const configDir = options.configDir ?? 'config';
  // findEnvironmentFiles refuses an empty folder: an empty plan would empty every folder, and Argo CD
  // would then delete every environment.
  const loaded = loadEnvironmentFiles(findEnvironmentFiles(configDir).map((f) => path.resolve(f)));
  const configs = loaded.map((l) => l.config);
  const result = synthesize({ configDir, outdir: '<in memory>', dryRun: true, validate: options.validate ?? true });
  const folderOf = new Map<string, string>([[ARGOCD_CHART_ID, ARGOCD_CHART_ID], ...configs.map((c) => [c.name, environmentPath(c)] as [string, string])]);
  const files = new Map<string, string>();
  for (const [file, content] of result.files) {
    const [chart, ...rest] = file.split('/');
    const folder = folderOf.get(chart);
    if (folder === undefined) throw new Error(`synth wrote ${file}, outside every environment folder`);
    files.set(`${folder}/${rest.join('/')}`, content);
  }
  const current = new Set(folderOf.values());
  const stale = publishedFolders(options.checkout).filter((f) => !current.has(f));
  const groups: Group[] = [
    ...loaded.map((l) => ({ name: l.config.name, folder: environmentPath(l.config), file: l.file })),
    ...stale.map((folder) => ({ name: folder, folder })),
    { name: ARGOCD_CHART_ID, folder: ARGOCD_CHART_ID },
  ];
  return { appName: configs[0]?.appName ?? 'pembayaran', groups, files: sortMap(files) };
}

/**
 * Environment folders the checkout's Argo CD folder points at: after an environment is removed from the
 * config, its old folder is still known (and emptied by publish) through its previous Application.
 */
export function publishedFolders(checkout: string): string[] {
  const dir = path.join(checkout, ARGOCD_CHART_ID);
  if (!fs.existsSync(dir)) return [];
  const folders = new Set<string>();
  for (const entry of fs.readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(entry)) continue;
    let documents: unknown[];
    try {
      documents = yaml.loadAll(fs.readFileSync(path.join(dir, entry), 'utf8'));
    } catch {
      continue;
    }
    for (const doc of documents as any[]) {
      const folder = doc?.kind === 'Application' ? doc.spec?.source?.path : undefined;
      if (typeof folder === 'string' && isSafeFolder(folder)) folders.add(folder.replace(/\/+$/, ''));
    }
  }
  return [...folders].sort();
}

function isSafeFolder(folder: string): boolean {
  const segments = folder.replace(/\/+$/, '').split('/');
  return !folder.startsWith('/') && segments.every((s) => s !== '' && s !== '.' && s !== '..') && segments[0] !== ARGOCD_CHART_ID;
}

/** Every file under the groups' folders, keyed by `/`-separated checkout path. */
export function readCheckout(checkout: string, groups: readonly Group[]): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (relative: string) => {
    const absolute = path.join(checkout, ...relative.split('/'));
    const stat = fs.lstatSync(absolute, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(absolute).sort()) visit(`${relative}/${entry}`);
    } else {
      files.set(relative, fs.readFileSync(absolute, 'utf8'));
    }
  };
  for (const group of groups) visit(group.folder);
  return sortMap(files);
}

/** Added, removed and changed files of each group, between what the checkout holds and the plan. */
export function compareTrees(current: ReadonlyMap<string, string>, plan: Plan): GroupChange[] {
  return plan.groups.map((group) => {
    const inGroup = (file: string) => file.startsWith(`${group.folder}/`);
    const added: ObjectChange[] = [];
    const removed: ObjectChange[] = [];
    const changed: ObjectChange[] = [];
    for (const [file, after] of plan.files) {
      if (!inGroup(file)) continue;
      const before = current.get(file);
      if (before === undefined) added.push({ file, label: labelOf(file, after), after });
      else if (before !== after) changed.push({ file, label: labelOf(file, after), before, after });
    }
    for (const [file, before] of current) {
      if (inGroup(file) && !plan.files.has(file)) removed.push({ file, label: labelOf(file, before), before });
    }
    return { ...group, added, removed, changed };
  });
}

/** Reads the checkout and compares it with the plan. */
export function diffCheckout(options: PlanOptions): { plan: Plan; changes: GroupChange[] } {
  const plan = planCheckout(options);
  return { plan, changes: compareTrees(readCheckout(options.checkout, plan.groups), plan) };
}

export function hasChanges(changes: readonly GroupChange[]): boolean {
  return changes.some((c) => c.added.length + c.removed.length + c.changed.length > 0);
}

/** `2 changed, 1 added`, or `unchanged`. */
export function countsOf(change: GroupChange): string {
  const parts = [
    change.changed.length ? `${change.changed.length} changed` : '',
    change.added.length ? `${change.added.length} added` : '',
    change.removed.length ? `${change.removed.length} removed` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'unchanged';
}

/** One line: `production 2 changed, 1 added; staging unchanged; argocd unchanged`. */
export function summaryLine(changes: readonly GroupChange[]): string {
  return changes.map((c) => `${c.name} ${countsOf(c)}`).join('; ');
}

/** The objects of each group, one per line: `~` changed, `+` added, `-` removed. */
export function formatSummary(changes: readonly GroupChange[]): string {
  const lines: string[] = [];
  for (const change of changes) {
    lines.push(`${change.name} (${change.folder}/): ${countsOf(change)}`);
    const entries = [
      ...change.changed.map((c) => ({ mark: '~', c })),
      ...change.added.map((c) => ({ mark: '+', c })),
      ...change.removed.map((c) => ({ mark: '-', c })),
    ].sort((a, b) => (a.c.file < b.c.file ? -1 : a.c.file > b.c.file ? 1 : 0));
    for (const { mark, c } of entries) lines.push(`  ${mark} ${c.label}`);
  }
  return lines.join('\n') + '\n';
}

/** The summary, then a unified diff per changed file; added and removed files are listed, not printed. */
export function formatReport(changes: readonly GroupChange[], context = 3): string {
  let out = formatSummary(changes);
  for (const change of changes) {
    for (const c of change.changed) {
      out += `\n--- a/${c.file}\n+++ b/${c.file}\n${unifiedDiff(c.before!, c.after!, context)}`;
    }
  }
  return out;
}

/** `Kind/name` of the (first) object of a manifest file. */
function labelOf(file: string, text: string): string {
  try {
    const doc = yaml.load(text) as any;
    if (doc && typeof doc.kind === 'string' && typeof doc.metadata?.name === 'string') return `${doc.kind}/${doc.metadata.name}`;
  } catch {
    // not YAML: fall back to the file name
  }
  return file;
}

type Edit = { op: ' ' | '-' | '+'; line: string };

/** Line edits from `a` to `b`: a longest common subsequence, removals before additions. */
export function lineEdits(a: readonly string[], b: readonly string[]): Edit[] {
  // Common head and tail are cut first, so a small change in a large file stays cheap.
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const x = a.slice(start, endA);
  const y = b.slice(start, endB);
  const lcs: number[][] = Array.from({ length: x.length + 1 }, () => new Array<number>(y.length + 1).fill(0));
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const edits: Edit[] = a.slice(0, start).map((line) => ({ op: ' ', line }));
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    if (i < x.length && j < y.length && x[i] === y[j]) {
      edits.push({ op: ' ', line: x[i] });
      i++;
      j++;
    } else if (j >= y.length || (i < x.length && lcs[i + 1][j] >= lcs[i][j + 1])) {
      edits.push({ op: '-', line: x[i++] });
    } else {
      edits.push({ op: '+', line: y[j++] });
    }
  }
  for (const line of a.slice(endA)) edits.push({ op: ' ', line });
  return edits;
}

/** Hunks (`@@ -l,n +l,n @@`) with `context` unchanged lines around each change. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const split = (s: string) => (s === '' ? [] : (s.endsWith('\n') ? s.slice(0, -1) : s).split('\n'));
  const edits = lineEdits(split(before), split(after));
  const changed = edits.map((e, k) => (e.op !== ' ' ? k : -1)).filter((k) => k >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context windows touch into hunks.
  const hunks: [number, number][] = [];
  for (const k of changed) {
    const from = Math.max(0, k - context);
    const to = Math.min(edits.length - 1, k + context);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1] + 1) last[1] = to;
    else hunks.push([from, to]);
  }
  let out = '';
  for (const [from, to] of hunks) {
    let lineA = 1;
    let lineB = 1;
    for (let k = 0; k < from; k++) {
      if (edits[k].op !== '+') lineA++;
      if (edits[k].op !== '-') lineB++;
    }
    const slice = edits.slice(from, to + 1);
    const countA = slice.filter((e) => e.op !== '+').length;
    const countB = slice.filter((e) => e.op !== '-').length;
    out += `@@ -${countA ? lineA : lineA - 1},${countA} +${countB ? lineB : lineB - 1},${countB} @@\n`;
    for (const e of slice) out += `${e.op}${e.line}\n`;
  }
  return out;
}

function sortMap(map: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

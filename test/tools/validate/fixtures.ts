/** Test helpers: the hardened fixture set and the failing-fixture mutations applied to it. */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { loadManifests, Manifest } from '../../../tools/k8s/manifests';

export const FIXTURES = path.join(__dirname, 'fixtures');
export const HARDENED = path.join(FIXTURES, 'hardened');
export const FAILING = path.join(FIXTURES, 'failing');

/** The hardened set, each object deep-copied so tests may mutate it; `file` is relative to fixtures/hardened. */
export function hardened(): Manifest[] {
  return loadManifests([HARDENED]).map((m) => ({ file: path.relative(HARDENED, m.file), object: JSON.parse(JSON.stringify(m.object)) }));
}

export interface FailingFixture {
  readonly name: string;
  readonly rule: string;
  readonly message: string;
  readonly set?: Record<string, Record<string, unknown>>;
  readonly unset?: Record<string, string[]>;
  readonly add?: Record<string, unknown>;
  readonly remove?: string[];
}

export function failingFixtures(): FailingFixture[] {
  return fs
    .readdirSync(FAILING)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f, ...(yaml.load(fs.readFileSync(path.join(FAILING, f), 'utf8')) as Omit<FailingFixture, 'name'>) }));
}

/** `spec.a[0]["x.y/z"]` -> ['spec', 'a', 0, 'x.y/z'] */
export function parsePath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]|\["([^"]+)"\]/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < p.length && (m = re.exec(p))) out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : m[3]));
  if (re.lastIndex !== p.length) throw new Error(`bad path ${p}`);
  return out;
}

export function setPath(obj: any, p: string, value: unknown): void {
  const keys = parsePath(p);
  let cur = obj;
  keys.slice(0, -1).forEach((k, i) => {
    if (cur[k] === undefined) cur[k] = typeof keys[i + 1] === 'number' ? [] : {};
    cur = cur[k];
  });
  cur[keys[keys.length - 1]] = value;
}

export function unsetPath(obj: any, p: string): void {
  const keys = parsePath(p);
  let cur = obj;
  for (const k of keys.slice(0, -1)) cur = cur?.[k];
  if (cur === undefined) throw new Error(`path ${p} not found`);
  delete cur[keys[keys.length - 1]];
}

/** `{ repeat: "x", times: n }` in a fixture stands for a string of n copies (a value too large to write out). */
function expand(value: unknown): unknown {
  const v = value as { repeat?: unknown; times?: unknown };
  if (v && typeof v === 'object' && typeof v.repeat === 'string' && typeof v.times === 'number') return v.repeat.repeat(v.times);
  return value;
}

/** The hardened set with the fixture's mutations applied. */
export function applyFixture(fixture: FailingFixture): Manifest[] {
  let manifests = hardened();
  const byFile = (file: string) => {
    const m = manifests.find((x) => x.file === file);
    if (!m) throw new Error(`${fixture.name}: no hardened object in ${file}`);
    return m.object;
  };
  for (const [file, paths] of Object.entries(fixture.set ?? {})) for (const [p, v] of Object.entries(paths)) setPath(byFile(file), p, expand(v));
  for (const [file, paths] of Object.entries(fixture.unset ?? {})) for (const p of paths) unsetPath(byFile(file), p);
  for (const [file, object] of Object.entries(fixture.add ?? {})) manifests.push({ file, object: object as Manifest['object'] });
  for (const file of fixture.remove ?? []) manifests = manifests.filter((m) => m.file !== file);
  return manifests;
}

/**
 * The suite attacks the synth command: fast-check mutates the shipped configs (deleted keys, other types,
 * extreme numbers, unicode and long strings, YAML tags and aliases, invalid names and CIDRs,
 * secret-shaped values) and every case must end in one of two ways:
 * - success: the quality gate (Kubernetes schema, name, label and number rules, Pod Security, policy)
 *   passed on what was written;
 * - refusal: at least one `file: key.path: message` line, no crash, and the output byte-identical.
 * Synthesis runs in-process for speed; a sample of the same cases then goes through the real command.
 * The seed is fixed (PEMBAYARAN_FC_SEED and PEMBAYARAN_FC_RUNS explore further); a failure prints the
 * minimal config fast-check shrank it to.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { ConfigError, displayPath, formatProblem } from '../../lib/config/load';
import { GateError, synthesize } from '../../tools/synth/synthesize';
import { defaultJournal } from '../../tools/synth/write';
import { PROBLEM_LINE, ROOT, runSynth, snapshotTree, STACK_FRAME } from '../helpers';

const SEED = Number(process.env.PEMBAYARAN_FC_SEED ?? 20251201);
const RUNS = Number(process.env.PEMBAYARAN_FC_RUNS ?? 250);
const CLI_SAMPLE = 6;

const ENVIRONMENTS = ['production', 'staging'] as const;
const shipped = Object.fromEntries(ENVIRONMENTS.map((e) => [e, yaml.load(fs.readFileSync(path.join(ROOT, 'config', `${e}.yaml`), 'utf8'))])) as Record<string, any>;

type Segment = string | number;
/** Every path of a document: the places a mutation can hit. */
function pathsOf(node: unknown, at: Segment[] = [], out: Segment[][] = []): Segment[][] {
  out.push(at);
  if (Array.isArray(node)) node.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (node && typeof node === 'object') for (const [k, v] of Object.entries(node)) pathsOf(v, [...at, k], out);
  return out;
}
const PATHS = Object.fromEntries(ENVIRONMENTS.map((e) => [e, pathsOf(shipped[e]).slice(1)]));

/** Values Kubernetes, YAML or a secret scanner care about, and plain garbage. */
const SPECIAL_STRINGS = [
  '', ' ', 'UPPER', 'with space', '9starts', 'a'.repeat(64), 'b'.repeat(254), 'a..b', '-lead', 'trail-', '_x', 'x.', 'argocd', 'kube-system', 'latest',
  '999.999.999.999/99', '010.020.000.000/24', '10.0.0.5/24', '10.0.0.0/33', '0.0.0.0/0', '::1/200', '10.0.0.1', '*',
  'mysql://root:pw@mysql.internal/db', 'redis://:pw@redis:6379', 'https://u:p@host.example.com', 'https://host.example.com', 'http://h:8080/p@x',
  'sk_live_51HabcdefghijklmnopQRST', 'AKIAIOSFODNN7EXAMPLE', `ghp_${'a'.repeat(36)}`, 'xoxb-1234567890-abcdefghij',
  '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '../escape', '/abs', 'Asia/Nowhere', '500Mi', '1K', '250m', '* * * * *', '61 * * * *', 'Tama-nui-te-rā', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'ünïcødé', '\u0000', 'line\nbreak', 'tab\there',
];
const SPECIAL_NUMBERS = [0, -1, 1, 2, 63, 64, 65535, 65536, 2147483647, 2147483648, -2147483649, 2 ** 53 + 2, 1e308, -1e308, 0.5, NaN, Infinity, -Infinity];
/** Strings that YAML reads as something else: tags the core schema does not know, or tagged scalars. */
const YAML_TAGS = ['!!binary aGVsbG8=', '!!timestamp 2001-12-14', '!custom value', '!!js/function "function () {}"', '!!str 123', '!!int "12"', '!!float 1.5', '!!null ""', '!!set {a, b}', '!!omap [a: 1]'];

const scalar = fc.oneof(
  fc.constantFrom(...SPECIAL_STRINGS),
  fc.constantFrom(...SPECIAL_NUMBERS),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'x'.repeat(n)),
  fc.integer(),
  fc.double(),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('name', 'cidr', 'namespace', 'x', 'Bad Key', 'app.kubernetes.io/name'), scalar, { maxKeys: 3 }) },
);

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'add'; at: number; key: string; value: unknown }
  | { op: 'alias'; at: number; from: number }
  | { op: 'tag'; at: number; tag: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), value }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom('replicaz', 'namespace', 'cidr', 'podLabels', 'except', 'env', 'DB_PASS', 'Bad Key'), fc.string({ maxLength: 10 })), value }),
  fc.record({ op: fc.constant('alias' as const), at: fc.nat(), from: fc.nat() }),
  fc.record({ op: fc.constant('tag' as const), at: fc.nat(), tag: fc.constantFrom(...YAML_TAGS) }),
);
const attack = fc.record({ environment: fc.constantFrom(...ENVIRONMENTS), mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }) });
type Attack = { environment: string; mutations: Mutation[] };

/** The YAML text of a shipped config with the mutations applied (aliases kept as YAML aliases). */
function render(attackCase: Attack): string {
  const doc = structuredClone(shipped[attackCase.environment]);
  const paths = PATHS[attackCase.environment];
  const tags: string[] = [];
  const parentOf = (at: Segment[]) => at.slice(0, -1).reduce<any>((n, s) => (n !== null && typeof n === 'object' ? n[s] : undefined), doc);
  const get = (at: Segment[]) => at.reduce<any>((n, s) => (n !== null && typeof n === 'object' ? n[s] : undefined), doc);
  for (const m of attackCase.mutations) {
    const at = paths[m.at % paths.length];
    const parent = parentOf(at);
    if (parent === null || typeof parent !== 'object') continue;
    const key = at[at.length - 1];
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (m.op === 'set') {
      parent[key] = m.value;
    } else if (m.op === 'add') {
      const target = get(at);
      if (target && typeof target === 'object' && !Array.isArray(target)) target[m.key] = m.value;
      else if (Array.isArray(target)) target.push(m.value);
    } else if (m.op === 'alias') {
      const source = get(paths[m.from % paths.length]);
      if (source !== undefined && source !== parent) parent[key] = source;
    } else {
      parent[key] = `__TAG_${tags.length}__`;
      tags.push(m.tag);
    }
  }
  let text: string;
  try {
    text = yaml.dump(doc, { noRefs: false, lineWidth: -1 });
  } catch {
    text = yaml.dump(JSON.parse(JSON.stringify(doc)), { lineWidth: -1 }); // a cycle made by an alias: drop the aliases
  }
  return tags.reduce((t, tag, i) => t.replace(new RegExp(`(['"]?)__TAG_${i}__\\1`), tag), text);
}

let work: string;
let outdir: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'property-'));
  outdir = path.join(work, 'dist');
  expect(runSynth(['--outdir', outdir]).status).toBe(0);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Why a case broke the contract, or undefined when it kept it. */
function judge(file: string, outcome: { error?: unknown }, before: Record<string, string>): string | undefined {
  const { error } = outcome;
  if (error === undefined) return fs.existsSync(defaultJournal(outdir)) ? 'a journal was left behind after a success' : undefined;
  const after = snapshotTree(outdir);
  if (JSON.stringify(after) !== JSON.stringify(before)) return 'refused, but the output folder changed';
  let lines: string[];
  if (error instanceof ConfigError) lines = error.problems.map(formatProblem);
  else if (error instanceof GateError) lines = error.message.split('\n');
  else return `crashed instead of refusing: ${(error as Error)?.stack ?? String(error)}`;
  const own = lines.filter((l) => l.startsWith(`${displayPath(file)}: `) && PROBLEM_LINE.test(l));
  if (own.length === 0) return `refused without a "file: key.path: message" line:\n${(error as Error).message}`;
  const long = lines.find((l) => l.length > 1000);
  if (long) return `a message line of ${long.length} characters`;
  return undefined;
}

describe('the synth command under attack (property-based, fast-check)', () => {
  test(`${RUNS} mutated configs: each one either synthesizes output the gate passes, or is refused with file and key, output untouched`, () => {
    let runs = 0;
    const outcomes = { synthesized: 0, refusedByConfig: 0, refusedByGate: 0 };
    fc.assert(
        fc.property(attack, (attackCase) => {
          const text = render(attackCase);
          const file = path.join(work, `attack-${++runs}.yaml`);
          fs.writeFileSync(file, text);
          const before = snapshotTree(outdir);
          let error: unknown;
          try {
            synthesize({ configFiles: [file], outdir });
          } catch (err) {
            error = err;
          }
          const broken = judge(file, { error }, before);
          outcomes[error === undefined ? 'synthesized' : error instanceof GateError ? 'refusedByGate' : 'refusedByConfig']++;
          if (broken) throw new Error(`${broken}\n--- the config (minimal after shrinking) ---\n${text.length > 6000 ? `${text.slice(0, 6000)}\n...` : text}`);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: false, verbose: 0 },
      );
    // The attack reaches every stage: some mutations are harmless, some only the gate can catch.
    expect(outcomes.synthesized).toBeGreaterThan(RUNS / 20);
    expect(outcomes.refusedByConfig).toBeGreaterThan(RUNS / 4);
  }, 120_000);

  test(`a sample of ${CLI_SAMPLE} of the same attacks through the real command keeps the contract`, () => {
    const cases = fc.sample(attack, { seed: SEED, numRuns: CLI_SAMPLE });
    let refusals = 0;
    cases.forEach((attackCase, i) => {
      const file = path.join(work, `cli-attack-${i}.yaml`);
      fs.writeFileSync(file, render(attackCase));
      const before = snapshotTree(outdir);
      const result = runSynth(['--config', file, '--outdir', outdir], { cwd: work });
      expect(result.stderr).not.toMatch(STACK_FRAME);
      expect(result.stderr).not.toMatch(/synth failed|internal error/);
      expect(fs.existsSync(defaultJournal(outdir))).toBe(false);
      if (result.status === 0) return;
      refusals++;
      expect(result.status).toBe(1);
      expect(result.stderr.split('\n').filter((l) => l.startsWith(`cli-attack-${i}.yaml: `) && PROBLEM_LINE.test(l)).length).toBeGreaterThan(0);
      expect(snapshotTree(outdir)).toEqual(before);
    });
    expect(refusals).toBeGreaterThan(0);
  }, 120_000);
});

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AJV_OPTIONS, PRECOMPILED_FILE, SchemaValidator, findSchemasDir } from '../../../tools/validate/schema';
import { applyFixture, failingFixtures, hardened } from './fixtures';

const ROOT = path.join(__dirname, '..', '..', '..');
const SCHEMAS = findSchemasDir(__dirname);
const GENERATOR = path.join(ROOT, 'scripts', 'gen-validators.js');

describe('precompiled schema validators (schemas/validators.generated.js)', () => {
  test('the precompiled validators are generated from the committed schemas', () => {
    // step (b) of gen:schemas only: reads schemas/, never the reference folder
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gen-validators-'));
    try {
      const out = path.join(tmp, PRECOMPILED_FILE);
      execFileSync(process.execPath, [GENERATOR, '--schemas', SCHEMAS, '--out', out], { cwd: ROOT, encoding: 'utf8' });
      const fresh = fs.readFileSync(out);
      const committed = fs.readFileSync(path.join(SCHEMAS, PRECOMPILED_FILE));
      // not toEqual on 1.4 MB buffers: a mismatch would print both
      expect(fresh.equals(committed) ? 'current' : 'stale: run node scripts/gen-validators.js').toBe('current');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('the generator compiles with the run-time Ajv options (apart from code generation settings)', () => {
    const { AJV_OPTIONS: generator } = require(GENERATOR);
    const strip = (o: any) => ({ ...o, code: undefined });
    expect(strip(generator)).toEqual(strip(AJV_OPTIONS));
    expect(generator.code).toMatchObject({ source: true });
  });

  test('every kind of the hardened set is precompiled (the gate compiles nothing for the project output)', () => {
    const exported = Object.keys(require(path.join(SCHEMAS, PRECOMPILED_FILE)));
    const kinds = [...new Set(hardened().map((m) => `${m.object.apiVersion} ${m.object.kind}`))];
    expect(kinds.filter((k) => !exported.includes(k))).toEqual([]);
  });

  test('precompiled and run-time compiled validators report the same issues', () => {
    const precompiled = new SchemaValidator(SCHEMAS);
    const runtime = new SchemaValidator(SCHEMAS, { precompiled: false });
    const cases: unknown[] = [];
    // every failing fixture, then systematic damage to each hardened object: an unknown field in every
    // mapping, every key removed, every value replaced by values of other types
    for (const f of failingFixtures()) cases.push(...applyFixture(f).map((m) => m.object));
    const wrong: unknown[] = [true, 'x', -1.5, null, { zz: 1 }, [1]];
    for (const { object } of hardened()) {
      const nodes: { at: (string | number)[]; mapping: boolean }[] = [];
      const walk = (node: unknown, at: (string | number)[]) => {
        const isObject = node !== null && typeof node === 'object';
        nodes.push({ at, mapping: isObject && !Array.isArray(node) });
        if (isObject) for (const [k, v] of Object.entries(node)) walk(v, [...at, Array.isArray(node) ? Number(k) : k]);
      };
      walk(object, []);
      const mutate = (at: (string | number)[], fn: (parent: any, key: string | number) => void) => {
        const copy = JSON.parse(JSON.stringify(object));
        let parent = copy;
        for (const k of at.slice(0, -1)) parent = parent[k];
        fn(parent, at[at.length - 1]);
        cases.push(copy);
      };
      for (const { at, mapping } of nodes) {
        if (mapping) mutate([...at, 'zzUnknown'], (p, k) => (p[k] = 1));
        if (!at.length) continue;
        mutate(at, (p, k) => (Array.isArray(p) ? p.splice(Number(k), 1) : delete p[k]));
        for (const v of wrong) mutate(at, (p, k) => (p[k] = v));
      }
    }
    let withIssues = 0;
    for (const c of cases) {
      const expected = runtime.validate(c);
      if (expected.length) withIssues++;
      expect(precompiled.validate(c)).toEqual(expected);
    }
    expect(withIssues).toBeGreaterThan(1000);
  });
});

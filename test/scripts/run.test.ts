/**
 * The fast path every command runs through (scripts/run.js, scripts/bundle.js), exercised on a copy of the
 * project: what `npm run synth` runs is always built from the sources as they are, and never type-checked.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers';

/** A copy of the project's files (tracked and new, not ignored) with the project's node_modules linked in. */
function copyProject(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'run-test-'));
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)) && !fs.lstatSync(path.join(ROOT, f)).isSymbolicLink());
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(fs.realpathSync(path.join(ROOT, 'node_modules')), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function run(dir: string, command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, SYNTH_TRACE: '1', CDK8S_OUTDIR: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const synth = (dir: string, outdir: string, ...extra: string[]) => run(dir, 'npm', ['run', '--silent', 'synth', '--', '--outdir', outdir, ...extra]);
const traceOf = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('run: '));
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');

describe('scripts/run.js: the fast path of npm run synth', () => {
  let project: string;
  let out: string;
  beforeAll(() => {
    project = copyProject();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'run-test-out-'));
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('after npm ci (its prepare step), the first synth finds the bundle and its code cache: nothing is built or compiled', () => {
    const prepared = run(project, 'npm', ['run', '--silent', 'prepare']);
    expect(prepared.status).toBe(0);
    expect(fs.existsSync(path.join(project, 'build/bundle/main.code-cache'))).toBe(true);
    const first = synth(project, path.join(out, 'first'));
    expect(first.status).toBe(0);
    expect(traceOf(first.stderr)).toEqual([expect.stringMatching(/^run: main\.ts: bundle up to date \(\d+ inputs checked/), 'run: code cache used']);
    // The same bytes as the committed dist/.
    expect(read(path.join(out, 'first'), 'production/deployment-pembayaran-web.yaml')).toBe(read(ROOT, 'dist/production/deployment-pembayaran-web.yaml'));
  });

  test('editing a construct in lib/ and re-running npm run synth uses the edit', () => {
    const file = path.join(project, 'lib/core/app-context.ts');
    const source = fs.readFileSync(file, 'utf8');
    const edited = source.replace("'app.kubernetes.io/managed-by': 'cdk8s'", "'app.kubernetes.io/managed-by': 'cdk8s-edited'");
    expect(edited).not.toBe(source);
    fs.writeFileSync(file, edited);
    const result = synth(project, path.join(out, 'edited'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)[0]).toBe('run: main.ts: building the bundle (lib/core/app-context.ts changed)');
    expect(read(path.join(out, 'edited'), 'production/deployment-pembayaran-web.yaml')).toContain('app.kubernetes.io/managed-by: cdk8s-edited');
    // And back: the previous bundle is not reused by mistake either.
    fs.writeFileSync(file, source);
    expect(synth(project, path.join(out, 'reverted')).status).toBe(0);
    expect(read(path.join(out, 'reverted'), 'production/deployment-pembayaran-web.yaml')).toBe(read(ROOT, 'dist/production/deployment-pembayaran-web.yaml'));
  });

  test('an edit that keeps the size and the modification time is still seen (content hash of recently modified files)', () => {
    const file = path.join(project, 'lib/core/app-context.ts');
    const source = fs.readFileSync(file, 'utf8');
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, source.replace("'cdk8s'", "'CDK8S'"));
    fs.utimesSync(file, mtime, mtime);
    const result = synth(project, path.join(out, 'same-stat'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)[0]).toBe('run: main.ts: building the bundle (lib/core/app-context.ts changed)');
    expect(read(path.join(out, 'same-stat'), 'production/deployment-pembayaran-web.yaml')).toContain('app.kubernetes.io/managed-by: CDK8S');
    fs.writeFileSync(file, source);
  });

  test('a new file in a source folder rebuilds (it can change what an import resolves to)', () => {
    fs.writeFileSync(path.join(project, 'lib/core/unused-helper.ts'), 'export const UNUSED = 1;\n');
    const result = synth(project, path.join(out, 'new-file'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)[0]).toBe('run: main.ts: building the bundle (files were added to or removed from lib/core/)');
    fs.rmSync(path.join(project, 'lib/core/unused-helper.ts'));
  });

  test('synth transpiles without type-checking: a type error does not stop it (npm test and npm run typecheck catch it)', () => {
    const file = path.join(project, 'lib/core/defaults.ts');
    const source = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${source}\nexport const NOT_A_NUMBER: number = 'a string';\n`);
    const result = synth(project, path.join(out, 'type-error'));
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'type-error/production/deployment-pembayaran-web.yaml'))).toBe(true);
    fs.writeFileSync(file, source);
  });

  test('a syntax error is one line per problem (file:line:column), exit 1, output untouched', () => {
    const target = path.join(out, 'first');
    const before = read(target, 'production/deployment-pembayaran-web.yaml');
    const file = path.join(project, 'lib/core/defaults.ts');
    const source = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `${source}\nexport const BROKEN = ;\n`);
    const result = synth(project, target);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter((l) => !l.startsWith('run: ') && l)).toEqual([expect.stringMatching(/^lib\/core\/defaults\.ts:\d+:\d+: Unexpected ";"$/)]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(read(target, 'production/deployment-pembayaran-web.yaml')).toBe(before);
    fs.writeFileSync(file, source);
  });

  test('without build/ at all (a clone whose npm ci skipped scripts), the first synth builds the bundle and runs', () => {
    fs.rmSync(path.join(project, 'build'), { recursive: true, force: true });
    const result = synth(project, path.join(out, 'no-build'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)).toEqual(['run: main.ts: building the bundle (no record of a current build)', 'run: no code cache yet: writing it after this run']);
    const again = synth(project, path.join(out, 'no-build'));
    expect(traceOf(again.stderr)).toContain('run: code cache used');
  });
});

describe('the bundles of the npm scripts', () => {
  const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
  const entries = [...new Set(Object.values(scripts).flatMap((command) => [...command.matchAll(/node scripts\/run\.js (?:--prepare )?(\S+\.ts)/g)].map((m) => m[1])))];

  test('every TypeScript command goes through the runner', () => {
    expect(entries).toEqual(expect.arrayContaining(['main.ts', 'tools/validate/cli.ts', 'tools/connectivity/cli.ts', 'tools/bench.ts']));
    expect(Object.values(scripts).filter((c) => /build\/|ts-node|tsc -p \. &&/.test(c) && !c.includes('jest'))).toEqual([]);
  });

  // In a bundle every module shares one `module`, so a `require.main === module` guard in any bundled module
  // but the entry would run that module's command too (publish printed diff's usage error).
  test.each(entries)('%s bundles no other command (its main guard would fire)', (entry) => {
    const { BUILD_OPTIONS } = require(path.join(ROOT, 'scripts/bundle.js'));
    const result = require('esbuild').buildSync({ ...BUILD_OPTIONS, absWorkingDir: ROOT, entryPoints: [entry], outfile: path.join(os.tmpdir(), 'unused.js'), metafile: true, write: false });
    const guarded = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules') && /require\.main === module/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(guarded.filter((f) => f !== entry)).toEqual([]);
  });
});

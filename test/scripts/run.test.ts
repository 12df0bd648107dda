/**
 * The fast path every command runs through (scripts/run.js, scripts/bundle.js, and for `npm run synth` the
 * startup snapshot scripts/synth.sh starts), exercised on a copy of the project: what `npm run synth` runs
 * is always built from the sources as they are, and never type-checked.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, snapshotTree } from '../helpers';

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
const SNAPSHOT_UP_TO_DATE = 'run: main.ts: startup snapshot up to date';
const SNAPSHOT_WRITTEN = 'run: startup snapshot written: build/bundle/main.snapshot.blob';
const staleSnapshot = (reason: string) => `run: main.ts: startup snapshot stale (${reason}): running without it`;

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

  test('after npm ci (its prepare step), the first synth starts from the startup snapshot: nothing is built or compiled', () => {
    const prepared = run(project, 'npm', ['run', '--silent', 'prepare']);
    expect(prepared.status).toBe(0);
    expect(prepared.stdout).toContain('prepared build/bundle/main.js and its code cache and its startup snapshot');
    expect(fs.existsSync(path.join(project, 'build/bundle/main.code-cache'))).toBe(true);
    const first = synth(project, path.join(out, 'first'));
    expect(first.status).toBe(0);
    expect(traceOf(first.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    // The same bytes as the committed dist/, every file.
    expect(snapshotTree(path.join(out, 'first'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
    // And the runner without the snapshot (what a stale blob hands over to) finds its bundle and code cache.
    const direct = run(project, 'node', ['scripts/run.js', 'main.ts', '--outdir', path.join(out, 'direct')]);
    expect(traceOf(direct.stderr)).toEqual([expect.stringMatching(/^run: main\.ts: bundle up to date \(\d+ inputs checked/), 'run: code cache used']);
    expect(snapshotTree(path.join(out, 'direct'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
  });

  test('editing a construct in lib/ and re-running npm run synth uses the edit', () => {
    const file = path.join(project, 'lib/core/app-context.ts');
    const source = fs.readFileSync(file, 'utf8');
    const edited = source.replace("'app.kubernetes.io/managed-by': 'cdk8s'", "'app.kubernetes.io/managed-by': 'cdk8s-edited'");
    expect(edited).not.toBe(source);
    fs.writeFileSync(file, edited);
    const result = synth(project, path.join(out, 'edited'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)).toEqual([
      staleSnapshot('lib/core/app-context.ts changed'),
      'run: main.ts: building the bundle (lib/core/app-context.ts changed)',
      'run: no code cache yet: writing it after this run',
      SNAPSHOT_WRITTEN,
    ]);
    expect(read(path.join(out, 'edited'), 'production/deployment-pembayaran-web.yaml')).toContain('app.kubernetes.io/managed-by: cdk8s-edited');
    // The snapshot rebuilt after that run holds the edit.
    const again = synth(project, path.join(out, 'edited-again'));
    expect(traceOf(again.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    expect(snapshotTree(path.join(out, 'edited-again'))).toEqual(snapshotTree(path.join(out, 'edited')));
    // And back: neither the previous bundle nor the previous snapshot is reused by mistake.
    fs.writeFileSync(file, source);
    const reverted = synth(project, path.join(out, 'reverted'));
    expect(reverted.status).toBe(0);
    expect(traceOf(reverted.stderr)[0]).toBe(staleSnapshot('lib/core/app-context.ts changed'));
    expect(snapshotTree(path.join(out, 'reverted'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
    const fromSnapshot = synth(project, path.join(out, 'reverted-snapshot'));
    expect(traceOf(fromSnapshot.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    expect(snapshotTree(path.join(out, 'reverted-snapshot'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
  });

  test('an edit that keeps the size and the modification time is still seen (content hash of recently modified files)', () => {
    const file = path.join(project, 'lib/core/app-context.ts');
    const source = fs.readFileSync(file, 'utf8');
    const { mtime } = fs.statSync(file);
    fs.writeFileSync(file, source.replace("'cdk8s'", "'CDK8S'"));
    fs.utimesSync(file, mtime, mtime);
    const result = synth(project, path.join(out, 'same-stat'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr).slice(0, 2)).toEqual([staleSnapshot('lib/core/app-context.ts changed'), 'run: main.ts: building the bundle (lib/core/app-context.ts changed)']);
    expect(read(path.join(out, 'same-stat'), 'production/deployment-pembayaran-web.yaml')).toContain('app.kubernetes.io/managed-by: CDK8S');
    fs.writeFileSync(file, source);
  });

  test('a new file in a source folder rebuilds (it can change what an import resolves to)', () => {
    fs.writeFileSync(path.join(project, 'lib/core/unused-helper.ts'), 'export const UNUSED = 1;\n');
    const result = synth(project, path.join(out, 'new-file'));
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr).slice(0, 2)).toEqual([
      staleSnapshot('files were added to or removed from lib/core/'),
      'run: main.ts: building the bundle (files were added to or removed from lib/core/)',
    ]);
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
    expect(traceOf(result.stderr)).toEqual(['run: main.ts: building the bundle (no record of a current build)', 'run: no code cache yet: writing it after this run', SNAPSHOT_WRITTEN]);
    const again = synth(project, path.join(out, 'no-build'));
    expect(traceOf(again.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
  });

  test('a blob this node cannot start (built under other V8 flags, as by another node version) is run around and rebuilt', () => {
    const blob = path.join(project, 'build/bundle/main.snapshot.blob');
    const otherFlags = ['--no-opt', '--regexp-interpret-all', '--no-lazy-feedback-allocation'];
    const built = spawnSync(process.execPath, [...otherFlags, '--snapshot-blob', blob, '--build-snapshot', path.join(project, 'build/bundle/main.js')], { cwd: project, encoding: 'utf8' });
    expect(built.status).toBe(0);
    const result = synth(project, path.join(out, 'other-node'));
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('synth: this node cannot start the startup snapshot: running without it (rebuilt after this run)');
    expect(traceOf(result.stderr)).toContain(SNAPSHOT_WRITTEN);
    expect(snapshotTree(path.join(out, 'other-node'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
    expect(traceOf(synth(project, path.join(out, 'other-node-again')).stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
  });

  test('the snapshot reads the environment when it starts, not when it was built (CDK8S_OUTDIR, as the cdk8s CLI sets it)', () => {
    const outdir = path.join(out, 'from-env');
    const result = spawnSync('sh', ['scripts/synth.sh'], { cwd: project, encoding: 'utf8', env: { ...process.env, SYNTH_TRACE: '1', CDK8S_OUTDIR: outdir } });
    expect(result.status).toBe(0);
    expect(traceOf(result.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    // SYNTH_TRACE was off when the blob was built; its phase line is there all the same.
    expect(result.stderr).toMatch(/^synth: cpu ms: start and load [\d.]+, config /m);
    expect(snapshotTree(outdir)).toEqual(snapshotTree(path.join(ROOT, 'dist')));
  });

  test('a refusal from the snapshot is the same as without it: one line per problem, exit 1, no stack trace', () => {
    const config = path.join(out, 'bad.yaml');
    fs.writeFileSync(config, read(project, 'config/staging.yaml').replace(/^namespace: .*$/m, 'namespace: Not_Valid'));
    const fromSnapshot = synth(project, path.join(out, 'bad'), '--config', config);
    const direct = run(project, 'node', ['scripts/run.js', 'main.ts', '--outdir', path.join(out, 'bad'), '--config', config]);
    expect(traceOf(fromSnapshot.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    expect(fromSnapshot.status).toBe(1);
    expect(direct.status).toBe(1);
    const problems = (stderr: string) => stderr.split('\n').filter((l) => l && !l.startsWith('run: ') && !l.startsWith('synth: cpu ms'));
    expect(problems(fromSnapshot.stderr)).toEqual(problems(direct.stderr));
    expect(problems(fromSnapshot.stderr)[0]).toMatch(/bad\.yaml: namespace: /);
    expect(fromSnapshot.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(path.join(out, 'bad'))).toBe(false);
  });

  test('a synth that renders on several threads is handed to scripts/run.js (worker threads cannot start from a user snapshot)', () => {
    const configDir = path.join(out, 'many');
    fs.mkdirSync(configDir);
    const staging = read(project, 'config/staging.yaml');
    for (let i = 1; i <= 12; i++) {
      const name = `tenant-${String(i).padStart(2, '0')}`;
      fs.writeFileSync(path.join(configDir, `${name}.yaml`), staging.replace(/^name: .*$/m, `name: ${name}`).replace(/^namespace: .*$/m, `namespace: pembayaran-${name}`).replace(/^(\s+path: ).*$/m, `$1${name}`));
    }
    const parallel = synth(project, path.join(out, 'many-out'), '--config-dir', configDir, '--threads', '2');
    expect(parallel.status).toBe(0);
    expect(traceOf(parallel.stderr).slice(0, 2)).toEqual([SNAPSHOT_UP_TO_DATE, 'run: main.ts: worker threads needed: running without the snapshot']);
    expect(parallel.stderr).toContain('synth: 12 environments on 2 threads');
    const oneThread = synth(project, path.join(out, 'many-one'), '--config-dir', configDir, '--threads', '1');
    expect(traceOf(oneThread.stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    expect(snapshotTree(path.join(out, 'many-out'))).toEqual(snapshotTree(path.join(out, 'many-one')));
    expect(Object.keys(snapshotTree(path.join(out, 'many-out'))).filter((f) => f.endsWith('/namespace-pembayaran-tenant-12.yaml') || f.startsWith('tenant-12/')).length).toBeGreaterThan(0);
  });

  test('a checkout moved with its build/ folder does not run the snapshot of the old place', () => {
    const moved = fs.mkdtempSync(path.join(os.tmpdir(), 'run-test-moved-'));
    try {
      fs.cpSync(project, moved, { recursive: true, verbatimSymlinks: true });
      const result = synth(moved, path.join(out, 'moved'));
      expect(result.status).toBe(0);
      expect(traceOf(result.stderr)[0]).toBe(staleSnapshot(`the snapshot was built in ${fs.realpathSync(project)}`));
      expect(snapshotTree(path.join(out, 'moved'))).toEqual(snapshotTree(path.join(ROOT, 'dist')));
      expect(traceOf(synth(moved, path.join(out, 'moved-again')).stderr)).toEqual([SNAPSHOT_UP_TO_DATE]);
    } finally {
      fs.rmSync(moved, { recursive: true, force: true });
    }
  });
});

describe('scripts/synth.sh', () => {
  test('starts the blob under the flags scripts/run.js builds it with (node refuses any other)', () => {
    const { SNAPSHOT_FLAGS } = require(path.join(ROOT, 'scripts/run.js'));
    const launcher = fs.readFileSync(path.join(ROOT, 'scripts/synth.sh'), 'utf8');
    expect(/\bnode (.*) --snapshot-blob /.exec(launcher)?.[1]).toBe(SNAPSHOT_FLAGS.join(' '));
  });

  test('npm run synth and cdk8s.yaml both run it', () => {
    expect(JSON.parse(read(ROOT, 'package.json')).scripts.synth).toBe('sh scripts/synth.sh');
    expect(read(ROOT, 'cdk8s.yaml')).toMatch(/^app: sh scripts\/synth\.sh$/m);
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
    // scripts/run.js (bundled into main.ts for the startup snapshot) is CommonJS: esbuild gives it a module of its own, so its guard cannot fire.
    const guarded = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules') && f !== 'scripts/run.js' && /require\.main === module/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(guarded.filter((f) => f !== entry)).toEqual([]);
  });
});

/**
 * The package as a platform team gets it. From a copy of the project's files without build/ (a fresh
 * clone), `npm pack` builds the library (prepack) and packs it; the tarball is installed offline into a
 * temporary cdk8s TypeScript app whose other dependencies are the project's own node_modules (linked, no
 * network); the app's main.ts (test/package/consumer-app/main.ts, importing only the package root) is
 * type-checked by tsc against the installed types, synthesized, and the gate CLI runs over what it wrote.
 */
import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { ROOT } from '../helpers';

jest.setTimeout(600_000);

const PROJECT_MODULES = fs.realpathSync(path.join(ROOT, 'node_modules'));
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...env } });
}

function ok(result: SpawnSyncReturns<string>): SpawnSyncReturns<string> {
  if (result.status !== 0) throw new Error(`exit ${result.status}\n${result.stdout}\n${result.stderr}`);
  return result;
}

/** The project's tracked and new (not ignored) files, as a fresh clone has them, with node_modules linked in. */
function freshClone(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-clone-'));
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '--cached', '--others', '--exclude-standard', '-z'], { encoding: 'utf8' })
    .split('\0')
    .filter((f) => f && !f.startsWith('dist/') && fs.existsSync(path.join(ROOT, f)) && !fs.lstatSync(path.join(ROOT, f)).isSymbolicLink());
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(PROJECT_MODULES, path.join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Relative requires of a shipped script. */
function relativeRequires(source: string): string[] {
  return [...source.matchAll(/require\("(\.[^"]+)"\)/g)].map((m) => m[1]);
}

describe('the package, packed from a fresh clone', () => {
  let clone: string;
  let tarball: string;
  let contents: string[];
  let work: string;

  beforeAll(() => {
    clone = freshClone();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
    expect(fs.existsSync(path.join(clone, 'build'))).toBe(false);
    const packed = ok(run('npm', ['pack', '--json', '--pack-destination', work], clone));
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('[')));
    tarball = path.join(work, info.filename);
    contents = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
  });

  afterAll(() => {
    for (const dir of [clone, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('holds the library, its types and the runtime data; not tests, output, config, CI or scripts', () => {
    expect(contents).toEqual(expect.arrayContaining([
      'package.json', 'README.md', 'LICENSE',
      'build/lib/index.js', 'build/lib/index.d.ts', 'build/lib/config/schema.json', 'build/lib/config/validate-config.generated.js',
      'build/charts/pembayaran-chart.js', 'build/imports/k8s.d.ts', 'build/tools/validate/index.js',
      'schemas/index.json', 'schemas/k8s-1.28.json', 'schemas/validators.generated.js',
    ]));
    const forbidden = /^(test|dist|config|\.ci|scripts|examples|tools|lib|charts|imports|build\/test|build\/bundle|build\/examples|build\/tools\/(synth|gitops|connectivity))\/|\.tsbuildinfo|^main\.|^build\/main\./;
    expect(contents.filter((f) => forbidden.test(f))).toEqual([]);
    expect(contents.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  });

  test('every relative require of a shipped script resolves to a shipped file', () => {
    const shipped = new Set(contents);
    const missing: string[] = [];
    const extract = fs.mkdtempSync(path.join(work, 'extract-'));
    execFileSync('tar', ['-xzf', tarball, '-C', extract]);
    for (const file of contents.filter((f) => f.endsWith('.js') && f.startsWith('build/'))) {
      const source = fs.readFileSync(path.join(extract, 'package', file), 'utf8');
      for (const request of relativeRequires(source)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), request));
        if (![target, `${target}.js`, `${target}/index.js`].some((t) => shipped.has(t))) missing.push(`${file} -> ${request}`);
      }
    }
    expect(missing).toEqual([]);
  });

  test('package.json: publishable name and version, peer cdk8s and constructs, an exports map, no script hooked to npm publish', () => {
    const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
    expect(pkg.private).toBeUndefined();
    expect(pkg.name).toMatch(/^(@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/);
    expect(pkg.name.length).toBeLessThanOrEqual(214);
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    for (const peer of ['cdk8s', 'constructs']) {
      expect(pkg.peerDependencies[peer]).toMatch(/^\^\d+\.\d+\.\d+$/);
      expect(pkg.dependencies?.[peer]).toBeUndefined();
      expect(pkg.devDependencies[peer]).toBeDefined();
      // The range admits the version the project itself builds with.
      const [major, minor] = pkg.peerDependencies[peer].slice(1).split('.').map(Number);
      const installed = require(path.join(PROJECT_MODULES, peer, 'package.json')).version.split('.').map(Number);
      expect(installed[0] === major && installed[1] >= minor).toBe(true);
    }
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining(['.']));
    expect(Object.keys(pkg.exports).length).toBeLessThanOrEqual(4);
    for (const hook of ['publish', 'prepublish', 'prepublishOnly', 'postpublish', 'diff']) expect(pkg.scripts[hook]).toBeUndefined();
    expect(pkg.scripts['gitops:publish']).toContain('tools/gitops/publish-cli.ts');
    expect(pkg.scripts['gitops:diff']).toContain('tools/gitops/diff-cli.ts');
    expect(pkg).toEqual(expect.objectContaining({ name: PACKAGE.name, version: PACKAGE.version }));
  });

  test('npm publish --dry-run packs the library and does not run the GitOps tool', () => {
    const result = ok(run('npm', ['publish', '--dry-run'], clone));
    const output = result.stdout + result.stderr;
    expect(output).toContain(`${PACKAGE.name}@${PACKAGE.version}`);
    expect(output).toMatch(/\(dry-run\)/);
    expect(output).not.toMatch(/gitops|usage: npm run|checkout/i);
  });

  describe('installed offline into a cdk8s TypeScript app', () => {
    let app: string;
    beforeAll(() => {
      app = path.join(work, 'app');
      const installed = path.join(app, 'node_modules', PACKAGE.name);
      fs.mkdirSync(installed, { recursive: true });
      // What `npm install <tarball>` puts in node_modules: the package folder of the tarball.
      execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
      // The app's own dependencies (and the package's) from the project's node_modules: no network.
      for (const dep of ['cdk8s', 'constructs', 'typescript', 'ajv', 'js-yaml', '@types']) {
        fs.symlinkSync(path.join(PROJECT_MODULES, dep), path.join(app, 'node_modules', dep), 'dir');
      }
      fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'team-payments', private: true, dependencies: { [PACKAGE.name]: `file:${tarball}`, cdk8s: '*', constructs: '*' } }, null, 2));
      fs.writeFileSync(path.join(app, 'cdk8s.yaml'), 'language: typescript\napp: node main.js\n');
      fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', strict: true, types: ['node'], outDir: '.', rootDir: '.' }, files: ['main.ts'] }));
      fs.copyFileSync(path.join(__dirname, 'consumer-app', 'main.ts'), path.join(app, 'main.ts'));
    });

    test('the installed package carries no copy of cdk8s or constructs of its own', () => {
      expect(fs.existsSync(path.join(app, 'node_modules', PACKAGE.name, 'node_modules'))).toBe(false);
    });

    test('deep imports are closed by the exports map', () => {
      const result = run('node', ['-e', `require('${PACKAGE.name}/build/imports/k8s')`], app);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
    });

    test('main.ts (typed partial config, an extra pool, a sidecar, a Reverb-like workload joining the Laravel set, an env var on every Laravel container, a patch through a handle) type-checks against the installed types, synthesizes, and the gate passes on the output', () => {
      ok(run('node', [path.join(app, 'node_modules/typescript/bin/tsc'), '-p', '.'], app));
      // cdk8s-cli's synth runs the app of cdk8s.yaml with CDK8S_OUTDIR set (dist/ by default).
      ok(run('node', [path.join(PROJECT_MODULES, 'cdk8s-cli/bin/cdk8s'), 'synth'], app));
      const outdir = path.join(app, 'dist');
      expect(fs.readdirSync(outdir)).toEqual(['payments.k8s.yaml']);
      const objects = yaml.loadAll(fs.readFileSync(path.join(outdir, 'payments.k8s.yaml'), 'utf8')) as any[];
      const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
      const web = find('Deployment', 'pembayaran-web');
      expect(web.spec.progressDeadlineSeconds).toBe(900);
      expect(web.spec.template.spec.containers.map((c: any) => c.name)).toContain('statsd-exporter');
      expect(web.spec.template.spec.nodeSelector).toEqual({ 'node.example.com/pool': 'payments' });
      expect(find('Deployment', 'pembayaran-worker-reports').spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(900);
      expect(find('NetworkPolicy', 'pembayaran-allow-laravel-to-database').spec.podSelector.matchExpressions[0].values).toContain('reverb');
      for (const name of ['pembayaran-web', 'pembayaran-reverb', 'pembayaran-worker-reports']) {
        const prepare = find('Deployment', name).spec.template.spec.initContainers.find((c: any) => c.name === 'prepare');
        expect(prepare.env).toContainEqual({ name: 'FEATURE_FLAGS_URL', value: 'https://flags.internal.example.com' });
      }
      // The project's own gate CLI over the files the consumer wrote.
      const gate = run('node', [path.join(ROOT, 'scripts/run.js'), 'tools/validate/cli.ts', outdir], ROOT);
      expect(gate.stdout + gate.stderr).toMatch(/No findings in \d+ objects/);
      expect(gate.status).toBe(0);
    });
  });
});

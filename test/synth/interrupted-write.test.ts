/**
 * The output is never lost to a kill: the writer is killed with SIGKILL before each of its file system
 * calls in turn (its own step hook, not timing), and after every kill
 * - the output folder is exactly the old tree while the journal is not yet committed, and each folder is
 *   entirely old or entirely new afterwards (the one folder between its two renames is held, complete,
 *   in the journal);
 * - recovery alone gives exactly the old tree (killed before the commit) or exactly the new one (after);
 * - the next write gives exactly the new tree and leaves nothing behind, beside the output or inside it.
 * Then the same through the real command (`node scripts/run.js main.ts`, as `npm run synth` runs it), with `npm run validate` counting exactly
 * the synthesized objects, and through `npm run gitops:publish`.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultJournal } from '../../tools/synth/write';
import { ROOT, runCommand, runNode, runSynth, SHIPPED_ENVIRONMENTS, snapshotTree, withChanges } from '../helpers';

type Tree = Record<string, string>;

const DRIVER = path.join(__dirname, 'fixtures', 'write-driver.js');
let work: string;
beforeAll(() => (work = fs.mkdtempSync(path.join(os.tmpdir(), 'interrupted-write-'))));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function writeTree(dir: string, tree: Tree): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(tree)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

const topFolders = (tree: Tree) => new Set(Object.keys(tree).map((f) => f.split('/')[0]));
function folderOf(tree: Tree, folder: string): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([f]) => f.startsWith(`${folder}/`) || f === folder));
}

let jobs = 0;
function drive(job: object, env: Record<string, string> = {}) {
  const file = path.join(work, `job-${++jobs}.json`);
  fs.writeFileSync(file, JSON.stringify(job));
  return runNode(DRIVER, [file], { env });
}

/** The steps of a write, from the writer's own trace. */
function traceSteps(run: (env: Record<string, string>) => { stderr: string; status: number | null }): string[] {
  const result = run({ PEMBAYARAN_TRACE_WRITE_STEPS: '1' });
  expect(result.status).toBe(0);
  return result.stderr.split('\n').filter((l) => l.startsWith('write step ')).map((l) => l.replace(/^write step \d+: /, ''));
}

/**
 * After a kill: every top-level folder is the old or the new one, or (between its two renames) absent
 * with both copies complete in the journal; before the commit the whole tree is the old one.
 */
function expectWholeFolders(outdir: string, journal: string, old: Tree, next: Tree, committed: boolean): void {
  const now = snapshotTree(outdir);
  if (!committed) {
    expect(now).toEqual(old);
    return;
  }
  const inFlight: string[] = [];
  for (const folder of new Set([...topFolders(old), ...topFolders(next), ...topFolders(now)])) {
    const current = folderOf(now, folder);
    if (isEqual(current, folderOf(old, folder)) || isEqual(current, folderOf(next, folder))) continue;
    expect(Object.keys(current)).toEqual([]);
    const held = (side: string) => Object.fromEntries(Object.entries(snapshotTree(path.join(journal, side, folder))).map(([f, c]) => [`${folder}/${f}`, c]));
    expect(held('old')).toEqual(folderOf(old, folder));
    expect(held('new')).toEqual(folderOf(next, folder));
    inFlight.push(folder);
  }
  expect(inFlight.length).toBeLessThanOrEqual(1);
}

function isEqual(a: Tree, b: Tree): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
}

/** Nothing but the output folder itself is left beside it, nor any journal. */
function expectNoLeftovers(outdir: string, siblings: readonly string[]): void {
  expect(fs.readdirSync(path.dirname(outdir)).filter((f) => !siblings.includes(f)).sort()).toEqual([]);
}

describe('the writer, killed before each of its file system calls', () => {
  const old: Tree = {
    'production/deployment-web.yaml': 'replicas: 2\n',
    'production/service-web.yaml': 'port: 80\n',
    'production/configmap-old.yaml': 'stale: true\n',
    'staging/deployment-web.yaml': 'replicas: 1\n',
    'retired-env/deployment-web.yaml': 'replicas: 1\n',
    'argocd/application-production.yaml': 'path: production\n',
  };
  const next: Tree = {
    'production/deployment-web.yaml': 'replicas: 3\n',
    'production/service-web.yaml': 'port: 80\n',
    'production/configmap-new.yaml': 'fresh: true\n',
    'staging/deployment-web.yaml': 'replicas: 1\n',
    'staging/nested/extra.yaml': 'deep: true\n',
    'new-env/deployment-web.yaml': 'replicas: 1\n',
    'argocd/application-production.yaml': 'path: production\n',
    'argocd/application-new-env.yaml': 'path: new-env\n',
  };

  test.each([
    ['a full replace (folders changed, added and removed)', undefined, old, next],
    ['a replace of some folders (--config)', ['production', 'new-env'], old, { ...folderOf(old, 'staging'), ...folderOf(old, 'retired-env'), ...folderOf(old, 'argocd'), ...folderOf(next, 'production'), ...folderOf(next, 'new-env') }],
  ] as const)('%s: old or new after every kill, exactly new after the next write', (_name, only, before, after) => {
    const base = fs.mkdtempSync(path.join(work, 'steps-'));
    const outdir = path.join(base, 'dist');
    const journal = defaultJournal(outdir);
    const files = only ? Object.fromEntries(Object.entries(next).filter(([f]) => only.some((o) => f.startsWith(`${o}/`)))) : next;
    const job = { outdir, files, only };
    writeTree(outdir, before);
    const steps = traceSteps((env) => drive(job, env));
    const commitStep = steps.indexOf('commit') + 1;
    expect(commitStep).toBeGreaterThan(1);
    expect(snapshotTree(outdir)).toEqual(after);
    expect(steps.length).toBeGreaterThan(20);

    for (let k = 1; k <= steps.length; k++) {
      writeTree(outdir, before);
      const killed = drive(job, { PEMBAYARAN_KILL_AT_WRITE_STEP: String(k) });
      expect({ k, step: steps[k - 1], signal: killed.signal }).toEqual({ k, step: steps[k - 1], signal: 'SIGKILL' });
      expectWholeFolders(outdir, journal, before, after, k > commitStep);

      // The next run: its recovery gives the old tree (killed before the commit) or the new one (after),
      // then its own write gives exactly the new tree, and nothing is left behind.
      const next = drive({ ...job, mode: 'next' });
      expect(next.stderr).toBe('');
      expect(next.status).toBe(0);
      const recovered = JSON.parse(next.stdout);
      expect(recovered.tree).toEqual(k > commitStep ? after : before);
      expect(k > commitStep ? ['completed', 'nothing'] : ['rolled back', 'nothing']).toContain(recovered.recovery);
      if (k === commitStep + 1) expect(recovered.recovery).toBe('completed');
      if (k === commitStep) expect(recovered.recovery).toBe('rolled back');
      expect(recovered.siblings).toEqual(['dist']);
      expect(snapshotTree(outdir)).toEqual(after);
      expectNoLeftovers(outdir, ['dist']);
    }
  }, 180_000);

  test('a second writer is refused while the first one runs, and takes over once it is dead', () => {
    const base = fs.mkdtempSync(path.join(work, 'lock-'));
    const outdir = path.join(base, 'dist');
    writeTree(outdir, old);
    const journal = defaultJournal(outdir);
    fs.mkdirSync(journal);
    // The journal of a live process (this test's own parent, certainly alive and not the driver).
    const stat = fs.readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    fs.writeFileSync(path.join(journal, 'owner.json'), JSON.stringify({ pid: process.ppid, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] }));
    const refused = drive({ outdir, files: next });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`another write \\(pid ${process.ppid}\\) is in progress`));
    expect(snapshotTree(outdir)).toEqual(old);
    // The same pid with another start time is a recycled pid, not the owner.
    fs.writeFileSync(path.join(journal, 'owner.json'), JSON.stringify({ pid: process.ppid, start: '1' }));
    expect(drive({ outdir, files: next }).status).toBe(0);
    expect(snapshotTree(outdir)).toEqual(next);
    expectNoLeftovers(outdir, ['dist']);
  });

  test('leftovers of the writer before the journal are removed, or put back, by the next write', () => {
    const base = fs.mkdtempSync(path.join(work, 'legacy-'));
    const outdir = path.join(base, 'dist');
    const deadPid = '999999999';
    writeTree(outdir, { ...old, [`staging.old-${deadPid}/deployment-web.yaml`]: 'replicas: 1\n' });
    writeTree(path.join(base, '.dist-next-AbC123'), { 'production/x.yaml': 'half: written\n' });
    writeTree(path.join(base, `dist.old-${deadPid}`), old);
    expect(drive({ outdir, files: next }).status).toBe(0);
    expect(snapshotTree(outdir)).toEqual(next);
    expectNoLeftovers(outdir, ['dist']);

    // Killed between its two renames, the old writer left no dist/ but dist.old-<pid>: it is put back first.
    fs.renameSync(outdir, path.join(base, `dist.old-${deadPid}`));
    expect(drive({ outdir, files: { 'production/a.yaml': 'x\n' }, only: ['production'] }).status).toBe(0);
    const expected = Object.fromEntries(Object.entries(next).filter(([f]) => !f.startsWith('production/')));
    expect(snapshotTree(outdir)).toEqual({ ...expected, 'production/a.yaml': 'x\n' });
    expectNoLeftovers(outdir, ['dist']);
  });
});

describe('folders that already hold their new files', () => {
  const tree: Tree = {
    'production/deployment-web.yaml': 'replicas: 3\n',
    'production/service-web.yaml': 'port: 80\n',
    'staging/deployment-web.yaml': 'replicas: 1\n',
    'argocd/application-production.yaml': 'path: production\n',
  };

  test('are left alone: an unchanged output takes no write step, a change swaps only its folder', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(work, 'unchanged-')), 'dist');
    writeTree(outdir, tree);
    expect(traceSteps((env) => drive({ outdir, files: tree }, env))).toEqual([]);
    expect(snapshotTree(outdir)).toEqual(tree);

    const changed = { ...tree, 'production/deployment-web.yaml': 'replicas: 4\n' };
    const steps = traceSteps((env) => drive({ outdir, files: changed }, env));
    expect(steps.filter((s) => /^(retire|move in) /.test(s))).toEqual(['retire production', 'move in production']);
    expect(steps.filter((s) => s.startsWith('write ') && s !== 'write the commit record')).toEqual(['write production/deployment-web.yaml', 'write production/service-web.yaml']);
    expect(snapshotTree(outdir)).toEqual(changed);
    expectNoLeftovers(outdir, ['dist']);
  });

  test('are rewritten when they hold anything else: a stray file, an empty folder, a link, other bytes', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(work, 'stray-')), 'dist');
    const strays: Array<[string, (dir: string) => void]> = [
      ['a stray file', (dir) => fs.writeFileSync(path.join(dir, 'staging', 'notes.txt'), 'x')],
      ['an empty folder', (dir) => fs.mkdirSync(path.join(dir, 'staging', 'empty'))],
      ['a symbolic link', (dir) => fs.symlinkSync('deployment-web.yaml', path.join(dir, 'staging', 'link.yaml'))],
      ['other bytes', (dir) => fs.writeFileSync(path.join(dir, 'staging', 'deployment-web.yaml'), 'replicas: 1 \n')],
      ['a file where the folder was', (dir) => (fs.rmSync(path.join(dir, 'staging'), { recursive: true }), fs.writeFileSync(path.join(dir, 'staging'), 'x'))],
    ];
    for (const [what, spoil] of strays) {
      writeTree(outdir, tree);
      spoil(outdir);
      const steps = traceSteps((env) => drive({ outdir, files: tree }, env));
      expect({ what, swapped: steps.filter((s) => /^(retire|move in) /.test(s)) }).toEqual({ what, swapped: ['retire staging', 'move in staging'] });
      expect(snapshotTree(outdir)).toEqual(tree);
      expectNoLeftovers(outdir, ['dist']);
    }
  });
});

describe('npm run synth, killed while it writes', () => {
  test('old or new after a kill at each phase; the next synth completes it and validate counts only its objects', () => {
    const base = fs.mkdtempSync(path.join(work, 'synth-kill-'));
    const outdir = path.join(base, 'dist');
    // The old output: another replica count in production and an environment since removed.
    const configDir = path.join(base, 'config');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'production.yaml'), withChanges('production', (d) => (d.fastapi.replicas = 3)));
    fs.writeFileSync(path.join(configDir, 'staging.yaml'), fs.readFileSync(path.join(ROOT, 'config/staging.yaml')));
    fs.writeFileSync(path.join(configDir, 'sandbox.yaml'), withChanges('staging', (d) => Object.assign(d, { name: 'sandbox', namespace: 'pembayaran-sandbox', argocd: { ...d.argocd, path: 'sandbox' } })));
    expect(runSynth(['--config-dir', configDir, '--outdir', outdir]).status).toBe(0);
    const before = snapshotTree(outdir);
    fs.rmSync(path.join(configDir, 'sandbox.yaml'));
    fs.writeFileSync(path.join(configDir, 'production.yaml'), fs.readFileSync(path.join(ROOT, 'config/production.yaml')));
    const fresh = path.join(base, 'fresh');
    expect(runSynth(['--config-dir', configDir, '--outdir', fresh]).status).toBe(0);
    const after = snapshotTree(fresh);
    fs.rmSync(fresh, { recursive: true });

    const synth = (env: Record<string, string> = {}) => runSynth(['--config-dir', configDir, '--outdir', outdir], { env });
    const restore = () => writeTree(outdir, before);
    restore();
    const steps = traceSteps(synth);
    const commit = steps.indexOf('commit') + 1;
    const pick = [
      Math.floor(commit / 2),
      commit,
      commit + 1,
      steps.findIndex((s) => s.startsWith('move in ')) + 1,
      steps.indexOf('retire sandbox') + 1,
      steps.indexOf('retire sandbox') + 2,
      steps.findIndex((s) => s.includes(`${path.sep}old${path.sep}`)) + 3,
      steps.length,
    ];
    for (const k of pick) {
      restore();
      const killed = synth({ PEMBAYARAN_KILL_AT_WRITE_STEP: String(k) });
      expect({ k, step: steps[k - 1], signal: killed.signal }).toEqual({ k, step: steps[k - 1], signal: 'SIGKILL' });
      expectWholeFolders(outdir, defaultJournal(outdir), before, after, k > commit);
      const next = synth();
      expect(next.status).toBe(0);
      expect(next.stderr).toBe(k === steps.length ? '' : `${outdir}/: ${k > commit ? 'completed' : 'rolled back'} the write of an earlier, interrupted synth\n`);
      expect(snapshotTree(outdir)).toEqual(after);
      expectNoLeftovers(outdir, ['config', 'dist']);
      const validate = runCommand('tools/validate/cli.ts', [outdir]);
      expect(validate.stdout).toBe(`No findings in ${Object.keys(after).length} objects.\n`);
    }
  }, 180_000);

  test('npm run validate refuses a folder an interrupted synth is still writing', () => {
    const base = fs.mkdtempSync(path.join(work, 'validate-pending-'));
    const outdir = path.join(base, 'dist');
    expect(runSynth(['--outdir', outdir]).status).toBe(0);
    // A stray file, so that the next synths have a folder to swap (an unchanged output is left alone).
    const spoil = () => fs.writeFileSync(path.join(outdir, 'staging', 'stray.yaml'), 'stray: true\n');
    spoil();
    const steps = traceSteps((env) => runSynth(['--outdir', outdir], { env }));
    spoil();
    expect(runSynth(['--outdir', outdir], { env: { PEMBAYARAN_KILL_AT_WRITE_STEP: String(steps.indexOf('commit') + 2) } }).signal).toBe('SIGKILL');
    const validate = runCommand('tools/validate/cli.ts', [outdir]);
    expect(validate.status).toBe(2);
    expect(validate.stderr).toMatch(/is in the middle of an interrupted synth \(journal .*\.dist\.journal\); run npm run synth to complete it first/);
  });
});

describe('npm run gitops:publish, killed while it writes', () => {
  test('the next publish completes it with one commit and a clean tree', () => {
    const repo = fs.mkdtempSync(path.join(work, 'gitops-'));
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' });
    git('init', '--quiet', '-b', 'main');
    git('config', 'user.name', 'Publish Test');
    git('config', 'user.email', 'publish-test@example.com');
    const publish = (env: Record<string, string> = {}) => runCommand('tools/gitops/publish-cli.ts', [repo, '--config-dir', path.join(ROOT, 'config')], { env });
    expect(publish().status).toBe(0);
    const configDir = path.join(work, 'publish-config');
    fs.mkdirSync(configDir);
    fs.writeFileSync(path.join(configDir, 'production.yaml'), withChanges('production', (d) => (d.fastapi.replicas = 4)));
    for (const name of SHIPPED_ENVIRONMENTS.filter((n) => n !== 'production')) fs.copyFileSync(path.join(ROOT, `config/${name}.yaml`), path.join(configDir, `${name}.yaml`));
    const publishChanged = (env: Record<string, string> = {}) => runCommand('tools/gitops/publish-cli.ts', [repo, '--config-dir', configDir], { env });
    const head = git('rev-parse', 'HEAD');
    // Measure the steps in a throw-away clone, then kill the real publish in the middle of its swap.
    const clone = fs.mkdtempSync(path.join(work, 'gitops-clone-'));
    execFileSync('git', ['clone', '--quiet', repo, clone]);
    execFileSync('git', ['-C', clone, 'config', 'user.name', 'T']);
    execFileSync('git', ['-C', clone, 'config', 'user.email', 't@example.com']);
    const trace = runCommand('tools/gitops/publish-cli.ts', [clone, '--config-dir', configDir], { env: { PEMBAYARAN_TRACE_WRITE_STEPS: '1' } });
    const steps = trace.stderr.split('\n').filter((l) => l.startsWith('write step ')).map((l) => l.replace(/^write step \d+: /, ''));
    const k = steps.findIndex((s) => s.startsWith('move in ')) + 1;
    expect(k).toBeGreaterThan(0);
    expect(publishChanged({ PEMBAYARAN_KILL_AT_WRITE_STEP: String(k) }).signal).toBe('SIGKILL');
    expect(git('rev-parse', 'HEAD')).toBe(head);
    expect(fs.existsSync(path.join(repo, '.git', 'pembayaran-publish.journal'))).toBe(true);
    // A diff of a half-swapped checkout would be meaningless: it says so instead.
    const diff = runCommand('tools/gitops/diff-cli.ts', [repo, '--config-dir', configDir]);
    expect(diff.status).toBe(2);
    expect(diff.stderr).toMatch(/is in the middle of an interrupted publish \(journal .*pembayaran-publish\.journal\); run npm run gitops:publish to complete it first/);

    const done = publishChanged();
    expect(done.stderr).toBe('');
    expect(done.status).toBe(0);
    expect(done.stdout).toMatch(/^committed [0-9a-f]{12} in .*: pembayaran: production 1 changed; sandbox unchanged; staging unchanged; argocd unchanged\n/);
    expect(git('status', '--porcelain')).toBe('');
    expect(git('rev-list', '--count', 'HEAD').trim()).toBe('2');
    expect(fs.existsSync(path.join(repo, '.git', 'pembayaran-publish.journal'))).toBe(false);
    expect(fs.readFileSync(path.join(repo, 'production', 'deployment-pembayaran-fastapi.yaml'), 'utf8')).toContain('replicas: 4');
    expect(fs.readdirSync(path.dirname(repo)).filter((f) => f.startsWith(`.${path.basename(repo)}`))).toEqual([]);
  });
});

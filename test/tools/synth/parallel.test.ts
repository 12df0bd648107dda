/**
 * Many environments are rendered on several threads (tools/synth/parallel.ts); the output, the refusals
 * and their order must be exactly those of a run on one thread, through the real command.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { threadsFor } from '../../../tools/synth/parallel';
import { ROOT, runSynth, snapshotTree } from '../../helpers';

jest.setTimeout(180_000);

const COUNT = 14;
let work: string;
let configDir: string;

/** COUNT environments from production.yaml and staging.yaml, differing in name, namespace and Argo CD path. */
function generate(change?: (doc: any, i: number) => void): string {
  const dir = fs.mkdtempSync(path.join(work, 'config-'));
  Array.from({ length: COUNT }, (_, i) => {
    const base = yaml.load(fs.readFileSync(path.join(ROOT, 'config', i % 2 ? 'staging.yaml' : 'production.yaml'), 'utf8')) as any;
    const name = `env-${String(i + 1).padStart(2, '0')}`;
    const doc = { ...base, name, namespace: `pembayaran-${name}`, argocd: { ...base.argocd, path: name } };
    change?.(doc, i);
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, yaml.dump(doc));
  });
  return dir;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'pembayaran-parallel-'));
  configDir = generate();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

test('three threads write byte for byte what one thread writes (Argo CD folder included), and every thread renders', () => {
  const one = runSynth(['--config-dir', configDir, '--threads', '1', '--outdir', path.join(work, 'one')], { env: { SYNTH_TRACE: '1' } });
  const three = runSynth(['--config-dir', configDir, '--threads', '3', '--outdir', path.join(work, 'three')], { env: { SYNTH_TRACE: '1' } });
  expect([one.status, three.status]).toEqual([0, 0]);
  expect(one.stderr).not.toMatch(/environments on \d+ threads/);
  // At most one thread per core and one per 6 environments: 2 here, unless the machine has one core.
  const threads = threadsFor(COUNT, 3);
  const line = /synth: (\d+) environments on (\d+) threads: ([\d + ]+)/.exec(three.stderr);
  if (threads > 1) {
    expect(line?.slice(1, 3).map(Number)).toEqual([COUNT, threads]);
    const counts = line![3].split(' + ').map(Number);
    expect(counts).toHaveLength(threads);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(COUNT);
  } else {
    expect(line).toBeNull();
  }
  const tree = snapshotTree(path.join(work, 'one'));
  expect(Object.keys(tree).filter((f) => f.startsWith('argocd/')).length).toBeGreaterThan(COUNT);
  expect(snapshotTree(path.join(work, 'three'))).toEqual(tree);
});

test('a refusal from the gate reads the same on one thread and on several', () => {
  const bad = generate((doc, i) => {
    if (i === 5 || i === 11) doc.laravel.image.tag = 'latest';
  });
  const outdir = path.join(work, 'refused');
  const one = runSynth(['--config-dir', bad, '--threads', '1', '--outdir', outdir]);
  const several = runSynth(['--config-dir', bad, '--outdir', outdir]);
  expect(one.status).toBe(1);
  expect(several.status).toBe(1);
  expect(one.stderr).toMatch(/env-06\.yaml: laravel\.image\.tag: .*uses the latest tag/m);
  expect(one.stderr).toMatch(/env-12\.yaml: laravel\.image\.tag: .*uses the latest tag/m);
  expect(several.stderr).toBe(one.stderr);
  expect(fs.existsSync(outdir)).toBe(false);
});

test('workers compile the program from the code cache the main thread used, not from scratch', () => {
  const args = ['--config-dir', configDir, '--threads', '3', '--outdir', path.join(work, 'cached')];
  // The first run may be the one that writes the cache.
  runSynth(args);
  const result = runSynth(args, { env: { SYNTH_TRACE: '1' } });
  expect(result.status).toBe(0);
  const workers = threadsFor(COUNT, 3) - 1;
  if (workers > 0) expect(result.stderr).toContain(`; ${workers} of ${workers} workers started from the code cache`);
});

/** The config folder is refused on one thread and on three alike (status, message), nothing hangs, nothing is written. */
function expectRefusedAlike(configs: string, outdirName: string, message: RegExp): void {
  const outdir = path.join(work, outdirName);
  const one = runSynth(['--config-dir', configs, '--threads', '1', '--outdir', outdir]);
  const several = runSynth(['--config-dir', configs, '--threads', '3', '--outdir', outdir]);
  expect(one.status).toBe(1);
  expect(several.status).toBe(1);
  expect(several.signal).toBeNull();
  expect(one.stderr).toMatch(message);
  expect(several.stderr).toBe(one.stderr);
  expect(fs.existsSync(outdir)).toBe(false);
}

test('a config refused while the workers start (they start before the configs are read) reads as on one thread, and nothing hangs', () => {
  const bad = generate((doc, i) => {
    if (i === 3) doc.namespace = 'Not A Namespace';
  });
  expectRefusedAlike(bad, 'refused-config', /env-04\.yaml: namespace: /m);
});

test('a collision only the checks across files find (the workers have rendered the configs by then) reads as on one thread', () => {
  const clash = generate((doc, i) => {
    if (i === COUNT - 1) doc.namespace = 'pembayaran-env-01';
  });
  expectRefusedAlike(clash, 'refused-collision', /pembayaran-env-01/);
});

test('--threads takes a whole number', () => {
  const result = runSynth(['--threads', '0']);
  expect(result.status).toBe(2);
  expect(result.stderr).toMatch(/^--threads needs a whole number from 1 to 999, not "0"/);
});

test('threads: one per core at most, and only as many as the environments pay for', () => {
  expect(threadsFor(2)).toBe(1);
  expect(threadsFor(11, 8)).toBe(1);
  expect(threadsFor(12, 8)).toBe(2);
  expect(threadsFor(500, 1)).toBe(1);
  expect(threadsFor(500)).toBe(Math.min(os.availableParallelism(), 83));
});

/**
 * Two synths give byte-identical output whatever the working directory, however the config files are
 * named (absolute or relative), and whenever they run: no timestamps, random values or host data.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../../tools/synth/synthesize';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG_DIR = path.join(ROOT, 'config');

/** Every file under a folder, relative path → bytes. */
function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const visit = (relative: string) => {
    const absolute = path.join(dir, relative);
    if (fs.statSync(absolute).isDirectory()) for (const entry of fs.readdirSync(absolute).sort()) visit(path.join(relative, entry));
    else files.set(relative.split(path.sep).join('/'), fs.readFileSync(absolute));
  };
  visit('');
  return files;
}

function expectSameBytes(a: Map<string, Buffer>, b: Map<string, Buffer>): void {
  expect([...b.keys()]).toEqual([...a.keys()]);
  const differing = [...a].filter(([file, bytes]) => !bytes.equals(b.get(file)!)).map(([file]) => file);
  expect(differing).toEqual([]);
}

describe('deterministic output', () => {
  const cwd = process.cwd();
  afterEach(() => process.chdir(cwd));

  test('synths from different working directories, with absolute and relative config paths, are byte-identical', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-determinism-'));
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-elsewhere-'));

    // 1. From the project root, relative config folder and output folder.
    process.chdir(ROOT);
    synthesize({ configDir: 'config', outdir: path.relative(ROOT, path.join(base, 'a')), validate: false });

    // 2. From an unrelated folder, absolute config folder.
    process.chdir(elsewhere);
    synthesize({ configDir: CONFIG_DIR, outdir: path.join(base, 'b'), validate: false });

    // 3. From the config folder itself, relative config file names (one environment at a time).
    process.chdir(CONFIG_DIR);
    for (const file of fs.readdirSync('.').filter((f) => f.endsWith('.yaml'))) {
      synthesize({ configFiles: [file], outdir: path.join(base, 'c'), validate: false });
    }

    const a = readTree(path.join(base, 'a'));
    expect(a.size).toBeGreaterThan(20);
    expectSameBytes(a, readTree(path.join(base, 'b')));
    // Partial synths never write argocd/; the environment folders must still match.
    const withoutArgocd = new Map([...a].filter(([f]) => !f.startsWith('argocd/')));
    expectSameBytes(withoutArgocd, readTree(path.join(base, 'c')));
  });

  test('an in-memory synth equals the written one, and a synth an hour later equals the first', () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'synth-determinism-')), 'dist');
    synthesize({ configDir: CONFIG_DIR, outdir, validate: false });
    const realNow = Date.now;
    const realRandom = Math.random;
    Date.now = () => realNow() + 3_600_000;
    Math.random = () => 0.5;
    try {
      const again = synthesize({ configDir: CONFIG_DIR, outdir: 'unused', dryRun: true, validate: false });
      expectSameBytes(readTree(outdir), new Map([...again.files].map(([f, t]) => [f, Buffer.from(t)])));
    } finally {
      Date.now = realNow;
      Math.random = realRandom;
    }
  });

  test('output carries no checkout paths or timestamps', () => {
    const { files } = synthesize({ configDir: CONFIG_DIR, outdir: 'unused', dryRun: true, validate: false });
    const text = [...files.values()].join('\n');
    for (const needle of [ROOT, CONFIG_DIR, path.basename(ROOT) + '/config']) expect(text).not.toContain(needle);
    expect(text).not.toMatch(/creationTimestamp|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  test('file names come from chart folder, kind and name only', () => {
    const { files } = synthesize({ configDir: CONFIG_DIR, outdir: 'unused', dryRun: true, validate: false });
    for (const file of files.keys()) expect(file).toMatch(/^[a-z0-9-]+\/[a-z]+-[a-z0-9.-]+\.yaml$/);
  });
});

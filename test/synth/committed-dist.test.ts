/**
 * The committed dist/ is exactly what a fresh synth of config/ produces: same files, same bytes, nothing
 * extra. When this fails, run `npm run synth` and commit dist/ with the change that caused it.
 */
import * as fs from 'fs';
import * as path from 'path';
import { synthesize } from '../../tools/synth/synthesize';

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');

function listFiles(dir: string, prefix = ''): string[] {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, path.posix.join(prefix, e.name)) : [path.posix.join(prefix, e.name)]))
    .sort();
}

describe('committed dist/', () => {
  test('dist/ equals a fresh synth of config/ (run `npm run synth` and commit dist/ if not)', () => {
    expect(fs.existsSync(DIST)).toBe(true);
    const { files } = synthesize({ configDir: path.join(ROOT, 'config'), outdir: DIST, dryRun: true, validate: false });
    expect(listFiles(DIST)).toEqual([...files.keys()]);
    const stale = [...files].filter(([file, text]) => fs.readFileSync(path.join(DIST, file), 'utf8') !== text).map(([file]) => file);
    expect(stale).toEqual([]);
  });
});

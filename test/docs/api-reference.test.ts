/**
 * docs/api/ is the API reference typedoc generates from the TSDoc of the package root (typedoc.json,
 * `npm run docs:api`); regenerated here into a temporary folder, it must equal what is committed.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT } from '../helpers';

jest.setTimeout(300_000);

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return files;
}

test('docs/api is current: npm run docs:api gives exactly the committed files', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'api-reference-'));
  try {
    const result = spawnSync('node', [path.join(ROOT, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const fresh = tree(out);
    const committed = tree(path.join(ROOT, 'docs/api'));
    expect(Object.keys(committed).sort()).toEqual(Object.keys(fresh).sort());
    for (const file of Object.keys(fresh)) expect({ file, text: committed[file] }).toEqual({ file, text: fresh[file] });
    // The entry points a platform team starts from are documented.
    const reference = Object.values(fresh).join('\n');
    for (const name of ['PembayaranStack', 'PembayaranChart', 'resolveEnvironment', 'EnvironmentInput', 'assertValidApp', 'validateManifests', 'addLaravelEnv', 'addLaravelComponent', 'PodPlacement', 'ArgoCdChart']) {
      expect(reference).toContain(name);
    }
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

import * as fs from 'fs';
import * as path from 'path';
import { compareTrees, diffCheckout, formatReport, lineEdits, planCheckout, summaryLine, unifiedDiff } from '../../../tools/gitops/diff';
import { main } from '../../../tools/gitops/diff-cli';
import { CONFIG_DIR, configCopy, tmpDir } from './helpers';

function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

/** A checkout holding exactly the current synth. */
function publishedCheckout(configDir = CONFIG_DIR): string {
  const dir = tmpDir('gitops-diff-');
  const plan = planCheckout({ checkout: dir, configDir, validate: false });
  for (const [file, text] of plan.files) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('line diff', () => {
  test('LCS edits keep common lines and put removals before additions', () => {
    expect(lineEdits(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual([
      { op: ' ', line: 'a' },
      { op: '-', line: 'b' },
      { op: '+', line: 'x' },
      { op: ' ', line: 'c' },
    ]);
  });

  test('unified hunks with 3 lines of context and line numbers', () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 10\n', 'line ten\n').replace('line 20\n', 'line 20\nline 21\n');
    expect(unifiedDiff(before, after)).toBe(
      ['@@ -7,7 +7,7 @@', ' line 7', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', ' line 13', '@@ -18,3 +18,4 @@', ' line 18', ' line 19', ' line 20', '+line 21', ''].join('\n'),
    );
    expect(unifiedDiff(before, before)).toBe('');
  });

  test('an empty side is counted as zero lines', () => {
    expect(unifiedDiff('', 'a\n')).toBe('@@ -0,0 +1,1 @@\n+a\n');
    expect(unifiedDiff('a\nb\n', '')).toBe('@@ -1,2 +0,0 @@\n-a\n-b\n');
  });
});

describe('diff against a checkout', () => {
  test('an empty checkout: every object is added', () => {
    const dir = tmpDir('gitops-empty-');
    const { plan, changes } = diffCheckout({ checkout: dir, configDir: CONFIG_DIR, validate: false });
    expect(changes.map((c) => c.name)).toEqual(['production', 'sandbox', 'staging', 'argocd']);
    for (const c of changes) {
      expect(c.added.length).toBe([...plan.files.keys()].filter((f) => f.startsWith(`${c.folder}/`)).length);
      expect(c.changed).toEqual([]);
      expect(c.removed).toEqual([]);
    }
    expect(changes[changes.length - 1].added.map((a) => a.label)).toContain('Application/pembayaran-production');
  });

  test('no change: exit 0 and every environment unchanged', () => {
    const r = run([publishedCheckout(), '--config-dir', CONFIG_DIR]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('production (production/): unchanged\nsandbox (sandbox/): unchanged\nstaging (staging/): unchanged\nargocd (argocd/): unchanged\n');
  });

  test('changed, added and removed objects: counts per environment and a unified diff; exit 1', () => {
    const dir = publishedCheckout();
    const deployment = path.join(dir, 'production', 'deployment-pembayaran-fastapi.yaml');
    fs.writeFileSync(deployment, fs.readFileSync(deployment, 'utf8').replace('replicas: 2', 'replicas: 5'));
    fs.rmSync(path.join(dir, 'production', 'service-pembayaran-web.yaml'));
    fs.writeFileSync(path.join(dir, 'staging', 'configmap-left-over.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: left-over\n');
    const r = run([dir, '--config-dir', CONFIG_DIR]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('production (production/): 1 changed, 1 added\n  ~ Deployment/pembayaran-fastapi\n  + Service/pembayaran-web\n');
    expect(r.stdout).toContain('staging (staging/): 1 removed\n  - ConfigMap/left-over\n');
    expect(r.stdout).toContain('argocd (argocd/): unchanged\n');
    expect(r.stdout).toContain('--- a/production/deployment-pembayaran-fastapi.yaml\n+++ b/production/deployment-pembayaran-fastapi.yaml\n@@ ');
    expect(r.stdout).toContain('\n-  replicas: 5\n+  replicas: 2\n');
  });

  test('the summary line names every environment', () => {
    const dir = publishedCheckout();
    fs.rmSync(path.join(dir, 'argocd'), { recursive: true });
    const { plan } = diffCheckout({ checkout: dir, configDir: CONFIG_DIR, validate: false });
    const line = summaryLine(compareTrees(new Map(), plan));
    expect(line).toMatch(/^production \d+ added; sandbox \d+ added; staging \d+ added; argocd 4 added$/);
  });

  test('a removed environment: its folder, known from the old Application, is reported as removed', () => {
    const dir = publishedCheckout();
    const configDir = configCopy();
    fs.rmSync(path.join(configDir, 'staging.yaml'));
    const r = run([dir, '--config-dir', configDir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^staging \(staging\/\): \d+ removed$/m);
    expect(r.stdout).toContain('argocd (argocd/): 1 changed, 1 removed\n');
    expect(r.stdout).toContain('  - Application/pembayaran-staging\n');
    expect(formatReport([])).toBe('\n');
  });

  test('usage errors: exit 2 with one line', () => {
    for (const args of [[], ['a', 'b'], ['--bogus', '.'], [path.join(CONFIG_DIR, 'production.yaml')], ['.', '--config-dir']]) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('usage: npm run gitops:diff');
    }
  });

  test('a config folder without environments is trouble, not "remove everything"', () => {
    const r = run([publishedCheckout(), '--config-dir', tmpDir('gitops-no-config-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/: no environment files \(\*\.yaml, \*\.yml\) in .*; refusing to synthesize nothing/);
  });

  test('an invalid config: exit 2 with the config problem', () => {
    const configDir = configCopy({ environment: 'production', edit: (doc) => (doc.web.replicas = 'three') });
    const r = run([tmpDir('gitops-diff-'), '--config-dir', configDir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('web.replicas');
  });
});

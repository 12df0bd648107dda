import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runSynth, snapshotTree, withChanges } from './helpers';

const synth = (args: string[], cwd = ROOT) => runSynth(args, { cwd });

describe('npm run synth', () => {
  let work: string;
  let outdir: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    outdir = path.join(work, 'dist');
    fs.mkdirSync(path.join(outdir, 'production'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'production', 'previous.yaml'), 'kind: Previous\n');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  function writeConfig(name: string, text: string): string {
    const file = path.join(work, name);
    fs.writeFileSync(file, text);
    return file;
  }

  test('bad config: one line per problem naming file and key, exit 1, no stack trace, output untouched', () => {
    const before = snapshotTree(outdir);
    const file = writeConfig('bad.yaml', withChanges('production', (d) => {
      d.web.replicaz = 2;
      d.laravel.debug = true;
      d.laravel.image.tag = 'latest';
    }));
    const result = synth(['--config', file, '--outdir', outdir]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/bad\.yaml: web\.replicaz: unknown key; did you mean "replicas"\?/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(snapshotTree(outdir)).toEqual(before);

    const unsafe = writeConfig('unsafe.yaml', withChanges('production', (d) => {
      d.laravel.debug = true;
      d.laravel.image.tag = 'latest';
    }));
    const refused = synth(['--config', unsafe, '--outdir', outdir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/unsafe\.yaml: laravel\.image\.tag: "latest" is not a pinned version/),
      expect.stringMatching(/unsafe\.yaml: laravel\.debug: is true; APP_DEBUG shows stack traces/),
    ]);
    expect(snapshotTree(outdir)).toEqual(before);
  });

  // Every kind of bad input the loader refuses, through the real command: the message, exit 1, output untouched.
  test.each([
    ['a wrong value', (d: any) => (d.web.replicas = -1), /web\.replicas: expected a number >= 1 \(got -1\)/],
    ['an unknown key', (d: any) => (d.laravel.hots = 'x'), /laravel\.hots: unknown key; did you mean "host"\?/],
    ['a missing image tag', (d: any) => delete d.laravel.image.tag, /laravel\.image: image ghcr\.io\/example\/pembayaran has no tag or digest; pin it/],
    ['latest in production', (d: any) => (d.fastapi.image.tag = 'latest'), /fastapi\.image\.tag: "latest" is not a pinned version/],
    ['debug in production', (d: any) => (d.laravel.debug = true), /laravel\.debug: is true; APP_DEBUG shows stack traces/],
    ['a non-HTTPS URL in production', (d: any) => (d.laravel.url = 'http://pay.example.com'), /laravel\.url: is http:\/\/pay\.example\.com; production must be served over HTTPS/],
    ['a plaintext secret', (d: any) => (d.laravel.env = { DB_PASSWORD: 'hunter2' }), /laravel\.env\.DB_PASSWORD: looks like a secret in plain text/],
    ['an exposed notification port', (d: any) => (d.fastapi.serviceType = 'NodePort'), /fastapi\.serviceType: is NodePort; port 8001 must stay inside the cluster/],
    ['two WA gateway replicas', (d: any) => (d.waGateway.replicas = 2), /waGateway\.replicas: is 2; a WhatsApp session can be open in only one process: set 1/],
    ['a bad schedule', (d: any) => (d.scheduler = { schedule: '61 * * * *' }), /scheduler\.schedule: "61 \* \* \* \*" is not a valid cron schedule: minute "61" is outside 0-59/],
  ])('%s is refused with one line naming file and key, exit 1, output untouched', (_case, change, message) => {
    const before = snapshotTree(outdir);
    const result = synth(['--config', writeConfig('case.yaml', withChanges('production', change)), '--outdir', outdir]);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/case\.yaml: /);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(snapshotTree(outdir)).toEqual(before);
  });

  test('YAML syntax error: the line, exit 1, output untouched', () => {
    const before = snapshotTree(outdir);
    const result = synth(['--config', writeConfig('broken.yaml', 'name: x\n  tier: production\n'), '--outdir', outdir]);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/broken\.yaml: YAML syntax error: line 2, column \d+: /);
    expect(snapshotTree(outdir)).toEqual(before);
  });

  test('a missing config file and an unknown flag are one-line errors', () => {
    const missing = synth(['--config', path.join(work, 'nope.yaml'), '--outdir', outdir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toMatch(/nope\.yaml: cannot read file \(ENOENT\)$/);
    const flag = synth(['--frobnicate']);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/^unknown argument "--frobnicate"/);
  });

  test('the quality gate refuses unsafe output and leaves the previous output as it was', () => {
    const before = snapshotTree(outdir);
    const file = writeConfig('staging-latest.yaml', withChanges('staging', (d) => (d.laravel.image.tag = 'latest')));
    const result = synth(['--config', file, '--outdir', outdir]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/policy\/image-pinned/);
    expect(result.stderr).toMatch(/dist\/ left unchanged/);
    expect(snapshotTree(outdir)).toEqual(before);
  });

  test('--no-validate skips the gate and writes what it refused', () => {
    const separate = path.join(work, 'unvalidated');
    const file = writeConfig('staging-latest-unchecked.yaml', withChanges('staging', (d) => (d.laravel.image.tag = 'latest')));
    const result = synth(['--config', file, '--outdir', separate, '--no-validate']);
    expect(result.status).toBe(0);
    expect(fs.readFileSync(path.join(separate, 'staging', 'deployment-pembayaran-web.yaml'), 'utf8')).toContain('ghcr.io/example/pembayaran:latest');
  });

  test('a successful synth replaces every environment folder and leaves no stale file', () => {
    const result = synth(['--outdir', outdir]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(outdir, 'production', 'previous.yaml'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'production', 'deployment-pembayaran-web.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'staging', 'deployment-pembayaran-web.yaml'))).toBe(true);
    expect(fs.readdirSync(work).filter((f) => f.startsWith('.dist-next-') || f.includes('.old-'))).toEqual([]);
  });

  test('--config synthesizes one environment and leaves the others alone', () => {
    const staging = snapshotTree(path.join(outdir, 'staging'));
    fs.writeFileSync(path.join(outdir, 'production', 'stale.yaml'), 'kind: Stale\n');
    const result = synth(['--config', path.join(ROOT, 'config/production.yaml'), '--outdir', outdir]);
    expect(result.status).toBe(0);
    expect(fs.existsSync(path.join(outdir, 'production', 'stale.yaml'))).toBe(false);
    expect(snapshotTree(path.join(outdir, 'staging'))).toEqual(staging);
  });

  test('two synths give byte-identical output, from any working directory', () => {
    const other = path.join(work, 'again');
    expect(synth(['--outdir', other], os.tmpdir()).status).toBe(0);
    const a = snapshotTree(outdir);
    const b = snapshotTree(other);
    expect(Object.keys(b).length).toBeGreaterThan(40);
    expect(b).toEqual(a);
  });

  test('npx cdk8s synth (through cdk8s.yaml) gives the same files', () => {
    const viaCli = path.join(work, 'cdk8s-cli');
    const result = spawnSync('npx', ['--no-install', 'cdk8s', 'synth', '--output', viaCli], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(snapshotTree(viaCli)).toEqual(snapshotTree(outdir));
  });
});

/**
 * The regression corpus of issue 11: every input that was accepted, dropped an environment or crashed,
 * now refused through the real command (`node scripts/run.js main.ts`, as `npm run synth` runs it) with a
 * `file: key.path: message` line, exit 1, no stack trace, and the output folder byte-identical.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { defaultJournal } from '../../tools/synth/write';
import { PROBLEM_LINE, ROOT, RUNNER, runCommand, runSynth, snapshotTree, STACK_FRAME, withChanges } from '../helpers';

let work: string;
let outdir: string;
let before: Record<string, string>;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'refusals-'));
  outdir = path.join(work, 'dist');
  const first = runSynth(['--outdir', outdir]);
  expect(first.status).toBe(0);
  before = snapshotTree(outdir);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

let counter = 0;
function configFile(text: string, name = `case-${++counter}.yaml`): string {
  const file = path.join(work, name);
  fs.writeFileSync(file, text);
  return file;
}

const shipped = (name: string) => fs.readFileSync(path.join(ROOT, 'config', `${name}.yaml`), 'utf8');

/** Runs synth on the files; asserts the refusal contract and returns the stderr lines. */
function refused(args: string[]): string[] {
  const result = runSynth([...args, '--outdir', outdir], { cwd: work });
  expect(result.stderr).not.toMatch(STACK_FRAME);
  expect(result.stderr).not.toMatch(/internal error|synth failed/);
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(snapshotTree(outdir)).toEqual(before);
  expect(fs.existsSync(defaultJournal(outdir))).toBe(false);
  const lines = result.stderr.trim().split('\n');
  for (const line of lines) expect(line.length).toBeLessThan(600);
  return lines;
}

/** One config, refused with a line `<file>: <key>: <message>`. */
function expectRefused(text: string, key: string, message: RegExp): string[] {
  const file = configFile(text);
  const lines = refused(['--config', file]);
  const prefix = `${path.basename(file)}: ${key}: `;
  expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${escape(prefix)}`))]));
  const line = lines.find((l) => l.startsWith(prefix))!;
  expect(line.slice(prefix.length)).toMatch(message);
  expect(lines.filter((l) => !/^synth refused: /.test(l)).every((l) => PROBLEM_LINE.test(l))).toBe(true);
  return lines;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('data loss: no environment is ever dropped', () => {
  test('a peer with both cidr and namespace names the peer (it used to exit 0 and synthesize nothing)', () => {
    expectRefused(withChanges('production', (d) => (d.database.peers[0].namespace = 'databases')), 'database.peers[0]', /either `cidr`.*or `namespace`.*not both \(it matches more than one\)/);
  });

  test('a peer with neither cidr nor namespace names the peer', () => {
    expectRefused(withChanges('production', (d) => (d.redis.peers = [{ podLabels: { app: 'redis' } }])), 'redis.peers[0]', /either `cidr`.*\(it matches none\)/);
  });

  test('an empty config folder is refused and dist/ kept (it used to wipe dist/ and exit 0)', () => {
    const empty = fs.mkdtempSync(path.join(work, 'empty-config-'));
    fs.writeFileSync(path.join(empty, 'README.md'), 'not an environment\n');
    const lines = refused(['--config-dir', empty]);
    expect(lines).toEqual([`${path.basename(empty)}: no environment files (*.yaml, *.yml) in ${path.basename(empty)}/; refusing to synthesize nothing (that would delete every environment)`]);
  });

  test('a missing config folder is one clear line, not ENOENT scandir', () => {
    const lines = refused(['--config-dir', path.join(work, 'no-such-config')]);
    expect(lines).toEqual(['no-such-config: no such folder; environment files (<name>.yaml) are read from it']);
  });

  test('an environment named argocd is reserved (it replaced dist/argocd/ or crashed the full synth)', () => {
    expectRefused(withChanges('staging', (d) => (d.name = 'argocd')), 'name', /^is reserved: dist\/argocd\/ holds the Argo CD objects/);
    const dir = fs.mkdtempSync(path.join(work, 'config-argocd-'));
    fs.writeFileSync(path.join(dir, 'production.yaml'), shipped('production'));
    fs.writeFileSync(path.join(dir, 'argocd.yaml'), withChanges('staging', (d) => (d.name = 'argocd')));
    expect(refused(['--config-dir', dir])).toEqual([expect.stringMatching(/^config-argocd-\w+\/argocd\.yaml: name: is reserved/)]);
  });

  test('two environments with one name, one namespace or one Argo CD Application are refused', () => {
    const dir = fs.mkdtempSync(path.join(work, 'config-collide-'));
    const base = path.basename(dir);
    fs.writeFileSync(path.join(dir, 'a.yaml'), shipped('production'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), withChanges('staging', (d) => Object.assign(d, { name: 'production', argocd: { ...d.argocd, path: 'b' } })));
    fs.writeFileSync(path.join(dir, 'c.yaml'), withChanges('staging', (d) => Object.assign(d, { namespace: 'pembayaran', argocd: { ...d.argocd, path: 'c' } })));
    fs.writeFileSync(path.join(dir, 'd.yaml'), withChanges('production', (d) => Object.assign(d, { name: 'eu-west', namespace: 'pay-eu-west', argocd: { ...d.argocd, path: 'd' } })));
    fs.writeFileSync(path.join(dir, 'e.yaml'), withChanges('production', (d) => Object.assign(d, { appName: 'pembayaran-eu', name: 'west', namespace: 'pay-west', argocd: { ...d.argocd, path: 'e' } })));
    const lines = refused(['--config-dir', dir]);
    expect(lines).toEqual([
      `${base}/b.yaml: name: "production" is already the name of ${base}/a.yaml; each environment needs its own name (it is its dist/ folder)`,
      expect.stringMatching(new RegExp(`^${base}/c\\.yaml: namespace: "pembayaran" on https://kubernetes.default.svc is already the namespace of ${base}/a\\.yaml; two environments would own the same Namespace`)),
      expect.stringMatching(new RegExp(`^${base}/e\\.yaml: name: appName and name give the Argo CD Application "pembayaran-eu-west", already that of ${base}/d\\.yaml`)),
    ]);
  });

  test('argocd.path with ".." or overlapping another environment names the file and key', () => {
    expectRefused(withChanges('production', (d) => (d.argocd.path = '../outside')), 'argocd.path', /must be a relative folder inside the GitOps repository, without empty, "\." or "\.\." segments/);
    expectRefused(withChanges('production', (d) => (d.argocd.path = 'argocd/production')), 'argocd.path', /is inside "argocd\/", which holds the Argo CD objects/);
    const dir = fs.mkdtempSync(path.join(work, 'config-overlap-'));
    fs.writeFileSync(path.join(dir, 'production.yaml'), shipped('production'));
    fs.writeFileSync(path.join(dir, 'staging.yaml'), withChanges('staging', (d) => (d.argocd.path = 'production/staging')));
    expect(refused(['--config-dir', dir])).toEqual([expect.stringMatching(/\/staging\.yaml: argocd\.path: GitOps folder "production\/staging" overlaps "production" of .*\/production\.yaml/)]);
  });

  test('--outdir on a regular file is refused and the file kept (it used to be deleted)', () => {
    const file = path.join(work, 'not-a-folder');
    fs.writeFileSync(file, 'keep me\n');
    const result = runSynth(['--outdir', file], { cwd: work });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe('not-a-folder: is a regular file, not a folder; refusing to replace it (nothing was written)');
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
    expect(fs.readdirSync(work).filter((f) => f.includes('not-a-folder') && f !== 'not-a-folder')).toEqual([]);
    const inside = runSynth(['--outdir', path.join(file, 'dist')], { cwd: work });
    expect(inside.status).toBe(1);
    expect(inside.stderr).toMatch(/not-a-folder is a regular file, not a folder \(nothing was written\)/);
  });
});

describe('a read-only output', () => {
  // Root ignores permission bits, so dist/ is made read-only with a read-only bind mount in a private
  // mount namespace; other users get a chmod.
  const asRoot = process.getuid?.() === 0;
  const canUnshare = asRoot && require('child_process').spawnSync('unshare', ['-m', 'true']).status === 0;

  (asRoot && !canUnshare ? test.skip : test)('is refused before anything is touched (it left the new tree with exit 1 and a dist.old-* behind)', () => {
    const base = fs.mkdtempSync(path.join(work, 'readonly-'));
    const target = path.join(base, 'dist');
    fs.cpSync(outdir, target, { recursive: true });
    const expected = snapshotTree(target);
    let result: { status: number | null; stderr: string };
    if (canUnshare) {
      const script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec node "$2" main.ts --config "$3" --outdir "$1"';
      const run = require('child_process').spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', target, RUNNER, configFile(withChanges('production', (d) => (d.fastapi.replicas = 5)))], { encoding: 'utf8' });
      result = { status: run.status, stderr: run.stderr };
    } else {
      const dirs = [target, ...fs.readdirSync(target).map((f) => path.join(target, f))];
      dirs.forEach((d) => fs.chmodSync(d, 0o555));
      try {
        result = runSynth(['--config', configFile(withChanges('production', (d) => (d.fastapi.replicas = 5))), '--outdir', target]);
      } finally {
        dirs.forEach((d) => fs.chmodSync(d, 0o755));
      }
    }
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr.trim()).toMatch(/^.*dist: cannot write .*dist \((EROFS|EACCES)\).*; nothing was written$/);
    expect(snapshotTree(target)).toEqual(expected);
    expect(fs.readdirSync(base)).toEqual(['dist']);
  });
});

describe('hangs and resource exhaustion', () => {
  test('a YAML alias bomb is refused at once, in one short line', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 9; i++) levels.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(', ')}]`);
    const lines = refused(['--config', configFile(`${levels.join('\n')}\n${shipped('production')}`)]);
    expect(lines).toEqual([expect.stringMatching(/: expands to more than 100000 values or 2097152 characters \(YAML aliases count every time they are used\)/)]);
  });

  test('a long value is echoed cut to about 80 characters (a 2 MB value made a 2 MB error line)', () => {
    const long = 'x'.repeat(500_000);
    const lines = expectRefused(withChanges('production', (d) => (d.laravel.logLevel = long)), 'laravel.logLevel', /expected one of "debug".*\(got "x{79}\.\.\. \(500002 characters\)\)$/);
    expect(lines.join('\n').length).toBeLessThan(400);
    const aliased = `big: &big "${'y'.repeat(200_000)}"\n${shipped('production').replace('logLevel: info', 'logLevel: *big')}`;
    expect(refused(['--config', configFile(aliased)]).join('\n').length).toBeLessThan(600);
  });

  test('a FIFO in config/ or given with --config is refused with its path instead of hanging', () => {
    const dir = fs.mkdtempSync(path.join(work, 'config-fifo-'));
    fs.writeFileSync(path.join(dir, 'production.yaml'), shipped('production'));
    require('child_process').execFileSync('mkfifo', [path.join(dir, 'staging.yaml')]);
    expect(refused(['--config-dir', dir])).toEqual([`${path.basename(dir)}/staging.yaml: is a FIFO (named pipe), not a regular file; refused (environment files must be regular files)`]);
    expect(refused(['--config', path.join(dir, 'staging.yaml')])).toEqual([`${path.basename(dir)}/staging.yaml: is a FIFO (named pipe), not a regular file; refused (only regular files are read)`]);
  });

  test('a YAML tag the core schema does not know names its key, line and column', () => {
    expectRefused(shipped('production').replace('timezone: Asia/Jakarta', 'timezone: !!binary QXNpYS9KYWthcnRh'), 'laravel.timezone', /^YAML syntax error: line \d+, column \d+: unknown tag !<tag:yaml\.org,2002:binary>/);
    expectRefused(shipped('production').replace('  replicas: 3\n', '  replicas: !!js/function "function () { return 3 }"\n'), 'web.replicas', /unknown tag/);
  });

  test('a value that contains itself through an alias is refused at its key', () => {
    expectRefused(shipped('production').replace('laravel:\n  image:\n    repository: ghcr.io/example/pembayaran', 'laravel: &self\n  image:\n    repository: *self'), 'laravel.image.repository', /^is a YAML alias of a value that contains it/);
  });

  test('npm run validate on a FIFO refuses it instead of hanging', () => {
    const fifo = path.join(work, 'manifests.yaml');
    require('child_process').execFileSync('mkfifo', [fifo]);
    const result = runCommand('tools/validate/cli.ts', [fifo]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`validate: cannot read manifests: ${fifo}: is a FIFO (named pipe), not a regular file; refused (only regular files are read)\n`);
    const dir = fs.mkdtempSync(path.join(work, 'manifests-'));
    require('child_process').execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    expect(runCommand('tools/validate/cli.ts', [dir]).stderr).toMatch(/pipe\.yaml: is a FIFO \(named pipe\), not a regular file; refused/);
  });

  test('a config file over 1 MiB is refused before it is read', () => {
    const lines = refused(['--config', configFile(`${shipped('production')}\n# ${'z'.repeat(1024 * 1024)}\n`)]);
    expect(lines).toEqual([expect.stringMatching(/: is \d+ bytes; the limit is 1048576 bytes \(1 MiB\)$/)]);
  });

  test('a value that makes an object exceed 1 MiB is refused with its key', () => {
    const text = `${shipped('production').replace('  timezone: Asia/Jakarta', `  timezone: Asia/Jakarta\n  env:\n    BANNER_A: &banner "${'b'.repeat(400_000)}"\n    BANNER_B: *banner\n    BANNER_C: *banner`)}`;
    expectRefused(text, 'laravel.env.BANNER_A', /the object is \d+ bytes serialized; the limit is 1048576 bytes .*quality gate api\/object-size on ConfigMap\/pembayaran-laravel.*also from laravel\.env\.BANNER_B, laravel\.env\.BANNER_C/);
  });
});

describe('accepted before, refused by Kubernetes: names and labels of what the project builds', () => {
  test.each([
    ['appName + name over 63 characters in app.kubernetes.io/instance', (d: any) => Object.assign(d, { appName: 'a'.repeat(30), name: 'b'.repeat(40) }), 'name', /with appName "a{30}" gives app\.kubernetes\.io\/instance and the Argo CD Application "a{30}-b{40}" \(71 characters\), which must be no more than 63 characters/],
    ['an image tag of 64+ characters in app.kubernetes.io/version', (d: any) => (d.laravel.image.tag = `1.${'0'.repeat(70)}`), 'laravel.image.tag', /becomes the app\.kubernetes\.io\/version label, which must be no more than 63 characters/],
    ['an image tag starting with _', (d: any) => (d.laravel.image.tag = '_1.4.2'), 'laravel.image.tag', /"_1\.4\.2" becomes the app\.kubernetes\.io\/version label, which a valid label must be an empty string or consist of alphanumeric characters/],
    ['an image tag ending with .', (d: any) => (d.laravel.image.tag = '1.4.'), 'laravel.image.tag', /"1\.4\." becomes the app\.kubernetes\.io\/version label/],
    ['an image tag ending with -', (d: any) => (d.laravel.image.tag = '1.4-'), 'laravel.image.tag', /"1\.4-" becomes the app\.kubernetes\.io\/version label/],
    ['appName 9pay (Service names must be DNS-1035 labels)', (d: any) => (d.appName = '9pay'), 'appName', /^expected prefix of every object name .*DNS-1035 label \(Service names start with it\).*\(got "9pay"\)$/],
    ['laravel.host as an IP address', (d: any) => (d.laravel.host = '10.1.2.3'), 'laravel.host', /"10\.1\.2\.3" is not a DNS host name: it must be a DNS name, not an IP address/],
    ['laravel.host a..b', (d: any) => (d.laravel.host = 'a..b'), 'laravel.host', /expected public host name.*\(got "a\.\.b"\)/],
    ['laravel.host with a 64-character label', (d: any) => (d.laravel.host = `${'h'.repeat(64)}.example.com`), 'laravel.host', /each dot-separated label must be no more than 63 characters \(64 in/],
    ['ingress.className with spaces', (d: any) => (d.web.ingress = { className: 'my class' }), 'web.ingress.className', /expected IngressClass name \(a DNS-1123 subdomain\) \(got "my class"\)/],
    ['ingress.className in upper case', (d: any) => (d.web.ingress = { className: 'Nginx' }), 'web.ingress.className', /\(got "Nginx"\)/],
    ['tlsSecretName Bad_Secret', (d: any) => (d.web.ingress = { tlsSecretName: 'Bad_Secret' }), 'web.ingress.tlsSecretName', /a DNS-1123 subdomain.*\(got "Bad_Secret"\)/],
    ['storageClassName GP3', (d: any) => (d.waGateway.storage.storageClassName = 'GP3'), 'waGateway.storage.storageClassName', /StorageClass name \(a DNS-1123 subdomain\).*\(got "GP3"\)/],
    ['an annotation key "Bad Key"', (d: any) => (d.web.ingress = { annotations: { 'Bad Key': 'x' } }), 'web.ingress.annotations["Bad Key"]', /^expected an annotation key: .*\(got "Bad Key"\)$/],
    ['a podLabels key with a space', (d: any) => (d.database.peers = [{ namespace: 'databases', podLabels: { 'app name': 'mysql' } }]), 'database.peers[0].podLabels["app name"]', /^expected a label key: /],
    ['a podLabels value over 63 characters', (d: any) => (d.database.peers = [{ namespace: 'databases', podLabels: { app: 'm'.repeat(64) } }]), 'database.peers[0].podLabels.app', /expected at most 63 characters/],
    ['a secret store name over 253 characters (found by the property test)', (d: any) => (d.secrets.store.name = 's'.repeat(256)), 'secrets.store.name', /at most 253 characters/],
    ['a monitorLabels value with a slash', (d: any) => (d.observability = { monitorLabels: { release: 'kube/prometheus' } }), 'observability.monitorLabels.release', /^expected a label value: .*\(got "kube\/prometheus"\)$/],
  ])('%s', (_case, change, key, message) => {
    expectRefused(withChanges('production', change), key, message);
  });
});

describe('accepted before, refused by Kubernetes: addresses, times, numbers', () => {
  test.each([
    ['CIDR 999.999.999.999/99', (d: any) => (d.database.peers[0].cidr = '999.999.999.999/99'), 'database.peers[0].cidr', /"999\.999\.999\.999\/99" is not a valid IPv4 CIDR: "999\.999\.999\.999" is not an IPv4 or IPv6 address/],
    ['CIDR 010.020.000.000/24 (leading zeros)', (d: any) => (d.database.peers[0].cidr = '010.020.000.000/24'), 'database.peers[0].cidr', /octets must not have leading zeros/],
    ['CIDR with host bits', (d: any) => (d.redis.peers[0].cidr = '10.20.1.7/24'), 'redis.peers[0].cidr', /host bits are set; the network is 10\.20\.1\.0\/24/],
    ['an except range outside its cidr', (d: any) => (d.database.peers = [{ cidr: '10.20.0.0/24', except: ['10.30.0.0/28'] }]), 'database.peers[0].except[0]', /"10\.30\.0\.0\/28" must be a strict subset of cidr 10\.20\.0\.0\/24/],
    ['an except on a namespace peer (it named neither file nor key)', (d: any) => (d.database.peers = [{ namespace: 'databases', except: ['10.0.0.0/8'] }]), 'database.peers[0].except', /^needs cidr beside it/],
    ['a private CIDR that is no CIDR', (d: any) => (d.networkPolicy = { internetEgress: { allowedPrivateCidrs: ['10.0.0.0/33'] } }), 'networkPolicy.internetEgress.allowedPrivateCidrs[0]', /prefix must be 0 to 32/],
    ['trustedProxies that are not CIDRs or addresses', (d: any) => (d.laravel.trustedProxies = '10.0.0.0/8, *'), 'laravel.trustedProxies', /"\*" is not an IPv4 or IPv6 address or CIDR/],
    ['an invalid time zone', (d: any) => (d.laravel.timezone = 'Asia/Jakart'), 'laravel.timezone', /"Asia\/Jakart" is not a known IANA time zone/],
    ['a memory request above its limit', (d: any) => (d.web.resources.php = { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '768Mi' } }), 'web.resources.php.requests.memory', /1Gi is above the limit 768Mi/],
    ['a CPU request above its limit', (d: any) => (d.fastapi.resources = { requests: { cpu: '2', memory: '128Mi' }, limits: { cpu: '1500m', memory: '256Mi' } }), 'fastapi.resources.requests.cpu', /2 is above the limit 1500m/],
    ['replicas 2147483648 (int32)', (d: any) => (d.web.replicas = 2147483648), 'web.replicas', /expected a number <= 2147483647 \(got 2147483648\)/],
    ['a memory quantity in K (Kubernetes writes k)', (d: any) => (d.fastapi.resources = { requests: { cpu: '100m', memory: '512K' }, limits: { memory: '1024K' } }), 'fastapi.resources.requests.memory', /\(got "512K"\)/],
  ])('%s', (_case, change, key, message) => {
    expectRefused(withChanges('production', change), key, message);
  });

  test('runAsUser: 1e308, written as 1e+308 before, is refused naming the value', () => {
    expectRefused(shipped('production').replace('namespace: pembayaran\n', 'namespace: pembayaran\npodSecurity:\n  runAsUser: 1e308\n'), 'podSecurity.runAsUser', /expected a number <= 2147483647 \(got 1e\+308\)/);
  });

  test('.nan and .inf are named as written, not "(got null)"', () => {
    expectRefused(shipped('production').replace('  replicas: 3\n', '  replicas: .nan\n'), 'web.replicas', /expected integer \(got \.nan\)/);
    expectRefused(shipped('production').replace('observability:\n', 'observability:\n  alerts:\n    latencySeconds: .inf\n'), 'observability.alerts.latencySeconds', /expected number \(got \.inf\)/);
  });
});

describe('plaintext secrets, wherever they are', () => {
  test.each([
    ['database.host mysql://root:pw@...', (d: any) => (d.database.host = 'mysql://root:pw@mysql.internal/pembayaran'), 'database.host'],
    ['redis.host with a password', (d: any) => (d.redis.host = 'tls://:s3cret@redis.internal'), 'redis.host'],
    ['laravel.url with credentials', (d: any) => (d.laravel.url = 'https://admin:hunter2@pembayaran.example.com'), 'laravel.url'],
    ['a CORS origin with credentials', (d: any) => (d.laravel.corsAllowedOrigins = ['https://u:p@shop.example.com']), 'laravel.corsAllowedOrigins[0]'],
    ['objectStorage.endpoint with keys', (d: any) => (d.objectStorage.endpoint = 'https://AKIAEXAMPLE:wJalrXUtnFEMI@s3.example.com'), 'objectStorage.endpoint'],
    ['runbookBaseUrl with a token', (d: any) => (d.observability = { alerts: { runbookBaseUrl: 'https://bot:tok3n@wiki.example.com/runbooks' } }), 'observability.alerts.runbookBaseUrl'],
    ['argocd.repoURL with a token', (d: any) => (d.argocd.repoURL = 'https://oauth2:glpat-abcdefghijklmnopqrst@gitlab.example.com/platform/gitops.git'), 'argocd.repoURL'],
    ['an annotation value with credentials', (d: any) => (d.web.ingress = { annotations: { 'nginx.ingress.kubernetes.io/auth-url': 'https://user:pass@auth.example.com/check' } }), 'web.ingress.annotations["nginx.ingress.kubernetes.io/auth-url"]'],
    ['a PEM private key in any string', (d: any) => (d.secrets.remoteKey = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----'), 'secrets.remoteKey'],
    ['DB_PASS in an env map', (d: any) => (d.laravel.env = { DB_PASS: 'hunter2' }), 'laravel.env.DB_PASS'],
    ['MAIL_PASS in an env map', (d: any) => (d.fastapi.env = { MAIL_PASS: 'hunter2' }), 'fastapi.env.MAIL_PASS'],
    ['REDIS_URL redis://:pw@...', (d: any) => (d.laravel.env = { REDIS_URL: 'redis://:pw@redis.internal:6379' }), 'laravel.env.REDIS_URL'],
    ['a password containing /', (d: any) => (d.laravel.env = { DATABASE_URL: 'mysql://app:pa/ss@mysql.internal/db' }), 'laravel.env.DATABASE_URL'],
    ['a Stripe live key', (d: any) => (d.laravel.env = { STRIPE_CONFIG: 'sk_live_51HabcdefghijklmnopQRST' }), 'laravel.env.STRIPE_CONFIG'],
    ['an AWS access key id', (d: any) => (d.waGateway.env = { S3_ID: 'AKIAIOSFODNN7EXAMPLE' }), 'waGateway.env.S3_ID'],
    ['a GitHub token', (d: any) => (d.laravel.env = { DEPLOY: `ghp_${'a'.repeat(36)}` }), 'laravel.env.DEPLOY'],
    ['a Slack bot token', (d: any) => (d.laravel.env = { NOTIFY: 'xoxb-1234567890-abcdefghij' }), 'laravel.env.NOTIFY'],
  ])('%s', (_case, change, key) => {
    const lines = expectRefused(withChanges('production', change), key, /^looks like a secret in plain text \(.+\); move it to the secret manager and list it under secretEnv instead$/);
    // The secret itself is never echoed.
    expect(lines.join('\n')).not.toMatch(/hunter2|s3cret|tok3n|pa\/ss|wJalrXUtnFEMI|MIIEpAIBAAKCAQEA|sk_live_51H|AKIAIOSFODNN7EXAMPLE|ghp_a{36}|xoxb-1234567890/);
  });

  test('values that only look alike are accepted: URLs without credentials, ExternalSecret key names, e-mail addresses', () => {
    const file = configFile(
      withChanges('production', (d) => {
        d.argocd.repoURL = 'ssh://git@github.com/example/pembayaran-gitops.git';
        d.objectStorage.url = 'https://cdn.example.com:8443/files/@uploads';
        d.secrets.remoteKey = 'prod/pembayaran:app';
        d.secrets.remoteRefs = { DB_PASSWORD: { key: 'prod/mysql/credentials', property: 'password' } };
        d.laravel.secretEnv = { STRIPE_SECRET: { key: 'prod/stripe', property: 'secret_key' } };
        d.laravel.env = { MAIL_FROM_ADDRESS: 'billing@example.com', PASSPORT_ENABLED: 'true', BYPASS_CACHE: 'false', WEBHOOK_URL: 'https://hooks.example.com/pay?email=a:b@c', COMPASS_MODE: 'on' };
        d.observability = { alerts: { runbookBaseUrl: 'https://wiki.example.com/runbooks' } };
      }),
    );
    const separate = path.join(work, 'accepted');
    const result = runSynth(['--config', file, '--outdir', separate], { cwd: work });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('messages name the file and the key path', () => {
  test('latest in staging, refused by the gate, points back to laravel.image.tag', () => {
    const lines = refused(['--config', configFile(withChanges('staging', (d) => (d.laravel.image.tag = 'latest')))]);
    expect(lines).toEqual([
      expect.stringMatching(/^case-\d+\.yaml: laravel\.image\.tag: .*image "ghcr\.io\/example\/pembayaran:latest" uses the latest tag; pin a version tag or digest \(quality gate policy\/image-pinned on Deployment\/pembayaran-reverb, Deployment\/pembayaran-scheduler, Deployment\/pembayaran-web and 2 more\)$/),
      expect.stringMatching(/^synth refused: \d+ finding\(s\) from the quality gate; dist\/ left unchanged/),
    ]);
  });

  test('--help prints the usage and exits 0', () => {
    const result = runSynth(['--help']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/^usage: npm run synth /);
    expect(result.stdout).toContain('--config-dir <dir>');
  });
});

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../tools/connectivity/cli';
import { ConnectivityModel, describeVerdict, Endpoint } from '../../../tools/connectivity/analyzer';
import { loadManifests } from '../../../tools/k8s/manifests';

/** Hand-written manifests shaped like the pembayaran chart's output, one object per file. */
const FIXTURE = path.join(__dirname, 'fixtures', 'pembayaran');

function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** The row of a matrix whose label starts with `label`, as its marks. */
function row(report: string, label: string): string[] {
  const line = report.split('\n').find((l) => l.trimStart().startsWith(label + '  '));
  if (!line) throw new Error(`no row "${label}" in:\n${report}`);
  return line
    .slice(line.indexOf(label) + label.length)
    .trim()
    .split(/\s+/);
}

describe('connectivity CLI', () => {
  test('prints the ingress matrix and the egress table', () => {
    const { code, stdout, stderr } = run(FIXTURE);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('6 workloads in pembayaran; 9 NetworkPolicies');
    expect(stdout).toContain('[1] Deployment/fastapi:8001/TCP (http)');
    expect(stdout).toContain('[2] Deployment/wa-gateway:3001/TCP (http)');
    expect(stdout).toContain('[3] Deployment/web:8080/TCP (http)');
    expect(stdout).toContain('[4] cert-manager HTTP-01 solver (hypothetical):8089/TCP (http)');
    // Columns: fastapi:8001, wa-gateway:3001, web:8080, the solver a certificate issuance would start.
    expect(row(stdout, 'Deployment/web')).toEqual(['✓', '·', '·', '·']);
    expect(row(stdout, 'Deployment/fastapi')).toEqual(['·', '✓', '·', '·']);
    expect(row(stdout, 'Deployment/wa-gateway')).toEqual(['·', '·', '·', '·']);
    expect(row(stdout, 'unlabelled pod in pembayaran')).toEqual(['·', '·', '·', '·']);
    expect(row(stdout, 'pod in another-namespace')).toEqual(['·', '·', '·', '·']);
    // Manifests without an edge object get the ingress controller row (the fixture admits no solver).
    expect(row(stdout, 'ingress controller (ingress-nginx)')).toEqual(['·', '·', '✓', '·']);
    expect(row(stdout, 'external 203.0.113.10')).toEqual(['·', '·', '·', '·']);
    // Egress columns: DNS UDP, DNS TCP, NodeLocal DNS UDP, 1.1.1.1:443, 10.0.0.1:443.
    expect(stdout).toMatch(/source +DNS 53\/UDP +DNS 53\/TCP +NodeLocal DNS 53\/UDP +1\.1\.1\.1:443 +10\.0\.0\.1:443/);
    expect(row(stdout.slice(stdout.indexOf('Egress:')), 'Deployment/web')).toEqual(['✓', '✓', '·', '✓', '·']);
    expect(row(stdout.slice(stdout.indexOf('Egress:')), 'Deployment/fastapi')).toEqual(['✓', '✓', '·', '·', '·']);
  });

  describe.each(['production', 'staging'])('the committed dist/%s, through its Gateway', (env) => {
    const dist = path.join(__dirname, '../../../dist', env);
    const { code, stdout } = run(dist);
    const gateway = env === 'production' ? 'gateway-system/public' : 'pembayaran-staging/pembayaran-gateway';
    const egress = stdout.slice(stdout.indexOf('Egress:'));

    test('the row of the Gateway the HTTPRoutes attach to reaches nginx (and the solver where staging proves its own certificates), nothing else', () => {
      expect(code).toBe(0);
      // Columns: fastapi, queue-metrics, reverb (websockets), wa-gateway, web http, web health (the kubelet's), fpm-metrics, nginx-metrics, the solver.
      expect(row(stdout, `gateway proxy of ${gateway} (envoy-gateway-system)`)).toEqual(['·', '·', '✓', '·', '✓', '·', '·', '·', env === 'staging' ? '✓' : '·']);
      // No Ingress: no ingress controller row, and no other source reaches the solver.
      expect(stdout).not.toContain('ingress controller (');
      const matrix = stdout.slice(stdout.indexOf('Ingress:'), stdout.indexOf('Egress:'));
      const solverColumn = matrix.split('\n').filter((l) => /^  \S/.test(l) && /[✓·]\s*$/.test(l) && !l.includes('gateway proxy')).map((l) => l.trim().split(/\s+/).pop());
      expect(solverColumn.length).toBeGreaterThan(8);
      expect(solverColumn.filter((mark) => mark === '✓')).toEqual([]);
    });

    test('NodeLocal DNSCache is reachable where the environment runs it (production), and nowhere else', () => {
      const column = (label: string) => row(egress, label)[2];
      for (const w of ['Deployment/pembayaran-web', 'Deployment/pembayaran-fastapi', 'Deployment/pembayaran-scheduler']) expect(column(w)).toBe(env === 'production' ? '✓' : '·');
    });
  });

  test('--gateway-namespace moves the Gateway proxy rows', () => {
    const { code, stdout } = run(path.join(__dirname, '../../../dist/production'), '--gateway-namespace', 'edge');
    expect(code).toBe(0);
    expect(row(stdout, 'gateway proxy of gateway-system/public (edge)')).toEqual(['·', '·', '·', '·', '·', '·', '·', '·', '·']);
  });

  test('--ingress-namespace moves the ingress controller probe', () => {
    const { code, stdout } = run(FIXTURE, '--ingress-namespace', 'traefik');
    expect(code).toBe(0);
    expect(row(stdout, 'ingress controller (traefik)')).toEqual(['·', '·', '·', '·']);
  });

  test('a Prometheus row shows who scrapes; --monitoring-namespace moves it', () => {
    const shipped = path.join(__dirname, '../../../dist/production');
    const { code, stdout } = run(shipped);
    expect(code).toBe(0);
    // Columns: fastapi, queue-metrics, reverb, wa-gateway, web http, web health, fpm-metrics, nginx-metrics, solver.
    expect(row(stdout, 'prometheus (monitoring)')).toEqual(['·', '✓', '·', '·', '·', '·', '✓', '✓', '·']);
    const moved = run(shipped, '--monitoring-namespace', 'observability').stdout;
    expect(row(moved, 'prometheus (observability)')).toEqual(['·', '·', '·', '·', '·', '·', '·', '·', '·']);
  });

  test('--egress adds targets and --namespace declares namespace labels', () => {
    const { code, stdout } = run(
      FIXTURE,
      '--egress',
      '10.20.0.5:5432',
      '--egress',
      '[2001:db8::1]:443',
      '--namespace',
      'ingress-nginx:team=edge',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/10\.0\.0\.1:443 +10\.20\.0\.5:5432 +2001:db8::1:443/);
    expect(row(stdout.slice(stdout.indexOf('Egress:')), 'Deployment/web')).toEqual(['✓', '✓', '·', '✓', '·', '✓', '·']);
  });

  test.each([
    [[], 'give the folder of synthesized manifests'],
    [['does/not/exist'], 'no such file or directory: does/not/exist'],
    [[FIXTURE, '--bogus'], "Unknown option '--bogus'"],
    [[FIXTURE, '--egress', '1.1.1.1'], '--egress "1.1.1.1": expected IP:PORT'],
    [[FIXTURE, '--egress', '1.1.1:443'], 'expected IP:PORT'],
    [[FIXTURE, '--namespace', 'Bad_Name'], 'is not a namespace name'],
    [[FIXTURE, '--namespace', 'edge:team'], 'expected key=value'],
    [[FIXTURE, '--ingress-namespace', 'NGINX'], 'is not a namespace name'],
    [[FIXTURE, '--gateway-namespace', 'Envoy'], '--gateway-namespace "Envoy" is not a namespace name'],
  ])('usage error %j exits 2 with one line', (argv, message) => {
    const { code, stdout, stderr } = run(...argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test('an empty folder is a usage error; unreadable YAML exits 1 with one line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connectivity-'));
    try {
      expect(run(dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('no .yaml/.yml manifests found') });
      fs.writeFileSync(path.join(dir, 'broken.yaml'), 'kind: [unclosed\n');
      const { code, stderr } = run(dir);
      expect(code).toBe(1);
      expect(stderr).toContain('broken.yaml');
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help prints usage', () => {
    expect(run('--help')).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: npm run connectivity') });
  });
});

/**
 * The shape of the proof the issue asks for, run against the fixture: the same assertions can be
 * pointed at dist/<environment> once the chart is synthesized.
 */
describe('only intended callers reach FastAPI 8001 and the WA gateway 3001', () => {
  const model = new ConnectivityModel(loadManifests([FIXTURE]).map((m) => m.object));
  const byName = (name: string) => {
    const w = model.workloads().find((x) => x.name === name);
    if (!w) throw new Error(`no workload ${name}`);
    return w;
  };
  const sources: [string, Endpoint][] = [
    ...model.workloads().map((w): [string, Endpoint] => [w.name, w]),
    ['unlabelled pod in pembayaran', { namespace: 'pembayaran', labels: {} }],
    ['pod labelled fastapi in attacker ns', { namespace: 'attacker', labels: { 'app.kubernetes.io/component': 'fastapi' } }],
    ['ingress controller', { namespace: 'ingress-nginx', labels: {} }],
    ['kube-system pod', { namespace: 'kube-system', labels: {} }],
    ['external 10.20.0.9', { ip: '10.20.0.9' }],
    ['external 8.8.8.8', { ip: '8.8.8.8' }],
  ];

  test.each([
    ['Deployment/fastapi', 8001, ['CronJob/scheduler', 'Deployment/queue', 'Deployment/web', 'Job/migrate']],
    ['Deployment/wa-gateway', 3001, ['Deployment/fastapi']],
  ])('%s:%d', (destination, port, expected) => {
    const to = byName(destination);
    const reaching = sources.filter(([, from]) => model.canReach(from, to, port)).map(([name]) => name);
    const why = sources.map(([, from]) => describeVerdict(model.explain(from, to, port))).join('\n');
    expect({ reaching, why }).toEqual({ reaching: expected, why: expect.any(String) });
  });
});

/**
 * The harness itself, on synthetic Pods: the Kubernetes semantics every runtime test relies on (command
 * and args, environment order and $(VAR) expansion, volumes, users, init containers, PID 1 and signals,
 * the grace period), and its preflight.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cluster, externalSecretKeys } from './harness/cluster';
import { expand } from './harness/pod';
import { describeRuntime, probeSatisfied, requirements } from './harness/preflight';
import { waitFor } from './harness/processes';

jest.setTimeout(60000);

/** The nginx stand-in is the host's root with nothing layered: a neutral image for these tests. */
const IMAGE = 'docker.io/nginxinc/nginx-unprivileged:1.27.3-alpine';
const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };

function pod(spec: any, name = 'probe') {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name } },
    spec: { securityContext: { runAsUser: 10001, runAsGroup: 10002, fsGroup: 10003 }, restartPolicy: 'Never', ...spec },
  };
}
const sh = (name: string, script: string, extra: any = {}) => ({ name, image: IMAGE, command: ['/bin/sh', '-c', script], securityContext: hardened, ...extra });

describe('harness helpers', () => {
  test("Kubernetes' $(VAR) expansion: defined names are replaced, $$ escapes, unknown ones stay", () => {
    expect(expand('a=$(A) b=$(B) $$(A) $(not a var) $HOME', { A: '1' })).toBe('a=1 b=$(B) $(A) $(not a var) $HOME');
  });

  test("an ExternalSecret's keys: its data, or its template's when it extracts a whole remote key", () => {
    expect(externalSecretKeys({ spec: { data: [{ secretKey: 'B' }, { secretKey: 'A' }] } })).toEqual(['A', 'B']);
    expect(externalSecretKeys({ spec: { dataFrom: [{ extract: { key: 'k' } }], target: { template: { data: { X: '{{ .x }}' } } } } })).toEqual(['X']);
    expect(externalSecretKeys({ spec: { data: [{ secretKey: 'A' }], target: { template: { mergePolicy: 'Merge', data: { X: '' } } } } })).toEqual(['A', 'X']);
  });

  test('the preflight reads the one package list and knows its three kinds of probe', () => {
    const list = requirements();
    expect(list.map((r) => r.pkg)).toEqual(expect.arrayContaining(['nginx', 'php8.2-fpm', 'php-laravel-framework', 'redis-server', 'mariadb-server', 'postgresql', 'awscli', 'python3-uvicorn']));
    for (const r of list) expect(r.probe).toMatch(/^(\/|php:|python:)/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'preflight-'));
    try {
      fs.writeFileSync(path.join(dir, 'packages.txt'), '# comment\nfoo   /usr/bin/no-such-thing\nbar   php:no_such_extension\n\n');
      expect(requirements(path.join(dir, 'packages.txt'))).toEqual([{ pkg: 'foo', probe: '/usr/bin/no-such-thing' }, { pkg: 'bar', probe: 'php:no_such_extension' }]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(probeSatisfied('/usr/bin/no-such-thing')).toBe(false);
    expect(probeSatisfied('/usr/lib/*/no-such-dir/x')).toBe(false);
  });
});

describeRuntime('the generic pod runner', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await Cluster.start();
    cluster.apply([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { SHARED: 'from-configmap', ONLY_CM: 'cm', 'app.conf': 'key = value\n' } },
      { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'creds' }, spec: { target: { name: 'creds' }, data: [{ secretKey: 'SHARED' }, { secretKey: 'TOKEN' }] } },
    ]);
    cluster.setSecretValues('creds', { TOKEN: 's3cr3t' });
  });
  afterAll(async () => cluster?.stop());

  const run = async (spec: any, name?: string) => {
    const p = await cluster.runPod(pod(spec, name));
    await p.waitForCompletion();
    return p;
  };

  test("command replaces the image's ENTRYPOINT; args alone go to it", async () => {
    // The Laravel stand-in has the php image's ENTRYPOINT (docker-php-entrypoint) and CMD (php-fpm).
    const php = 'ghcr.io/example/pembayaran:1.4.2';
    const p = await run({
      volumes: [{ name: 'tmp', emptyDir: {} }],
      containers: [
        { name: 'args-only', image: php, args: ['-v'], securityContext: hardened, volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] },
        { name: 'command', image: php, command: ['/bin/echo'], args: ['replaced'], securityContext: hardened },
      ],
    }, 'entrypoints');
    // docker-php-entrypoint turns a leading option into `php-fpm <option>`.
    expect(p.logs('args-only')).toMatch(/^PHP 8\.2\.\d+ \(fpm-fcgi\)/);
    expect(p.logs('command')).toBe('replaced\n');
  });

  test('environment: image ENV, envFrom in order, then env with $(VAR) expansion; HOSTNAME, HOME, field refs', async () => {
    const p = await run({
      containers: [
        sh('env', 'env | sort', {
          envFrom: [{ configMapRef: { name: 'settings' } }, { secretRef: { name: 'creds' } }],
          env: [
            { name: 'GREETING', value: 'token=$(TOKEN) literal=$$(TOKEN) missing=$(NOPE)' },
            { name: 'FROM_KEY', valueFrom: { configMapKeyRef: { name: 'settings', key: 'ONLY_CM' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
        }),
      ],
    }, 'envpod');
    const env = Object.fromEntries(p.logs('env').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env).toMatchObject({
      SHARED: 'made-up-shared', // the secret came after the ConfigMap in envFrom
      ONLY_CM: 'cm',
      TOKEN: 's3cr3t',
      GREETING: 'token=s3cr3t literal=$(TOKEN) missing=$(NOPE)',
      FROM_KEY: 'cm',
      POD_IP: p.ip,
      HOSTNAME: 'envpod',
      HOME: '/',
      PATH: expect.stringContaining('/usr/bin'),
    });
  });

  test('a missing ConfigMap or key fails the pod before it starts', async () => {
    await expect(cluster.runPod(pod({ containers: [sh('c', 'true', { envFrom: [{ configMapRef: { name: 'nope' } }] })] }))).rejects.toThrow(/no ConfigMap nope/);
    await expect(cluster.runPod(pod({ containers: [sh('c', 'true', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'creds', key: 'NOPE' } } }] })] }))).rejects.toThrow(/key NOPE missing/);
  });

  test('the pod user, fsGroup as supplementary group, no new privileges, no capabilities', async () => {
    const p = await run({ containers: [sh('id', 'id -u; id -g; id -G; grep -E "^(NoNewPrivs|CapEff|CapBnd)" /proc/self/status')] });
    expect(p.logs('id')).toMatch(/^10001\n10002\n10002 10003\nCapEff:\s+0+\nCapBnd:\s+0+\nNoNewPrivs:\s+1\n$/);
  });

  test('volumes: emptyDir fresh per pod and fsGroup-owned, configMap items read-only with their modes, subPath files; the root read-only', async () => {
    const volumes = [
      { name: 'scratch', emptyDir: {} },
      { name: 'conf', configMap: { name: 'settings', items: [{ key: 'app.conf', path: 'nested/app.conf', mode: 0o600 }] } },
      { name: 'whole', configMap: { name: 'settings' } },
    ];
    const script = [
      'echo one > /scratch/file && stat -c "%g %a" /scratch/file /scratch',
      'stat -c "%a" /etc/app/nested/app.conf',
      'cat /opt/single.conf',
      'ls /usr/share/pembayaran-harness',
      'touch /etc/app/x 2>/dev/null && echo conf-writable || echo conf-read-only',
      'touch /usr/x 2>/dev/null && echo root-writable || echo root-read-only',
      'touch /tmp/x 2>/dev/null && echo tmp-writable || echo tmp-read-only',
    ].join('; ');
    const mounts = [
      { name: 'scratch', mountPath: '/scratch' },
      { name: 'conf', mountPath: '/etc/app' },
      { name: 'whole', mountPath: '/opt/single.conf', subPath: 'app.conf' },
      // A mount point the image does not have, under a read-only host directory.
      { name: 'whole', mountPath: '/usr/share/pembayaran-harness' },
    ];
    const p = await run({ volumes, containers: [sh('v', script, { volumeMounts: mounts })] });
    expect(p.logs('v').split('\n')).toEqual(['10003 644', '10003 2777', '600', 'key = value', 'ONLY_CM', 'SHARED', 'app.conf', 'conf-read-only', 'root-read-only', 'tmp-read-only', '']);
    // The mount point was made in the container's view only.
    expect(fs.existsSync('/usr/share/pembayaran-harness')).toBe(false);
    const again = await run({ volumes, containers: [sh('v', 'ls -A /scratch | wc -l', { volumeMounts: mounts })] });
    expect(again.logs('v')).toBe('0\n');
  });

  test('a claim keeps its data across pods', async () => {
    const volumes = [{ name: 'data', persistentVolumeClaim: { claimName: 'kept' } }];
    const write = await run({ volumes, containers: [sh('w', 'echo remembered > /data/note', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })] });
    expect(write.logs('w')).toBe('');
    const read = await run({ volumes, containers: [sh('r', 'cat /data/note', { volumeMounts: [{ name: 'data', mountPath: '/data' }] })] });
    expect(read.logs('r')).toBe('remembered\n');
  });

  test('init containers run in order, each to completion; a failing one fails the pod with its log', async () => {
    const volumes = [{ name: 'shared', emptyDir: {} }];
    const m = [{ name: 'shared', mountPath: '/shared' }];
    const p = await run({
      volumes,
      initContainers: [sh('first', 'echo first >> /shared/order', { volumeMounts: m }), sh('second', 'echo second >> /shared/order', { volumeMounts: m })],
      containers: [sh('main', 'echo main >> /shared/order; cat /shared/order', { volumeMounts: m })],
    });
    expect(p.logs('main')).toBe('first\nsecond\nmain\n');
    await expect(cluster.runPod(pod({ initContainers: [sh('broken', 'echo cannot prepare; exit 3')], containers: [sh('main', 'true')] }))).rejects.toThrow(/init container broken of .* failed \(3\):\s+cannot prepare/);
  });

  test('the command is PID 1: without a handler it ignores the stop signal and is killed when the grace period ends', async () => {
    // $$$$: the kubelet reduces $$ to $ in commands, so the shell sees $$.
    const p = await cluster.runPod(pod({ terminationGracePeriodSeconds: 1, containers: [sh('pid1', 'echo "pid $$$$"; exec sleep 3600')] }));
    await waitFor('the shell to report its PID', () => p.logs('pid1').endsWith('\n'));
    expect(p.logs('pid1')).toBe('pid 1\n');
    const report = await p.terminate();
    expect(report.containers.pid1).toMatchObject({ killed: true, exit: { code: 137, signal: 'SIGKILL' } });
    expect(report.containers.pid1.exitedAt - report.startedAt).toBeGreaterThanOrEqual(1000);
  });

  test('a PID 1 that handles the stop signal stops gracefully after the preStop hook, whose output is reported', async () => {
    const script = 'trap "echo got QUIT; exit 0" QUIT; echo trap set; while :; do sleep 0.1; done';
    const p = await cluster.runPod(pod({ containers: [sh('graceful', script, { lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'echo hook ran; sleep 1'] } } } })] }));
    // The signal must find the handler in place (PID 1 ignores a signal it has none for).
    await waitFor('the handler to be set', () => p.logs('graceful').includes('trap set'));
    const report = await p.terminate({ gracePeriodSeconds: 20 });
    const c = report.containers.graceful;
    expect(c).toMatchObject({ killed: false, exit: { code: 0 } });
    expect(c.preStop!.exit.stdout).toBe('hook ran\n');
    expect(c.signalledAt!).toBeGreaterThanOrEqual(c.preStop!.endedAt);
    expect(p.logs('graceful')).toContain('got QUIT');
  });

  test('a killed pod leaves no process behind: PID 1 of every container and what it started are gone', async () => {
    // The pod user is not root: setpriv's user change clears unshare's parent-death signal, so killing the
    // runtime process alone would leave the container running, orphaned.
    const p = await cluster.runPod(pod({ containers: [sh('forks', 'sleep 3600 & echo started; exec sleep 3600')] }, 'leak'));
    await waitFor('the child to start', () => p.logs('forks').includes('started'));
    const pids = (await p.container('forks').processes()).map((x) => x.pid);
    expect(pids.length).toBeGreaterThanOrEqual(2);
    await p.kill();
    await waitFor('every process of the pod to be gone', () => pids.every((pid) => !fs.existsSync(`/proc/${pid}`)));
  });

  test('pods have their own network: loopback is private, the pod IP is reachable from the node', async () => {
    const script = '/usr/bin/python3 -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\'127.0.0.1\', 7070)); s.listen(); t=socket.socket(); t.bind((\'0.0.0.0\', 7071)); t.listen(); time.sleep(60)"';
    const a = await cluster.runPod(pod({ containers: [sh('srv', script)] }, 'net-a'));
    const b = await cluster.runPod(pod({ containers: [sh('srv', script)] }, 'net-b'));
    try {
      expect(a.ip).not.toBe(b.ip);
      // Both listen once 7071 answers (7070 is bound first).
      await waitFor('both servers to listen', async () => (await cluster.network.canConnect(a.ip, 7071)) && (await cluster.network.canConnect(b.ip, 7071)));
      expect(await cluster.network.canConnect(a.ip, 7070)).toBe(false);
      expect((await a.debug(['/usr/bin/python3', '-c', "import socket; socket.create_connection(('127.0.0.1', 7070), 2)"])).code).toBe(0);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  });
});

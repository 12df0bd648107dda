/**
 * The notification services on the same harness: the FastAPI container's command (uvicorn) on a tiny
 * FastAPI app, proving the port, the health path and a graceful shutdown; and the WA gateway's contract
 * (PORT, SESSION_DIR on the claim across pods, a writable HOME) with a stand-in process.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PORTS } from '../../lib/core/defaults';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

describeRuntime('the FastAPI notification service', () => {
  let env: LaravelEnvironment;
  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production' });
  });
  afterAll(async () => env?.stop());

  test('uvicorn serves the app on 8001 on the pod IP; the health path answers every probe', async () => {
    const deployment = env.object('Deployment', 'fastapi');
    const pod = await env.cluster.runPod(deployment);
    try {
      const c = pod.containerSpec('uvicorn');
      expect(c.ports).toEqual([{ name: 'http', containerPort: PORTS.fastapi, protocol: 'TCP' }]);
      for (const kind of ['startup', 'readiness', 'liveness'] as const) {
        expect(c[`${kind}Probe`].httpGet.path).toBe(env.config.fastapi.healthPath);
        expect(await pod.probe('uvicorn', kind)).toMatchObject({ ok: true });
      }
      const seen = JSON.parse((await env.cluster.http({ url: `http://${pod.ip}:${PORTS.fastapi}/whoami` })).text);
      expect(seen.env.LOG_LEVEL).toBe(env.config.fastapi.logLevel);
      expect(seen.env.WA_GATEWAY_URL).toContain(':3001');
    } finally {
      await pod.kill();
    }
  });

  test('graceful shutdown: after the preStop drain uvicorn stops accepting, finishes the request in flight and exits 0', async () => {
    const pod = await env.cluster.runPod(env.object('Deployment', 'fastapi'));
    const drain = Number(pod.containerSpec('uvicorn').lifecycle.preStop.exec.command[1]);
    const inFlight = env.cluster.http({ url: `http://${pod.ip}:${PORTS.fastapi}/slow?seconds=${drain + 3}`, timeoutSeconds: 60 });
    await waitFor('the request to reach uvicorn', async () => (await pod.exec('uvicorn', ['/bin/sh', '-c', 'cat /proc/net/tcp | grep -c " 01 "'])).stdout.trim() !== '0');
    const terminating = pod.terminate();
    await waitFor('uvicorn to stop accepting', async () => !(await env.cluster.network.canConnect(pod.ip, PORTS.fastapi)), { timeoutMs: 60000, intervalMs: 200 });
    const answer = await inFlight;
    expect([answer.status, JSON.parse(answer.text)]).toEqual([200, { slept: drain + 3 }]);
    const report = await terminating;
    expect(report.containers.uvicorn).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    expect(report.containers.uvicorn.exitedAt - report.startedAt).toBeLessThan(pod.spec.terminationGracePeriodSeconds * 1000);
    expect(pod.logs('uvicorn')).toMatch(/Waiting for connections to close|Shutting down/);
  });
});

describe.each(['production', 'staging'] as const)('the WA gateway of %s', (environment) => {
  describeRuntime(`the WA gateway of ${environment}, with a stand-in honouring its contract`, () => {
    let env: LaravelEnvironment;
    beforeAll(async () => {
      env = await startLaravelEnvironment({ environment });
    });
    afterAll(async () => env?.stop());

    test('listens on PORT, keeps its session on the claim across pods, writes under a writable HOME', async () => {
      const deployment = env.object('Deployment', 'wa-gateway');
      const first = await env.cluster.runPod(deployment);
      for (const kind of ['startup', 'readiness', 'liveness'] as const) expect(await first.probe('gateway', kind)).toMatchObject({ ok: true });
      const health = JSON.parse((await env.cluster.http({ url: `http://${first.ip}:${PORTS.waGateway}/health` })).text);
      expect(health).toMatchObject({ status: 'ready', starts: 1, logLevel: env.config.waGateway.logLevel });
      const report = await first.terminate();
      expect(report.containers.gateway).toMatchObject({ killed: false, exit: { code: 0, signal: null } });

      // A new pod (a rollout, a node drain) finds the same session on the claim.
      const second = await env.cluster.runPod(deployment);
      const again = JSON.parse((await env.cluster.http({ url: `http://${second.ip}:${PORTS.waGateway}/health` })).text);
      expect(again).toMatchObject({ session: health.session, starts: 2 });
      const claim = deployment.spec.template.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
      expect(JSON.parse(fs.readFileSync(path.join(env.cluster.claimDir(claim), 'session.json'), 'utf8')).id).toBe(health.session);
      expect(second.logs('gateway')).toContain(`"session":"${health.session}"`);
      await second.kill();
    });

    test('the stand-in holds the image to its contract: with HOME on the read-only root it refuses to start', async () => {
      const deployment = env.object('Deployment', 'wa-gateway');
      await expect(env.cluster.runPod(deployment, { env: { gateway: { HOME: '/', XDG_CACHE_HOME: '/.cache' } } })).rejects.toThrow(/cannot write the browser profile under \/\.cache/);
    });
  });
});

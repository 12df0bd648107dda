/**
 * Deleting a web pod, driven by real signals as the kubelet sends them: both preStop hooks start at
 * once; nginx drains, then quits (it stops accepting and finishes what it holds); php-fpm keeps serving
 * until nginx has exited, then gets the image's SIGQUIT. In-flight requests, a slow upload among them,
 * complete within the grace period.
 */
import { NGINX_PID_FILE } from '../../lib/laravel/web-server-config';
import { Pod, TerminationReport } from './harness/pod';
import { describeRuntime } from './harness/preflight';
import { waitFor } from './harness/processes';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(180000);

/** Long enough to send a request while draining without racing the clock. */
const DRAIN_SECONDS = 3;
/** An upload slower than the drain: nginx reads its body after it has stopped accepting. */
const UPLOAD_BYTES = 16 * 1024;
const UPLOAD_RATE = '2k';

describeRuntime('the web pod shuts down in order', () => {
  let env: LaravelEnvironment;

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production', change: (doc) => (doc.web.drainSeconds = DRAIN_SECONDS) });
  });
  afterAll(async () => env?.stop());

  /** Starts a slow request and a slow upload, deletes the pod, and reports what happened. */
  async function deleteUnderTraffic(web: Pod) {
    const slow = env.cluster.http({ url: `http://${web.ip}:8080/slow?seconds=${DRAIN_SECONDS + 4}`, headers: hostHeader(env.config), timeoutSeconds: 120 });
    const upload = env.cluster.http({ url: `http://${web.ip}:8080/upload`, method: 'POST', headers: hostHeader(env.config), body: Buffer.alloc(UPLOAD_BYTES, 'u'), limitRate: UPLOAD_RATE, timeoutSeconds: 120 });
    // Both under way (stub_status counts a body being read as writing; the status request is the third).
    await waitFor('requests in flight', async () => {
      const status = (await web.debug(['curl', '-sS', 'http://127.0.0.1:8081/nginx-status'])).stdout;
      return Number(/Writing: (\d+)/.exec(status)?.[1]) >= 3;
    });
    const terminating = web.terminate();
    const duringDrain = await env.cluster.http({ url: `http://${web.ip}:8080/x`, headers: hostHeader(env.config) });
    await waitFor('nginx to stop accepting', async () => !(await env.cluster.network.canConnect(web.ip, 8080)), { timeoutMs: 60000, intervalMs: 100 });
    const afterQuit = { nginxRunning: web.container('nginx').running, phpFpmRunning: web.container('php-fpm').running };
    const refused = await env.cluster.http({ url: `http://${web.ip}:8080/x`, headers: hostHeader(env.config), timeoutSeconds: 5 });
    const report: TerminationReport = await terminating;
    return { slow: await slow, upload: await upload, duringDrain, afterQuit, refused, report, nginxLog: web.logs('nginx'), phpLog: web.logs('php-fpm') };
  }

  test('nginx drains then stops accepting, php-fpm serves until nginx has gone, and every in-flight request completes', async () => {
    const web = await env.webPod();
    const grace = web.spec.terminationGracePeriodSeconds;
    const { slow, upload, duringDrain, afterQuit, refused, report, nginxLog } = await deleteUnderTraffic(web);

    expect(duringDrain.status).toBe(200);
    // nginx stopped accepting while it still had requests to finish, and php-fpm was still there for them.
    expect(afterQuit).toEqual({ nginxRunning: true, phpFpmRunning: true });
    expect(refused.status).toBe(0);
    expect([slow.status, slow.text]).toEqual([200, `slept ${DRAIN_SECONDS + 4}\n`]);
    expect([upload.status, upload.text]).toEqual([200, `received ${UPLOAD_BYTES}\n`]);
    expect(nginxLog).not.toMatch(/"status":50[234]/);

    const { nginx, 'php-fpm': php } = report.containers;
    // Both stopped on their own, gracefully, well inside the grace period.
    expect(nginx).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    expect(php).toMatchObject({ killed: false, exit: { code: 0, signal: null } });
    expect(php.exitedAt - report.startedAt).toBeLessThan(grace * 1000);
    // The order: php-fpm's preStop ended only once nginx had exited; its SIGQUIT came after.
    expect(php.preStop!.endedAt).toBeGreaterThanOrEqual(nginx.exitedAt);
    expect(php.signalledAt!).toBeGreaterThanOrEqual(nginx.exitedAt);
    // nginx's preStop found its pid file: its `nginx -s quit` made the master finish and exit by itself,
    // which ends the hook with the container (the kubelet's exec processes die with PID 1 too).
    expect(nginx.preStop!.exit.stderr).toContain('signal process started');
    expect(nginx.exitedAt).toBeLessThanOrEqual(nginx.preStop!.endedAt + 1000);
    expect(web.containerSpec('nginx').lifecycle.preStop.exec.command[2]).toContain(`while [ -e ${NGINX_PID_FILE} ]`);
  });

  test('with the previous preStop (php-fpm stops when the drain ends), the same slow upload fails with 502', async () => {
    const deployment = JSON.parse(JSON.stringify(env.object('Deployment', 'web')));
    const php = deployment.spec.template.spec.containers.find((c: any) => c.name === 'php-fpm');
    php.lifecycle.preStop.exec.command = ['sleep', String(DRAIN_SECONDS)];
    const web = await env.cluster.runPod(deployment, { skipContainers: ['php-fpm-exporter', 'nginx-exporter'] });
    const { slow, upload } = await deleteUnderTraffic(web);
    // The request php-fpm already had finishes (SIGQUIT is graceful), but nginx's FastCGI connect for the
    // upload finds php-fpm gone.
    expect(slow.status).toBe(200);
    expect(upload.status).toBe(502);
  });
});

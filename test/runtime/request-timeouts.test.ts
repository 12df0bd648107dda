/**
 * The request-timeout chain on the real processes (web.requestTimeoutSeconds = 1: PHP 1 s < php-fpm 6 s <
 * nginx 11 s < the edge 16 s). Each layer ends a request before the one outside it gives up, so the inner
 * layer's handling runs: PHP's limit raises an error Laravel answers; php-fpm ends a request PHP's limit
 * cannot see (waiting is not CPU time), and nginx answers 502 for it, long before its own 504.
 */
import { requestTimeoutChain } from '../../lib/laravel/request-timeouts';
import { describeRuntime } from './harness/preflight';
import { Pod } from './harness/pod';
import { hostHeader, LaravelEnvironment, startLaravelEnvironment } from './laravel';

jest.setTimeout(120000);

describeRuntime('request timeouts, innermost first', () => {
  let env: LaravelEnvironment;
  // One pod for both cases: each ends one request; php-fpm and nginx keep serving.
  let web: Pod;
  const chain = requestTimeoutChain(1);

  beforeAll(async () => {
    env = await startLaravelEnvironment({ environment: 'production', change: (doc) => (doc.web.requestTimeoutSeconds = 1) });
    web = await env.webPod();
  });
  afterAll(async () => env?.stop());

  test('the generated layers are ordered and 5 s apart, the edge last', () => {
    expect(chain).toEqual({ application: 1, phpFpm: 6, nginx: 11, edge: 16 });
    const route = env.object('HTTPRoute', 'web');
    expect(route.spec.rules.map((r: any) => r.timeouts.request)).toEqual(route.spec.rules.map(() => '16s'));
  });

  test("runaway code is ended by PHP's own limit, and Laravel answers (500 with its error handling)", async () => {
    const x = JSON.parse((await env.cluster.http({ url: `http://${web.ip}:8080/x`, headers: hostHeader(env.config) })).text);
    expect(x.max_execution_time).toBe(String(chain.application));
    const busy = await env.cluster.http({ url: `http://${web.ip}:8080/busy?seconds=30`, headers: hostHeader(env.config) });
    expect(busy.status).toBe(500);
    expect(busy.text).toContain('Server Error');
    // Laravel reported it (JSON on stderr); php-fpm did not have to kill anything.
    expect(web.logs('php-fpm')).toMatch(/Maximum execution time of 1 second exceeded/);
    expect(web.logs('php-fpm')).not.toMatch(/execution timed out/);
  });

  test('a request waiting longer than php-fpm allows is ended by php-fpm, and nginx answers 502 before its own timeout', async () => {
    const slow = await env.cluster.http({ url: `http://${web.ip}:8080/slow?seconds=60`, headers: hostHeader(env.config), timeoutSeconds: 60 });
    // 502 (the upstream closed), not 504 (nginx's fastcgi_read_timeout): php-fpm came first.
    expect(slow.status).toBe(502);
    // php-fpm's own account: it ended the request after its limit (it checks about once a second), before nginx's.
    const ended = Number(/execution timed out \(([\d.]+) sec\), terminating/.exec(web.logs('php-fpm'))?.[1]);
    expect(ended).toBeGreaterThanOrEqual(chain.phpFpm);
    expect(ended).toBeLessThan(chain.nginx);
    expect(web.logs('nginx')).toMatch(/(upstream prematurely closed|Connection reset by peer)[^\n]*while reading response header from upstream/);
    expect(web.logs('nginx')).not.toMatch(/upstream timed out/);
    // The pod still serves: nothing but the one request was ended.
    expect((await env.cluster.http({ url: `http://${web.ip}:8080/up`, headers: hostHeader(env.config) })).status).toBe(200);
  });
});

/**
 * Example: the README's "Use as a library" sample, as a platform team's app writes it (the README shows the
 * body of `useAsLibrary`; test/docs/library-sample.test.ts keeps the two equal and runs it).
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { assertValidApp, PembayaranStack } from 'pembayaran-k8s';

export function useAsLibrary(outdir: string): { app: App; stack: PembayaranStack } {
  // README: begin
  const app = new App({ outdir });
  const chart = new Chart(app, 'prod', { disableResourceNameHashes: true });
  // Typed input: keys with a default may be left out; a mistake throws ConfigError with `prod: key.path: message` lines.
  const stack = new PembayaranStack(chart, 'App', {
    name: 'prod', tier: 'production', namespace: 'payments',
    laravel: { image: { repository: 'ghcr.io/acme/pay', tag: '2.0.1' }, host: 'pay.acme.example' },
    database: { connection: 'pgsql', host: 'pg.internal', name: 'pay', peers: [{ cidr: '10.50.0.0/24' }] },
    redis: { host: 'redis.internal', peers: [{ cidr: '10.50.1.0/24' }] },
    objectStorage: { bucket: 'pay', peers: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] }] },
    secrets: { store: { name: 'vault' }, remoteKey: 'pay/prod' },
    pods: { nodeSelector: { 'node.acme.example/pool': 'payments' }, imagePullSecrets: ['registry'] },
    web: { edge: { gateway: { parentRefs: [{ name: 'public', namespace: 'gateway-system' }] } } },
    fastapi: { image: { repository: 'ghcr.io/acme/notify', tag: '2.0.1' } },
    waGateway: { image: { repository: 'ghcr.io/acme/wa', tag: '2.0.1' } },
    argocd: { repoURL: 'https://git.acme.example/pay-gitops.git' },
  });
  stack.addWorkerPool({ name: 'reports', queues: ['reports'], timeout: 900 });      // partial: defaults of workers[]
  stack.addLaravelEnv('FLAGS_TOKEN', { secretName: 'flags', key: 'token' });        // every Laravel container, prepare included
  stack.web.pod.addPlacement({ priorityClassName: 'payments-critical' });           // placement knobs on any workload
  ApiObject.of(stack.web.deployment).addJsonPatch(JsonPatch.add('/spec/progressDeadlineSeconds', 900));
  assertValidApp(app);   // the quality gate `npm run synth` runs: throws QualityGateError with the findings table
  app.synth();
  // README: end
  return { app, stack };
}

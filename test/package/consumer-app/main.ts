/**
 * A platform team's cdk8s app, as the consumer test installs it: everything comes from the package root.
 * Type-checked by the project's tsc (through the `pembayaran-k8s` path mapping) and, in the consumer test,
 * against the installed tarball.
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { assertValidApp, DEFAULT_RESOURCES, DisruptionBudget, EnvironmentInput, k8s, PembayaranStack, PROBES, SyncWave, toResourceRequirements, WorkloadPod } from 'pembayaran-k8s';

/** Typed, with every defaulted key left out. */
export const ENVIRONMENT: EnvironmentInput = {
  name: 'payments',
  tier: 'production',
  namespace: 'team-payments',
  laravel: { image: { repository: 'ghcr.io/example/pembayaran', tag: '2.0.1' }, host: 'pay.example.com' },
  database: { connection: 'pgsql', host: 'postgres.internal.example.com', name: 'pembayaran', peers: [{ cidr: '10.50.0.0/24' }] },
  redis: { host: 'redis.internal.example.com', peers: [{ cidr: '10.50.1.0/24' }] },
  objectStorage: { bucket: 'team-payments', region: 'eu-west-1', peers: [{ cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'] }] },
  secrets: { store: { name: 'vault' }, remoteKey: 'payments/prod' },
  pods: { nodeSelector: { 'node.example.com/pool': 'payments' } },
  web: { edge: { gateway: { parentRefs: [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }] } } },
  fastapi: { image: { repository: 'ghcr.io/example/pembayaran-notification', tag: '2.0.1' } },
  waGateway: { image: { repository: 'ghcr.io/example/pembayaran-wa-gateway', tag: '2.0.1' } },
  argocd: { repoURL: 'https://git.example.com/platform/payments-gitops.git' },
};

/** The team's own Laravel workload: a websocket server on the stack's Laravel runtime. */
class Reverb extends Construct {
  constructor(scope: Construct, id: string, stack: PembayaranStack) {
    super(scope, id);
    const runtime = stack.runtime;
    const context = runtime.context;
    const port = k8s.IntOrString.fromString('ws');
    const pod = new WorkloadPod(this, 'Pod', {
      context,
      component: 'reverb',
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [
        runtime.container('reverb', {
          command: ['php', 'artisan', 'reverb:start', '--host=0.0.0.0', '--port=8080'],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
          ports: [{ name: 'ws', containerPort: 8080, protocol: 'TCP' }],
          readinessProbe: { tcpSocket: { port }, ...PROBES.readiness },
          livenessProbe: { tcpSocket: { port }, ...PROBES.liveness },
        }),
      ],
      volumes: runtime.volumes(),
      sharedEnv: runtime,
    });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(context.name('reverb'), 'reverb', { wave: SyncWave.WORKLOADS }),
      spec: { replicas: 2, selector: { matchLabels: context.selectorLabels('reverb') }, template: pod.template() },
    });
    new DisruptionBudget(this, 'DisruptionBudget', { context, component: 'reverb', maxUnavailable: 1 });
    stack.addLaravelComponent(pod, { ingress: { from: 'edge', ports: [8080] } });
  }
}

/** The team's app: the stack, extended, gated. */
export function buildConsumerApp(outdir?: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'payments', { disableResourceNameHashes: true });
  const stack = new PembayaranStack(chart, 'App', ENVIRONMENT);
  stack.addWorkerPool({ name: 'reports', queues: ['reports'], timeout: 900 });
  stack.web.addSidecar({
    name: 'statsd-exporter',
    image: 'docker.io/prom/statsd-exporter:v0.28.0',
    ports: [{ name: 'statsd-metrics', containerPort: 9102, protocol: 'TCP' }],
    resources: toResourceRequirements({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } }),
    readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('statsd-metrics') } },
    livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('statsd-metrics') } },
  });
  new Reverb(stack, 'Reverb', stack);
  stack.addLaravelEnv('FEATURE_FLAGS_URL', 'https://flags.internal.example.com');
  ApiObject.of(stack.web.deployment).addJsonPatch(JsonPatch.add('/spec/progressDeadlineSeconds', 900));
  assertValidApp(app);
  return app;
}

if (require.main === module) buildConsumerApp(process.env.CDK8S_OUTDIR).synth();

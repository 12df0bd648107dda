/**
 * Example: a team's own Laravel workload, a Reverb websocket server (`php artisan reverb:start`), built
 * from the stack's Laravel runtime (image, settings, secrets, writable paths, the `prepare` init container)
 * and joined to the Laravel component set in one call: it gets the Laravel egress policies (database,
 * Redis, object storage, FastAPI) and its own ingress allow rule from the public edge. It stands in for
 * the built-in Reverb (`reverb.enabled`), which must then be off: both are the component `reverb`.
 * @see https://laravel.com/docs/12.x/reverb#running-server
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { clusterIpService, DEFAULT_RESOURCES, DisruptionBudget, EnvironmentInput, k8s, PembayaranChart, PembayaranStack, PROBES, SyncWave, WorkloadPod } from 'pembayaran-k8s';

export const REVERB_COMPONENT = 'reverb';
export const REVERB_PORT = 8080;

export interface ReverbServerProps {
  readonly stack: PembayaranStack;
  /** @default 2 */
  readonly replicas?: number;
}

export class ReverbServer extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: ReverbServerProps) {
    super(scope, id);
    const runtime = props.stack.runtime;
    const context = runtime.context;
    const port = k8s.IntOrString.fromString('ws');
    const server = runtime.container('reverb', {
      command: ['php', 'artisan', 'reverb:start', '--host=0.0.0.0', `--port=${REVERB_PORT}`],
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
      ports: [{ name: 'ws', containerPort: REVERB_PORT, protocol: 'TCP' }],
      readinessProbe: { tcpSocket: { port }, ...PROBES.readiness },
      livenessProbe: { tcpSocket: { port }, ...PROBES.liveness },
    });
    this.pod = new WorkloadPod(this, 'Pod', {
      context,
      component: REVERB_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [server],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      // Variables added with stack.addLaravelEnv reach this pod too.
      sharedEnv: runtime,
    });
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(context.name(REVERB_COMPONENT), REVERB_COMPONENT, { wave: SyncWave.WORKLOADS }),
      spec: {
        replicas: props.replicas ?? 2,
        selector: { matchLabels: context.selectorLabels(REVERB_COMPONENT) },
        template: this.pod.template(),
      },
    });
    this.service = clusterIpService(this, context, REVERB_COMPONENT, REVERB_PORT);
    // A node drain takes one server at a time; the clients of the other reconnect to it.
    new DisruptionBudget(this, 'DisruptionBudget', { context, component: REVERB_COMPONENT, maxUnavailable: 1 });
    props.stack.addLaravelComponent(this.pod, { ingress: { from: 'edge', ports: [REVERB_PORT] } });
  }
}

export function withReverb(app: App, config: EnvironmentInput): { stack: PembayaranStack; reverb: ReverbServer } {
  const stack = new PembayaranChart(app, config).stack;
  const reverb = new ReverbServer(stack, 'Reverb', { stack });
  return { stack, reverb };
}

import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubeService, Probe } from '../../imports/k8s';
import { DisruptionBudget, spreadOverZonesAndNodes } from '../core/availability';
import { Resources } from '../config/types.generated';
import { clusterIpService } from '../core/containers';
import { DEFAULT_RESOURCES, PORTS, PROBES, REVERB_DEFAULTS } from '../core/defaults';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { LaravelRuntime } from './laravel-runtime';

export const REVERB_COMPONENT = 'reverb';

/** The Reverb Service port; the edge and Laravel's broadcaster (REVERB_PORT) use it. */
export const REVERB_SERVICE_PORT = 80;

/** The public path of Pusher-protocol websocket connections (`/app/{appKey}`); `/apps/...` (the HTTP API) stays internal. */
export const REVERB_WEBSOCKET_PATH = '/app';

/** Reverb's app credentials, from the secret manager (the key is public, in the browser; the secret signs broadcasts). */
export const REVERB_SECRET_VARIABLES = ['REVERB_APP_ID', 'REVERB_APP_KEY', 'REVERB_APP_SECRET'] as const;

export interface LaravelReverbProps {
  readonly runtime: LaravelRuntime;
  /** Pods; above 1 they share channels through Redis pub/sub (REVERB_SCALING_ENABLED). */
  readonly replicas: number;
  /** @default DEFAULT_RESOURCES.reverb */
  readonly resources?: Resources;
  /** preStop pause while the endpoint leaves the edge, before the server closes its connections. @default REVERB_DEFAULTS.drainSeconds */
  readonly drainSeconds?: number;
  /** Extra container variables (e.g. SSL_CERT_FILE for Reverb's own Redis client). @default - none */
  readonly env?: Readonly<Record<string, string>>;
  /** Node placement, identity, pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * Laravel Reverb, the websocket server: `php artisan reverb:start` on PORTS.reverb in pods of the application
 * image, a ClusterIP Service (the edge's websocket route and Laravel's broadcaster reach it), a disruption
 * budget and zone/node spreading. Pods share channels through Redis pub/sub, so connections may land on any
 * pod and a broadcast to one reaches every subscriber. On SIGTERM Reverb closes its connections and the
 * clients (Echo, pusher-js) reconnect to another pod; the preStop pause lets the endpoint leave the edge first.
 * @see https://laravel.com/docs/12.x/reverb#production
 */
export class LaravelReverb extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deploymentName: string;
  public readonly service: KubeService;
  public readonly terminationGracePeriodSeconds: number;

  constructor(scope: Construct, id: string, props: LaravelReverbProps) {
    super(scope, id);
    const { runtime } = props;
    const context = runtime.context;
    this.deploymentName = context.name(REVERB_COMPONENT);
    const drainSeconds = props.drainSeconds ?? REVERB_DEFAULTS.drainSeconds;
    this.terminationGracePeriodSeconds = drainSeconds + REVERB_DEFAULTS.closeSeconds;

    // Reverb answers no health route of its own in every version; an accepting socket is what the kubelet can check.
    const listening: Probe = { tcpSocket: { port: IntOrString.fromString('http') } };
    const server = runtime.container('reverb', {
      command: ['php', 'artisan', 'reverb:start', '--host=0.0.0.0', `--port=${PORTS.reverb}`, '--no-interaction'],
      resources: props.resources ?? DEFAULT_RESOURCES.reverb,
      env: Object.entries(props.env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })),
      ports: [{ name: 'http', containerPort: PORTS.reverb, protocol: 'TCP' }],
      startupProbe: { ...listening, ...PROBES.startup },
      readinessProbe: { ...listening, ...PROBES.readiness },
      livenessProbe: { ...listening, ...PROBES.liveness },
      lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', `sleep ${drainSeconds}`] } } },
    });

    this.pod = new WorkloadPod(this, 'Pod', {
      context,
      component: REVERB_COMPONENT,
      initContainers: [runtime.prepareContainer(DEFAULT_RESOURCES.init)],
      containers: [server],
      volumes: runtime.volumes(),
      annotations: runtime.podAnnotations(),
      placement: props.placement,
      // Variables added with stack.addLaravelEnv reach this pod too.
      sharedEnv: runtime,
      extra: {
        terminationGracePeriodSeconds: this.terminationGracePeriodSeconds,
        topologySpreadConstraints: spreadOverZonesAndNodes(context, REVERB_COMPONENT),
      },
    });

    new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, REVERB_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(REVERB_COMPONENT) },
        // One pod at a time: each replaced pod sends its clients reconnecting to the others.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: IntOrString.fromNumber(1), maxUnavailable: IntOrString.fromNumber(0) } },
        template: this.pod.template(),
      },
    });

    this.service = clusterIpService(this, context, REVERB_COMPONENT, REVERB_SERVICE_PORT);

    if (props.replicas > 1) new DisruptionBudget(this, 'DisruptionBudget', { context, component: REVERB_COMPONENT, maxUnavailable: 1, name: this.deploymentName });
  }
}

/** Laravel's settings for Reverb: the broadcaster (every Laravel pod) and the server, with Redis pub/sub scaling. */
export function reverbSettings(props: { readonly serviceHost: string; readonly scalingChannel: string }): Record<string, string> {
  return {
    BROADCAST_CONNECTION: 'reverb',
    // Where the broadcaster sends events: the Service, inside the cluster (the public route serves only /app).
    REVERB_HOST: props.serviceHost,
    REVERB_PORT: String(REVERB_SERVICE_PORT),
    REVERB_SCHEME: 'http',
    REVERB_SERVER_HOST: '0.0.0.0',
    REVERB_SERVER_PORT: String(PORTS.reverb),
    // Every pod subscribes to the channel, so a message any pod receives reaches clients on all of them.
    REVERB_SCALING_ENABLED: 'true',
    REVERB_SCALING_CHANNEL: props.scalingChannel,
  };
}

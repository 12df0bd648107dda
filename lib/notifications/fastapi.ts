import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubeService } from '../../imports/k8s';
import { Resources } from '../config/types.generated';
import { DisruptionBudget, spreadOverZonesAndNodes } from '../core/availability';
import { DEFAULT_RESOURCES, PORTS, PROBES, SHUTDOWN_MARGIN_SECONDS } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { SecretEnvironment } from '../core/secret-environment';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';
import { AppContext } from '../core/app-context';
import { ContainerSpec } from '../core/pod-security';
import { clusterIpService, envVarsOf, toResourceRequirements } from '../core/containers';

export const FASTAPI_COMPONENT = 'fastapi';

export interface NotificationServiceProps {
  readonly context: AppContext;
  readonly image: ImageRef;
  /** The ASGI application, `module:attribute`. @default 'main:app' */
  readonly appModule?: string;
  readonly replicas: number;
  /** Path answering readiness and liveness. */
  readonly healthPath: string;
  /** uvicorn --timeout-graceful-shutdown; the pod's grace period exceeds it. */
  readonly timeoutGracefulShutdown: number;
  readonly logLevel: string;
  /** Non-secret environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Secret environment from the secret manager. */
  readonly secrets?: SecretEnvironment;
  /** @default DEFAULT_RESOURCES.fastapi */
  readonly resources?: Resources;
  /** Seconds the endpoints take to drain before uvicorn stops. @default 5 */
  readonly drainSeconds?: number;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
  /** Replicas a node drain may evict at once (a PodDisruptionBudget when replicas > 1). @default 1 */
  readonly maxUnavailable?: number;
}

/**
 * The FastAPI notification service: uvicorn on port 8001, one process per container (Kubernetes is the
 * process manager), behind a ClusterIP Service only; NetworkPolicies admit Laravel pods alone.
 * @see https://fastapi.tiangolo.com/deployment/docker/#replication-number-of-processes
 */
export class NotificationService extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deployment: KubeDeployment;
  public readonly serviceObject: KubeService;
  public readonly deploymentName: string;
  public readonly serviceName: string;
  /** The PodDisruptionBudget, when more than one replica runs. */
  public readonly disruptionBudget?: DisruptionBudget;

  constructor(scope: Construct, id: string, props: NotificationServiceProps) {
    super(scope, id);
    const { context } = props;
    const drainSeconds = props.drainSeconds ?? 5;
    this.deploymentName = context.name(FASTAPI_COMPONENT);
    this.serviceName = this.deploymentName;

    const env = envVarsOf({ LOG_LEVEL: props.logLevel, ...props.env });
    const health = { httpGet: { path: props.healthPath, port: IntOrString.fromString('http') } };
    const uvicorn: ContainerSpec = {
      name: 'uvicorn',
      image: imageRef(props.image),
      imagePullPolicy: 'IfNotPresent',
      command: [
        'uvicorn',
        props.appModule ?? 'main:app',
        '--host=0.0.0.0',
        `--port=${PORTS.fastapi}`,
        '--proxy-headers',
        // Only in-cluster callers reach it; their addresses are pod IPs.
        "--forwarded-allow-ips=*",
        `--timeout-graceful-shutdown=${props.timeoutGracefulShutdown}`,
        `--log-level=${props.logLevel}`,
        '--no-access-log',
      ],
      ports: [{ name: 'http', containerPort: PORTS.fastapi, protocol: 'TCP' }],
      env,
      ...(props.secrets ? { envFrom: [props.secrets.envFrom] } : {}),
      resources: toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.fastapi),
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      startupProbe: { ...health, ...PROBES.startup },
      readinessProbe: { ...health, ...PROBES.readiness },
      livenessProbe: { ...health, ...PROBES.liveness },
      lifecycle: { preStop: { exec: { command: ['sleep', String(drainSeconds)] } } },
    };

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      context,
      component: FASTAPI_COMPONENT,
      containers: [uvicorn],
      volumes: [{ name: 'tmp', emptyDir: {} }],
      extra: {
        terminationGracePeriodSeconds: drainSeconds + props.timeoutGracefulShutdown + SHUTDOWN_MARGIN_SECONDS,
        topologySpreadConstraints: spreadOverZonesAndNodes(context, FASTAPI_COMPONENT),
      },
    });

    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, FASTAPI_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(FASTAPI_COMPONENT) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: IntOrString.fromNumber(0), maxSurge: IntOrString.fromNumber(1) } },
        template: this.pod.template(),
      },
    });

    this.serviceObject = clusterIpService(this, context, FASTAPI_COMPONENT, PORTS.fastapi);
    // A drain must never evict every replica at once: Laravel's notification jobs would all fail together.
    if (props.replicas > 1) {
      this.disruptionBudget = new DisruptionBudget(this, 'DisruptionBudget', { context, component: FASTAPI_COMPONENT, maxUnavailable: props.maxUnavailable ?? 1 });
    }
  }
}

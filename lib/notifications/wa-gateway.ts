import { SendRetryPolicy } from './call-budgets';
import { Construct } from 'constructs';
import { IntOrString, KubeDeployment, KubePersistentVolumeClaim, KubeService, Probe, Quantity } from '../../imports/k8s';
import { AppContext } from '../core/app-context';
import { Resources } from '../config/types.generated';
import { DEFAULT_RESOURCES, PORTS, PROBES, SHUTDOWN_MARGIN_SECONDS } from '../core/defaults';
import { ImageRef, imageRef } from '../core/image';
import { clusterIpService, envVarsOf, toResourceRequirements } from '../core/containers';
import { ContainerSpec } from '../core/pod-security';
import { SecretEnvironment } from '../core/secret-environment';
import { SyncWave } from '../core/sync-waves';
import { PodPlacement, WorkloadPod } from '../core/workload-pod';

export const WA_GATEWAY_COMPONENT = 'wa-gateway';

/** Argo CD must never prune the sessions, nor delete them with the Application. */
export const SESSION_VOLUME_SYNC_OPTIONS = 'Prune=false,Delete=false';

/** A probe of the gateway's HTTP port. */
export interface GatewayProbe {
  readonly type: 'http' | 'tcp';
  /** HTTP path; unused for `tcp`. */
  readonly path: string;
}

/** Where the writable home lives by default, and its size limit. */
export const WA_GATEWAY_HOME = { path: '/home/wa-gateway', sizeLimit: '512Mi' } as const;

/** Scratch volumes of the gateway pod that a cluster backup must skip. */
export const WA_GATEWAY_SCRATCH_VOLUMES = ['dshm', 'home', 'tmp'] as const;

/** XDG base directories under a home: Chromium and Node tools write there instead of the read-only root. */
export function xdgEnvironment(home: string): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_CACHE_HOME: `${home}/.cache`,
    XDG_DATA_HOME: `${home}/.local/share`,
    XDG_STATE_HOME: `${home}/.local/state`,
  };
}

export interface WhatsAppGatewayProps {
  readonly context: AppContext;
  readonly image: ImageRef;
  /** 1, or 0 to stop the gateway: a WhatsApp session can be open in one process only. */
  readonly replicas: 0 | 1 | number;
  /** Session directory inside the container. */
  readonly sessionPath: string;
  readonly storage: { readonly size: string; readonly storageClassName?: string; readonly accessMode: string };
  /** Readiness may follow the session; liveness (and startup) must not, or a logged-out session restarts in a loop. */
  readonly probes: { readonly readiness: GatewayProbe; readonly liveness: GatewayProbe };
  /** Size of the memory-backed /dev/shm Chromium needs. */
  readonly shmSize: string;
  /** Writable HOME (an emptyDir) with the XDG directories under it. @default { path: '/home/wa-gateway', sizeLimit: '512Mi' } */
  readonly home?: { readonly path: string; readonly sizeLimit: string };
  /** Browser flags, handed to the gateway as CHROMIUM_FLAGS. @default - none set */
  readonly chromiumFlags?: readonly string[];
  /** Velero file-system backup annotations for the session volume, and extra labels on PVC and pod. @default - no backup annotations */
  readonly sessionBackup?: { readonly velero: boolean; readonly labels: Readonly<Record<string, string>> };
  readonly logLevel: string;
  /** Send retries; their budget is the first link of the call chain (call-budgets.ts). */
  readonly retry: SendRetryPolicy;
  readonly env: Readonly<Record<string, string>>;
  readonly secrets?: SecretEnvironment;
  /** @default DEFAULT_RESOURCES.waGateway */
  readonly resources?: Resources;
  /** Node placement, identity (ServiceAccount annotations), pull secrets, pod metadata, extra init containers and sidecars. @default - none */
  readonly placement?: PodPlacement;
}

/**
 * The WhatsApp gateway on port 3001, with its sessions on a PersistentVolumeClaim that survives
 * restarts, rollouts, Argo CD pruning and Application deletion. One replica and the Recreate strategy,
 * so two processes never open the same session or volume; no PodDisruptionBudget, which for a single
 * replica would only block node drains.
 */
export class WhatsAppGateway extends Construct {
  public readonly pod: WorkloadPod;
  public readonly deployment: KubeDeployment;
  public readonly serviceObject: KubeService;
  /** The PersistentVolumeClaim of the WhatsApp session. */
  public readonly sessionClaim: KubePersistentVolumeClaim;
  public readonly deploymentName: string;
  public readonly serviceName: string;
  public readonly claimName: string;

  constructor(scope: Construct, id: string, props: WhatsAppGatewayProps) {
    super(scope, id);
    if (props.replicas > 1) {
      throw new Error(`WhatsAppGateway replicas is ${props.replicas}; a WhatsApp session can only be open in one pod: set 1`);
    }
    const { context } = props;
    this.deploymentName = context.name(WA_GATEWAY_COMPONENT);
    this.serviceName = this.deploymentName;
    this.claimName = context.name('wa-gateway-sessions');

    const backupLabels = { ...props.sessionBackup?.labels };
    // Same wave as its consumer: a WaitForFirstConsumer volume in an earlier wave never binds, and the sync waits forever.
    this.sessionClaim = new KubePersistentVolumeClaim(this, 'Sessions', {
      metadata: context.metadata(this.claimName, WA_GATEWAY_COMPONENT, {
        wave: SyncWave.WORKLOADS,
        annotations: { 'argocd.argoproj.io/sync-options': SESSION_VOLUME_SYNC_OPTIONS },
        labels: backupLabels,
      }),
      spec: {
        accessModes: [props.storage.accessMode],
        ...(props.storage.storageClassName ? { storageClassName: props.storage.storageClassName } : {}),
        resources: { requests: { storage: Quantity.fromString(props.storage.size) } },
      },
    });

    const home = props.home ?? WA_GATEWAY_HOME;
    const env = envVarsOf({
      ...xdgEnvironment(home.path),
      ...(props.chromiumFlags?.length ? { CHROMIUM_FLAGS: props.chromiumFlags.join(' ') } : {}),
      PORT: String(PORTS.waGateway),
      SESSION_DIR: props.sessionPath,
      LOG_LEVEL: props.logLevel,
      SEND_RETRY_ATTEMPTS: String(props.retry.attempts),
      SEND_RETRY_BACKOFF_SECONDS: String(props.retry.backoffSeconds),
      SEND_RETRY_MAX_BACKOFF_SECONDS: String(props.retry.maxBackoffSeconds),
      SEND_ATTEMPT_TIMEOUT_SECONDS: String(props.retry.attemptTimeoutSeconds),
      ...props.env,
    });

    const readiness = probeOf(props.probes.readiness);
    const liveness = probeOf(props.probes.liveness);
    const gateway: ContainerSpec = {
      name: 'gateway',
      image: imageRef(props.image),
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'http', containerPort: PORTS.waGateway, protocol: 'TCP' }],
      env,
      ...(props.secrets ? { envFrom: [props.secrets.envFrom] } : {}),
      resources: toResourceRequirements(props.resources ?? DEFAULT_RESOURCES.waGateway),
      volumeMounts: [
        { name: 'sessions', mountPath: props.sessionPath },
        { name: 'dshm', mountPath: '/dev/shm' },
        { name: 'home', mountPath: home.path },
        { name: 'tmp', mountPath: '/tmp' },
      ],
      // Startup waits for the process, not the session: an unpaired gateway must stay up to show its QR code.
      startupProbe: { ...liveness, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 36 },
      readinessProbe: { ...readiness, ...PROBES.readiness },
      livenessProbe: { ...liveness, ...PROBES.liveness },
    };

    this.pod = new WorkloadPod(this, 'Pod', {
      placement: props.placement,
      context,
      component: WA_GATEWAY_COMPONENT,
      containers: [gateway],
      volumes: [
        { name: 'sessions', persistentVolumeClaim: { claimName: this.claimName } },
        { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: Quantity.fromString(props.shmSize) } },
        { name: 'home', emptyDir: { sizeLimit: Quantity.fromString(home.sizeLimit) } },
        { name: 'tmp', emptyDir: { sizeLimit: Quantity.fromString('256Mi') } },
      ],
      annotations: props.sessionBackup?.velero
        ? {
            // Velero file-system backup: the sessions in opt-in mode, never the scratch volumes in opt-out mode.
            'backup.velero.io/backup-volumes': 'sessions',
            'backup.velero.io/backup-volumes-excludes': WA_GATEWAY_SCRATCH_VOLUMES.join(','),
          }
        : undefined,
      labels: backupLabels,
      extra: { terminationGracePeriodSeconds: 30 + SHUTDOWN_MARGIN_SECONDS },
    });

    this.deployment = new KubeDeployment(this, 'Deployment', {
      metadata: context.metadata(this.deploymentName, WA_GATEWAY_COMPONENT, { wave: SyncWave.WORKLOADS, annotations: this.pod.deploymentAnnotations() }),
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: context.selectorLabels(WA_GATEWAY_COMPONENT) },
        // The old pod releases the session and the volume before the new one starts.
        strategy: { type: 'Recreate' },
        template: this.pod.template(),
      },
    });

    this.serviceObject = clusterIpService(this, context, WA_GATEWAY_COMPONENT, PORTS.waGateway);
  }
}

function probeOf(probe: GatewayProbe): Probe {
  return probe.type === 'http' ? { httpGet: { path: probe.path, port: IntOrString.fromString('http') } } : { tcpSocket: { port: IntOrString.fromString('http') } };
}

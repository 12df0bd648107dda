import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeServiceAccount, PodSpec, PodTemplateSpec, Volume } from '../../imports/k8s';
import { AppContext } from './app-context';
import { sortedByKey } from './containers';
import { ContainerSpec, hardenedPodSpec, HardenedPodSpecProps } from './pod-security';
import { secretNamesOf } from './secret-environment';
import { SyncWave } from './sync-waves';

/** Stakater Reloader rolls a Deployment when one of the Secrets named here changes. */
export const RELOADER_SECRET_ANNOTATION = 'secret.reloader.stakater.com/reload';

export interface WorkloadPodProps {
  readonly context: AppContext;
  /** Component name: labels, selector and the ServiceAccount name `<app>-<component>`. */
  readonly component: string;
  readonly containers: readonly ContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly volumes?: readonly Volume[];
  readonly annotations?: Readonly<Record<string, string>>;
  /** Extra pod labels, never part of a selector. @default - the recommended labels only */
  readonly labels?: Readonly<Record<string, string>>;
  readonly extra?: HardenedPodSpecProps['extra'];
}

/**
 * The pod of one workload, with its own ServiceAccount (token automount off). Containers and volumes
 * can be added until synthesis: the spec is produced, and hardened, only then, so a sidecar
 * a platform team adds is hardened like ours.
 */
export class WorkloadPod extends Construct {
  public readonly serviceAccountName: string;
  public readonly component: string;
  private readonly context: AppContext;
  private readonly containers: ContainerSpec[];
  private readonly initContainers: readonly ContainerSpec[];
  private readonly volumes: Volume[];
  private readonly annotations: Readonly<Record<string, string>>;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly extra: HardenedPodSpecProps['extra'];

  constructor(scope: Construct, id: string, props: WorkloadPodProps) {
    super(scope, id);
    this.context = props.context;
    this.component = props.component;
    this.serviceAccountName = props.context.name(props.component);
    this.containers = [...props.containers];
    this.initContainers = [...(props.initContainers ?? [])];
    this.volumes = [...(props.volumes ?? [])];
    this.annotations = { ...props.annotations };
    this.labels = { ...props.labels };
    this.extra = props.extra;

    new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: props.context.metadata(this.serviceAccountName, props.component, { wave: SyncWave.FOUNDATION }),
      automountServiceAccountToken: false,
    });
  }

  addContainer(container: ContainerSpec): void {
    if (this.containers.some((c) => c.name === container.name)) throw new Error(`${this.component} already has a container named ${container.name}`);
    this.containers.push(container);
  }

  addVolume(volume: Volume): void {
    if (this.volumes.some((v) => v.name === volume.name)) throw new Error(`${this.component} already has a volume named ${volume.name}`);
    this.volumes.push(volume);
  }

  /**
   * Annotations for the Deployment that runs this pod: with `reloadOnSecretChange`, the Secrets the pod reads
   * (read at synthesis, so sidecars added later count) for Stakater Reloader.
   * @see https://github.com/stakater/Reloader
   */
  deploymentAnnotations(): Record<string, string> {
    if (!this.context.reloadOnSecretChange) return {};
    const names = Lazy.any({ produce: () => secretNamesOf(this.spec()).join(',') || undefined });
    return { [RELOADER_SECRET_ANNOTATION]: names as unknown as string };
  }

  /** Selector labels of this component. */
  get selectorLabels(): Record<string, string> {
    return this.context.selectorLabels(this.component);
  }

  /** The pod template, resolved at synthesis. */
  template(): PodTemplateSpec {
    return {
      metadata: Lazy.any({
        produce: () => ({
          labels: { ...this.labels, ...this.context.labels(this.component) },
          ...(Object.keys(this.annotations).length ? { annotations: sortedByKey(this.annotations) } : {}),
        }),
      }),
      spec: Lazy.any({ produce: (): PodSpec => this.spec() }),
    };
  }

  /** The hardened pod spec as it stands now. */
  spec(): PodSpec {
    return hardenedPodSpec({
      identity: this.context.podIdentity,
      serviceAccountName: this.serviceAccountName,
      containers: this.containers,
      initContainers: this.initContainers,
      volumes: this.volumes,
      extra: this.extra,
    });
  }
}

import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Affinity, EnvVar, IntOrString, KubeServiceAccount, PodSpec, PodTemplateSpec, Quantity, Toleration, Volume } from '../../imports/k8s';
import type { ExtraContainerConfig, PodPlacementConfig } from '../config/types.generated';
import { AppContext } from './app-context';
import { sortedByKey } from './containers';
import { ContainerSpec, hardenedPodSpec, HardenedPodSpecProps } from './pod-security';
import { secretNamesOf } from './secret-environment';
import { SyncWave } from './sync-waves';

/** Stakater Reloader rolls a Deployment when one of the Secrets named here changes. */
export const RELOADER_SECRET_ANNOTATION = 'secret.reloader.stakater.com/reload';

/**
 * Where and as whom a workload's pods run, and what runs beside them: the knobs platform teams set per
 * cluster (node pools, taints, IRSA or Workload Identity, private registries, mesh or agent sidecars).
 * Every workload takes one (`placement` in its props, `pod` in its config section); `WorkloadPod.addPlacement`
 * adds to it later. Sidecars and init containers are hardened like the workload's own containers.
 */
export interface PodPlacement {
  /** Node labels the pods must run on. @default - any node */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Taints the pods tolerate. @default - none */
  readonly tolerations?: readonly Toleration[];
  /** Node and pod (anti-)affinity; each of its three parts replaces the workload's own. @default - the workload's own (none, or the web tier's zone spread) */
  readonly affinity?: Affinity;
  /** PriorityClass of the pods. @default - the cluster's default priority */
  readonly priorityClassName?: string;
  /** Secrets (type kubernetes.io/dockerconfigjson) to pull the images with. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /** Annotations of the workload's ServiceAccount, e.g. `eks.amazonaws.com/role-arn` (IRSA) or `iam.gke.io/gcp-service-account`. @default - none */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /** Extra pod annotations; the workload's own (config checksums) win. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Extra pod labels, never part of a selector; the recommended labels win. @default - none */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Init containers run after the workload's own. @default - none */
  readonly initContainers?: readonly ContainerSpec[];
  /** Containers run beside the workload's own (Jobs and CronJobs included: a sidecar that never exits keeps a Job running, so use native sidecars, an init container with `restartPolicy: Always`, there). @default - none */
  readonly sidecars?: readonly ContainerSpec[];
}

/** `extra` merged over `base`: maps merged (extra wins), lists appended, affinity parts and the priority class replaced. */
export function mergePlacement(base: PodPlacement = {}, extra: PodPlacement = {}): PodPlacement {
  const map = (a?: Readonly<Record<string, string>>, b?: Readonly<Record<string, string>>) => (a || b ? { ...a, ...b } : undefined);
  const list = <T>(a?: readonly T[], b?: readonly T[]) => (a || b ? [...(a ?? []), ...(b ?? [])] : undefined);
  const merged: PodPlacement = {
    nodeSelector: map(base.nodeSelector, extra.nodeSelector),
    tolerations: list(base.tolerations, extra.tolerations),
    affinity: base.affinity || extra.affinity ? { ...base.affinity, ...extra.affinity } : undefined,
    priorityClassName: extra.priorityClassName ?? base.priorityClassName,
    imagePullSecrets: list(base.imagePullSecrets, extra.imagePullSecrets)?.filter((name, i, all) => all.indexOf(name) === i),
    serviceAccountAnnotations: map(base.serviceAccountAnnotations, extra.serviceAccountAnnotations),
    podAnnotations: map(base.podAnnotations, extra.podAnnotations),
    podLabels: map(base.podLabels, extra.podLabels),
    initContainers: list(base.initContainers, extra.initContainers),
    sidecars: list(base.sidecars, extra.sidecars),
  };
  return Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as PodPlacement;
}

/**
 * Environment variables every container of a kind gets at synthesis (the Laravel ones: `LaravelRuntime`),
 * init containers included, so a variable added after the pods were built still reaches all of them.
 */
export interface SharedEnvironment {
  /** Whether the container gets the variables. */
  appliesTo(container: ContainerSpec): boolean;
  /** The variables, as of now. */
  variables(): readonly EnvVar[];
}

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
  /** Placement, identity and extra containers. @default - none */
  readonly placement?: PodPlacement;
  /** Variables added to the containers it applies to, at synthesis. @default - none */
  readonly sharedEnv?: SharedEnvironment;
}

/**
 * The pod of one workload, with its own ServiceAccount (token automount off). Containers and volumes
 * can be added until synthesis: the spec is produced, and hardened, only then, so a sidecar
 * a platform team adds is hardened like ours.
 */
export class WorkloadPod extends Construct {
  public readonly serviceAccountName: string;
  public readonly component: string;
  /** The workload's own ServiceAccount. */
  public readonly serviceAccount: KubeServiceAccount;
  private readonly context: AppContext;
  private readonly containers: ContainerSpec[];
  private readonly initContainers: readonly ContainerSpec[];
  private readonly volumes: Volume[];
  private readonly annotations: Readonly<Record<string, string>>;
  private readonly labels: Readonly<Record<string, string>>;
  private readonly extra: HardenedPodSpecProps['extra'];
  private readonly sharedEnv?: SharedEnvironment;
  private placement: PodPlacement = {};

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
    this.sharedEnv = props.sharedEnv;

    this.serviceAccount = new KubeServiceAccount(this, 'ServiceAccount', {
      metadata: props.context.metadata(this.serviceAccountName, props.component, { wave: SyncWave.FOUNDATION }),
      automountServiceAccountToken: false,
    });
    if (props.placement) this.addPlacement(props.placement);
  }

  /** Adds placement, identity or extra containers (merged as `mergePlacement` does). */
  addPlacement(placement: PodPlacement): void {
    const names = new Set([...this.containers, ...this.initContainers, ...(this.placement.initContainers ?? []), ...(this.placement.sidecars ?? [])].map((c) => c.name));
    for (const c of [...(placement.initContainers ?? []), ...(placement.sidecars ?? [])]) {
      if (names.has(c.name)) throw new Error(`${this.component} already has a container named ${c.name}`);
      names.add(c.name);
    }
    this.placement = mergePlacement(this.placement, placement);
    for (const [key, value] of Object.entries(placement.serviceAccountAnnotations ?? {})) this.serviceAccount.metadata.addAnnotation(key, value);
  }

  /** Adds an init container, run after the workload's own; hardened like them. */
  addInitContainer(container: ContainerSpec): void {
    this.addPlacement({ initContainers: [container] });
  }

  addContainer(container: ContainerSpec): void {
    const names = [...this.containers, ...this.initContainers, ...(this.placement.initContainers ?? []), ...(this.placement.sidecars ?? [])].map((c) => c.name);
    if (names.includes(container.name)) throw new Error(`${this.component} already has a container named ${container.name}`);
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
        produce: () => {
          const annotations = { ...this.placement.podAnnotations, ...this.annotations };
          return {
            labels: { ...this.placement.podLabels, ...this.labels, ...this.context.labels(this.component) },
            ...(Object.keys(annotations).length ? { annotations: sortedByKey(annotations) } : {}),
          };
        },
      }),
      spec: Lazy.any({ produce: (): PodSpec => this.spec() }),
    };
  }

  /** The hardened pod spec as it stands now. */
  spec(): PodSpec {
    const p = this.placement;
    const affinity = this.extra?.affinity || p.affinity ? { ...this.extra?.affinity, ...p.affinity } : undefined;
    const extra = {
      ...this.extra,
      ...(p.nodeSelector && Object.keys(p.nodeSelector).length ? { nodeSelector: sortedByKey({ ...this.extra?.nodeSelector, ...p.nodeSelector }) } : {}),
      ...(p.tolerations?.length ? { tolerations: [...(this.extra?.tolerations ?? []), ...p.tolerations] } : {}),
      ...(affinity ? { affinity } : {}),
      ...(p.priorityClassName ? { priorityClassName: p.priorityClassName } : {}),
      ...(p.imagePullSecrets?.length ? { imagePullSecrets: p.imagePullSecrets.map((name) => ({ name })) } : {}),
    };
    const withEnv = (c: ContainerSpec): ContainerSpec => {
      if (!this.sharedEnv?.appliesTo(c)) return c;
      const shared = this.sharedEnv.variables();
      if (shared.length === 0) return c;
      const names = new Set(shared.map((e) => e.name));
      return { ...c, env: [...(c.env ?? []).filter((e) => !names.has(e.name)), ...shared] };
    };
    return hardenedPodSpec({
      identity: this.context.podIdentity,
      serviceAccountName: this.serviceAccountName,
      containers: [...this.containers, ...(p.sidecars ?? [])].map(withEnv),
      initContainers: [...this.initContainers, ...(p.initContainers ?? [])].map(withEnv),
      volumes: this.volumes,
      extra,
    });
  }
}

/**
 * A container as Kubernetes writes it (config `pods.sidecars`, `web.pod.initContainers`, ...) as the typed
 * ContainerSpec the constructs take: quantities and int-or-string ports become the imported classes, which
 * render them as written.
 */
export function containerFromConfig(raw: ExtraContainerConfig): ContainerSpec {
  const convert = (value: unknown, path: readonly string[]): unknown => {
    const key = path[path.length - 1];
    const parent = path[path.length - 2];
    if (Array.isArray(value)) return value.map((v, i) => convert(v, [...path, String(i)]));
    if (value !== null && typeof value === 'object') {
      if (path.length === 2 && path[0] === 'resources' && (key === 'requests' || key === 'limits')) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Quantity.fromString(String(v))]));
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v, [...path, k])]));
    }
    if (key === 'port' && (parent === 'httpGet' || parent === 'tcpSocket')) return typeof value === 'number' ? IntOrString.fromNumber(value) : IntOrString.fromString(String(value));
    if (key === 'divisor' && parent === 'resourceFieldRef') return Quantity.fromString(String(value));
    return value;
  };
  return convert(raw, []) as ContainerSpec;
}

/** A config section's `pod` as the constructs' PodPlacement. */
export function placementFromConfig(placement: PodPlacementConfig | undefined): PodPlacement {
  if (!placement) return {};
  // Plain copies: the YAML loader's objects have no prototype, which cdk8s's resolver does not render.
  const config = JSON.parse(JSON.stringify(placement)) as PodPlacementConfig;
  return mergePlacement({}, {
    nodeSelector: config.nodeSelector as Record<string, string> | undefined,
    tolerations: config.tolerations,
    affinity: config.affinity as Affinity | undefined,
    priorityClassName: config.priorityClassName,
    imagePullSecrets: config.imagePullSecrets,
    serviceAccountAnnotations: config.serviceAccountAnnotations as Record<string, string> | undefined,
    podAnnotations: config.podAnnotations as Record<string, string> | undefined,
    podLabels: config.podLabels as Record<string, string> | undefined,
    initContainers: config.initContainers?.map(containerFromConfig),
    sidecars: config.sidecars?.map(containerFromConfig),
  });
}

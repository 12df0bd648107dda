import { ObjectMeta } from '../../imports/k8s';
import { SYNC_WAVE_ANNOTATION } from './defaults';
import { SyncWaveValue } from './sync-waves';

/** Identity of the pods: numeric non-root user and groups. */
export interface PodIdentity {
  readonly runAsUser: number;
  readonly runAsGroup: number;
  readonly fsGroup: number;
}

export interface AppContextProps {
  /** Namespace of every namespaced object. */
  readonly namespace: string;
  /** Base of every object name and the `app.kubernetes.io/name` label, e.g. `pembayaran`. */
  readonly appName: string;
  /** Environment name; with appName it forms `app.kubernetes.io/instance`. */
  readonly environment: string;
  /** Release version for the `app.kubernetes.io/version` label (never used in selectors). */
  readonly version: string;
  readonly podIdentity: PodIdentity;
  /** Deployments list the Secrets their pods read for Stakater Reloader, which rolls them when one changes. @default false */
  readonly reloadOnSecretChange?: boolean;
}

export interface MetadataOptions {
  readonly wave: SyncWaveValue;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  /** Cluster-scoped objects carry no namespace. @default false */
  readonly clusterScoped?: boolean;
}

/**
 * Names, labels and selectors shared by every construct of one environment. Selectors come from the app,
 * environment and component names only, never from construct paths, so renaming a construct cannot
 * change a selector (a Deployment selector is immutable).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */
export class AppContext {
  public readonly namespace: string;
  public readonly appName: string;
  public readonly environment: string;
  public readonly version: string;
  public readonly podIdentity: PodIdentity;
  public readonly reloadOnSecretChange: boolean;

  constructor(props: AppContextProps) {
    this.namespace = props.namespace;
    this.appName = props.appName;
    this.environment = props.environment;
    this.version = props.version;
    this.podIdentity = props.podIdentity;
    this.reloadOnSecretChange = props.reloadOnSecretChange ?? false;
  }

  /** `app.kubernetes.io/instance`: distinguishes environments that share a cluster. */
  get instance(): string {
    return `${this.appName}-${this.environment}`;
  }

  /** Object name for a component, e.g. `pembayaran-web`. */
  name(component: string): string {
    return `${this.appName}-${component}`;
  }

  /** The labels a selector uses: stable across releases and construct renames. */
  selectorLabels(component: string): Record<string, string> {
    return {
      'app.kubernetes.io/name': this.appName,
      'app.kubernetes.io/instance': this.instance,
      'app.kubernetes.io/component': component,
    };
  }

  /** Every recommended label, including the version (kept out of selectors). */
  labels(component: string): Record<string, string> {
    return {
      ...this.selectorLabels(component),
      'app.kubernetes.io/part-of': this.appName,
      'app.kubernetes.io/managed-by': 'cdk8s',
      'app.kubernetes.io/version': this.version,
    };
  }

  /** Metadata for an object of a component: explicit name, namespace, labels and its Argo CD sync wave. */
  metadata(name: string, component: string, options: MetadataOptions): ObjectMeta {
    return {
      name,
      ...(options.clusterScoped ? {} : { namespace: this.namespace }),
      labels: { ...this.labels(component), ...options.labels },
      annotations: { [SYNC_WAVE_ANNOTATION]: String(options.wave), ...options.annotations },
    };
  }
}

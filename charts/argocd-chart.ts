import { ApiObject, Chart, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { Application, AppProject } from '../imports/argoproj.io';
import { environmentFolder, instanceName } from '../lib/config/environments';
import { EnvironmentConfig } from '../lib/config/types.generated';
import { SYNC_WAVE_ANNOTATION } from '../lib/core/defaults';

/** Chart id, and so the output folder (`dist/argocd/`, `argocd/` in the GitOps repository). */
export const ARGOCD_CHART_ID = 'argocd';

/** Component label of the Argo CD objects. */
export const ARGOCD_COMPONENT = 'argocd';

/**
 * Makes deleting an Application delete its objects too (in the background), except those annotated
 * `Delete=false`. The path form: API servers since 1.27 warn on a finalizer name without a path.
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/#about-the-deletion-finalizer
 */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io/background';

/**
 * Sync options of every Application; see docs/deployment-guide.md ("Argo CD Applications") for why.
 * The Namespace is one of the generated objects, so Argo CD must not create it (CreateNamespace=false).
 */
export const APPLICATION_SYNC_OPTIONS = ['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true'] as const;

/** Retry of a failed sync (e.g. an admission webhook not ready yet): 5s, 10s, 20s, 40s, 80s. */
export const APPLICATION_RETRY = { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } } as const;

/** Sync results kept for `argocd app rollback` and the UI's history (Argo CD's own default). */
export const APPLICATION_REVISION_HISTORY_LIMIT = 10;

/** The glob of manifest files an Application reads from its folder (not recursive). */
export const APPLICATION_INCLUDE = '*.yaml';

/**
 * One environment as the Argo CD chart sees it: its config and either its chart, whose objects are read
 * when the Argo CD chart renders (so objects added to it later are seen), or the objects it already rendered.
 */
export type EnvironmentOutput =
  | { readonly config: EnvironmentConfig; readonly chart: Chart }
  | { readonly config: EnvironmentConfig; readonly objects: readonly RenderedObject[] };

/** A kind as AppProject whitelists name it: API group ('' for the core group) and kind. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** Folder of an environment in the GitOps repository: `argocd.path`, by default the environment name. */
export function environmentPath(config: EnvironmentConfig): string {
  return environmentFolder(config);
}

/**
 * Name of an environment's Application. It equals the `app.kubernetes.io/instance` label of the
 * environment's objects, so Argo CD's label tracking (which sets that label to the Application name)
 * never rewrites the label the Deployment selectors use.
 */
export function applicationName(config: EnvironmentConfig): string {
  return instanceName(config);
}

/**
 * The Argo CD objects of all environments: one AppProject per distinct `argocd.project` and one
 * Application per environment. The AppProjects allow exactly the repositories, destinations and kinds the
 * environments use; the kinds are read from the rendered objects when this chart renders, so a kind
 * added to an environment chart is permitted without editing this file.
 */
export class ArgoCdChart extends Chart {
  constructor(scope: Construct, environments: readonly EnvironmentOutput[]) {
    super(scope, ARGOCD_CHART_ID, { disableResourceNameHashes: true });
    checkPaths(environments.map((e) => e.config));

    const projects = new Map<string, EnvironmentOutput[]>();
    for (const environment of environments) {
      const project = environment.config.argocd.project;
      projects.set(project, [...(projects.get(project) ?? []), environment]);
    }
    for (const project of [...projects.keys()].sort()) {
      this.addProject(project, projects.get(project)!);
    }
    for (const environment of environments) this.addApplication(environment.config);
  }

  private addProject(name: string, environments: readonly EnvironmentOutput[]): void {
    const configs = environments.map((e) => e.config);
    const first = configs[0];
    const objects = () => environments.flatMap(objectsOf);
    new AppProject(this, `Project-${name}`, {
      metadata: {
        name,
        namespace: first.argocd.argocdNamespace,
        labels: labels(first.appName, `${first.appName}-${ARGOCD_COMPONENT}`),
        // Before the Applications that name it.
        annotations: { [SYNC_WAVE_ANNOTATION]: '-1' },
      },
      spec: {
        description: projectDescription(first.appName, configs.map((c) => c.name)),
        sourceRepos: unique(configs.map((c) => c.argocd.repoURL)),
        destinations: uniqueBy(
          configs.map((c) => ({ server: c.argocd.destinationServer, namespace: c.namespace })),
          (d) => `${d.server} ${d.namespace}`,
        ),
        clusterResourceWhitelist: Lazy.any({ produce: () => groupKinds(objects().filter((o) => !o.metadata.namespace)) }),
        namespaceResourceWhitelist: Lazy.any({ produce: () => groupKinds(objects().filter((o) => o.metadata.namespace)) }),
        orphanedResources: {
          warn: true,
          // Objects that live in the namespaces without being in git and without an owner reference.
          ignore: Lazy.any({ produce: () => orphanIgnores(objects().filter((o) => TLS_OWNER_KINDS.includes(o.kind))) }),
        },
      },
    });
  }

  private addApplication(config: EnvironmentConfig): void {
    const argocd = config.argocd;
    const automated = {
      ...(argocd.automated.prune ? { prune: true } : {}),
      ...(argocd.automated.selfHeal ? { selfHeal: true } : {}),
    };
    new Application(this, `Application-${config.name}`, {
      metadata: {
        name: applicationName(config),
        namespace: argocd.argocdNamespace,
        labels: labels(config.appName, `${config.appName}-${ARGOCD_COMPONENT}`),
        annotations: { [SYNC_WAVE_ANNOTATION]: '0' },
        finalizers: [RESOURCES_FINALIZER],
      },
      spec: {
        project: argocd.project,
        source: {
          repoUrl: argocd.repoURL,
          targetRevision: argocd.targetRevision,
          path: environmentPath(config),
          // `jsonnet: {}` is how Argo CD itself serializes an empty jsonnet block (a non-pointer Go struct),
          // so writing it keeps git and the live Application equal. Zero values (recurse: false) are left
          // out: Argo CD drops them (omitempty) and they would show as a permanent difference.
          directory: { include: APPLICATION_INCLUDE, jsonnet: {} },
        },
        destination: { server: argocd.destinationServer, namespace: config.namespace },
        syncPolicy: {
          ...(argocd.autoSync ? { automated } : {}),
          syncOptions: [...APPLICATION_SYNC_OPTIONS],
          retry: { limit: APPLICATION_RETRY.limit, backoff: { ...APPLICATION_RETRY.backoff } },
        },
        revisionHistoryLimit: APPLICATION_REVISION_HISTORY_LIMIT,
      },
    });
  }
}

/** What the Argo CD chart reads of an environment's object. */
export interface RenderedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly namespace?: string };
  readonly spec?: any;
}

/**
 * Kinds and namespaces are read from the constructs, not their rendering: resolving every object here
 * would synthesize each environment again. Only the few Ingresses and Gateways are rendered, for their TLS Secrets.
 */
function objectsOf(environment: EnvironmentOutput): readonly RenderedObject[] {
  if ('objects' in environment) return environment.objects;
  return environment.chart.node
    .findAll()
    .filter(ApiObject.isApiObject)
    .map((o) => (TLS_OWNER_KINDS.includes(o.kind) ? o.toJson() : { apiVersion: o.apiVersion, kind: o.kind, metadata: { namespace: o.metadata.namespace } }));
}

/**
 * Labels of the Argo CD objects. Their instance is `<appName>-argocd`, the name docs/deployment-guide.md
 * gives the root Application that syncs this folder, so label tracking leaves them as they are in git.
 */
function labels(appName: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': appName,
    'app.kubernetes.io/instance': instance,
    'app.kubernetes.io/component': ARGOCD_COMPONENT,
    'app.kubernetes.io/part-of': appName,
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
}

/** The distinct kinds of the objects, sorted by group, then kind. */
export function groupKinds(objects: readonly RenderedObject[]): GroupKind[] {
  const kinds = objects.map((o) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind }));
  return uniqueBy(kinds, (k) => `${k.group}/${k.kind}`).sort((a, b) => compare(a.group, b.group) || compare(a.kind, b.kind));
}

/** Kinds whose TLS Secrets cert-manager creates in the namespace (without an owner reference). */
/** Kinds whose TLS Secrets cert-manager creates; their spec is what the Argo CD chart reads of them. */
export const TLS_OWNER_KINDS: readonly string[] = ['Ingress', 'Gateway'];

/** Secrets cert-manager creates for the Ingresses and Gateways, and the CA bundle Kubernetes puts in every namespace. */
function orphanIgnores(owners: readonly RenderedObject[]): { group: string; kind: string; name: string }[] {
  const tlsSecrets = owners
    .flatMap((o) => [
      ...(o.spec?.tls ?? []).map((t: { secretName?: string }) => t.secretName),
      ...(o.spec?.listeners ?? []).flatMap((l: { tls?: { certificateRefs?: { kind?: string; name?: string }[] } }) =>
        (l.tls?.certificateRefs ?? []).filter((ref) => (ref.kind ?? 'Secret') === 'Secret').map((ref) => ref.name),
      ),
    ])
    .filter((name): name is string => typeof name === 'string');
  return [
    { group: '', kind: 'ConfigMap', name: 'kube-root-ca.crt' },
    ...unique(tlsSecrets).map((name) => ({ group: '', kind: 'Secret', name })),
  ];
}

/** Environment folders must be distinct, relative paths inside the repository, and not the Argo CD folder. */
function checkPaths(configs: readonly EnvironmentConfig[]): void {
  const owners = new Map<string, string>();
  for (const config of configs) {
    if (config.name === ARGOCD_CHART_ID) throw new Error(`environment name "${ARGOCD_CHART_ID}" is reserved for the Argo CD folder`);
    const folder = environmentPath(config);
    const segments = folder.split('/');
    if (folder.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..') || segments[0] === ARGOCD_CHART_ID) {
      throw new Error(`${config.name}: argocd.path "${folder}" must be a relative folder inside the GitOps repository, without "." or ".." segments, outside "${ARGOCD_CHART_ID}/"`);
    }
    for (const [other, owner] of owners) {
      if (other === folder || other.startsWith(`${folder}/`) || folder.startsWith(`${other}/`)) {
        throw new Error(`${config.name}: argocd.path "${folder}" overlaps "${other}" of ${owner}; each environment needs its own folder`);
      }
    }
    owners.set(folder, config.name);
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function uniqueBy<T>(values: readonly T[], key: (v: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const v of values) if (!seen.has(key(v))) seen.set(key(v), v);
  return [...seen.values()];
}

/** The AppProject CRD's limit on spec.description. */
export const PROJECT_DESCRIPTION_MAX_LENGTH = 255;

/** `<app>: <environments>`, or their count where the names would not fit the CRD's limit. */
export function projectDescription(appName: string, environments: readonly string[]): string {
  const listed = `${appName}: ${environments.join(', ')}`;
  return listed.length <= PROJECT_DESCRIPTION_MAX_LENGTH ? listed : `${appName}: ${environments.length} environments`;
}

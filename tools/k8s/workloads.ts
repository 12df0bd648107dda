/** Where pod templates live in the workload kinds, shared by the quality gate and the connectivity analyzer. */
import type { KubeObject } from './manifests';

/** Kinds that carry a pod template, with the apiVersion they must have and the path to the template. */
const TEMPLATE_PATHS: Readonly<Record<string, { readonly apiVersion: string; readonly path: readonly string[] }>> = {
  Pod: { apiVersion: 'v1', path: [] },
  Deployment: { apiVersion: 'apps/v1', path: ['spec', 'template'] },
  StatefulSet: { apiVersion: 'apps/v1', path: ['spec', 'template'] },
  DaemonSet: { apiVersion: 'apps/v1', path: ['spec', 'template'] },
  ReplicaSet: { apiVersion: 'apps/v1', path: ['spec', 'template'] },
  ReplicationController: { apiVersion: 'v1', path: ['spec', 'template'] },
  Job: { apiVersion: 'batch/v1', path: ['spec', 'template'] },
  CronJob: { apiVersion: 'batch/v1', path: ['spec', 'jobTemplate', 'spec', 'template'] },
};

/** Long-running controllers: their main containers must have probes. */
export const LONG_RUNNING_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

export interface PodTemplate {
  /** Dotted path of the template (`spec.template`), empty for a Pod. */
  readonly path: string;
  readonly metadata: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec: any;
}

export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

export interface ContainerRef {
  readonly list: ContainerList;
  readonly index: number;
  readonly container: any;
  /** `spec.template.spec.containers[0] "php"` */
  readonly label: string;
}

export function isWorkload(object: KubeObject): boolean {
  const entry = TEMPLATE_PATHS[object?.kind];
  return entry !== undefined && object.apiVersion === entry.apiVersion;
}

/** The pod template of a workload object, or undefined for other kinds (or a template-less malformed object). */
export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  if (!isWorkload(object)) return undefined;
  const { path } = TEMPLATE_PATHS[object.kind];
  let cur: any = object;
  for (const key of path) cur = cur?.[key];
  if (!cur || typeof cur !== 'object') return undefined;
  return { path: path.join('.'), metadata: cur.metadata ?? {}, spec: cur.spec ?? {} };
}

/** `spec.template` + `spec.volumes` -> `spec.template.spec.volumes`. */
export function joinPath(...parts: string[]): string {
  return parts.filter(Boolean).join('.');
}

export function containersOf(template: PodTemplate, lists: readonly ContainerList[] = ['containers', 'initContainers', 'ephemeralContainers']): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const list of lists) {
    const items = template.spec?.[list];
    if (!Array.isArray(items)) continue;
    items.forEach((container, index) => {
      const name = typeof container?.name === 'string' ? ` "${container.name}"` : '';
      out.push({ list, index, container: container ?? {}, label: `${joinPath(template.path, 'spec')}.${list}[${index}]${name}` });
    });
  }
  return out;
}

/** Volumes of the pod template, each with its source type (the one key besides `name`). */
export function volumesOf(template: PodTemplate): { readonly volume: any; readonly label: string; readonly sources: string[] }[] {
  const volumes = template.spec?.volumes;
  if (!Array.isArray(volumes)) return [];
  return volumes.map((volume, i) => ({
    volume: volume ?? {},
    label: `${joinPath(template.path, 'spec')}.volumes[${i}]${typeof volume?.name === 'string' ? ` "${volume.name}"` : ''}`,
    sources: Object.keys(volume ?? {}).filter((k) => k !== 'name' && volume[k] !== null && volume[k] !== undefined),
  }));
}

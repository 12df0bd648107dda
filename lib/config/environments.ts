/**
 * Rules between environments: each one synthesizes into its own folders and owns its own objects, so
 * two environments may not share a name, an Argo CD Application, a GitOps folder or a namespace of one cluster.
 */
import type { ConfigProblem } from './load';
import { showValue } from './messages';
import { EnvironmentConfig } from './types.generated';

/** Output folders the project writes itself, so no environment may be named after them. */
export const RESERVED_FOLDERS: readonly string[] = ['argocd'];

/** Folder of an environment in the GitOps repository: `argocd.path`, by default the environment name. */
export function environmentFolder(config: EnvironmentConfig): string {
  return config.argocd.path ?? config.name;
}

/** The Argo CD Application of an environment; also its `app.kubernetes.io/instance` label. */
export function instanceName(config: Pick<EnvironmentConfig, 'appName' | 'name'>): string {
  return `${config.appName}-${config.name}`;
}

/** Why a GitOps folder is not a plain relative folder outside the reserved ones, or undefined. */
export function folderProblem(folder: string): string | undefined {
  const segments = folder.split('/');
  if (folder.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
    return `${showValue(folder)} must be a relative folder inside the GitOps repository, without empty, "." or ".." segments`;
  }
  if (RESERVED_FOLDERS.includes(segments[0])) return `${showValue(folder)} is inside "${segments[0]}/", which holds the Argo CD objects`;
  return undefined;
}

export interface EnvironmentFile {
  readonly file: string;
  readonly config: EnvironmentConfig;
}

/** Collisions between environments, each reported on the later file with the earlier one named. */
export function environmentChecks(environments: readonly EnvironmentFile[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const names = new Map<string, string>();
  const applications = new Map<string, string>();
  const namespaces = new Map<string, string>();
  const folders = new Map<string, string>();
  for (const { file, config } of environments) {
    const add = (path: string, message: string) => problems.push({ file, path, message });
    const name = names.get(config.name);
    if (name) add('name', `${showValue(config.name)} is already the name of ${name}; each environment needs its own name (it is its dist/ folder)`);
    else names.set(config.name, file);

    const application = instanceName(config);
    const appOwner = applications.get(application);
    if (appOwner && !name) {
      add('name', `appName and name give the Argo CD Application ${showValue(application)}, already that of ${appOwner}; choose another name`);
    } else applications.set(application, file);

    const cluster = `${config.argocd.destinationServer} ${config.namespace}`;
    const namespaceOwner = namespaces.get(cluster);
    if (namespaceOwner) {
      add('namespace', `${showValue(config.namespace)} on ${config.argocd.destinationServer} is already the namespace of ${namespaceOwner}; two environments would own the same Namespace and objects: give each its own namespace`);
    } else namespaces.set(cluster, file);

    const folder = environmentFolder(config).replace(/\/+$/, '');
    for (const [other, owner] of folders) {
      if (other === folder || other.startsWith(`${folder}/`) || folder.startsWith(`${other}/`)) {
        add(config.argocd.path === undefined ? 'name' : 'argocd.path', `GitOps folder ${showValue(folder)} overlaps ${showValue(other)} of ${owner}; each environment needs its own folder`);
      }
    }
    folders.set(folder, file);
  }
  return problems;
}

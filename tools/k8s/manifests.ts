import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';

/** One Kubernetes object read from a manifest file. */
export interface Manifest {
  /** Path of the file it came from, as given or found. */
  readonly file: string;
  readonly object: KubeObject;
}

/** The fields every Kubernetes object has; the rest is read loosely. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [field: string]: any;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** Every manifest file under the given files or folders, sorted for stable reports. */
export function findManifestFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (p: string) => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) visit(path.join(p, entry));
    } else if (MANIFEST_EXTENSIONS.includes(path.extname(p))) {
      found.push(p);
    }
  };
  paths.forEach(visit);
  return found;
}

/** Parses one file's YAML documents, skipping empty ones. */
export function parseManifests(file: string, text: string): Manifest[] {
  return yaml
    .loadAll(text, undefined, { filename: file })
    .filter((doc): doc is KubeObject => doc !== null && doc !== undefined)
    .map((object) => ({ file, object }));
}

/** Reads every object from the given manifest files or folders. */
export function loadManifests(paths: readonly string[]): Manifest[] {
  return findManifestFiles(paths).flatMap((file) => parseManifests(file, fs.readFileSync(file, 'utf8')));
}

import * as fs from 'fs';
import * as path from 'path';
import { entryKind, InputError, loadYamlDocuments, readRegularFile } from '../../lib/config/safe-input';

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

/** `<chart id>/<kind>-<name>.yaml`: file names derive from kind and name only, so they are stable. */
export function manifestPath(folder: string, object: { kind: string; metadata: { name: string } }): string {
  return `${folder}/${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml'];

/** Largest manifest file read: several objects of at most 1 MiB each, with room to spare. */
export const MAX_MANIFEST_FILE_BYTES = 16 * 1024 * 1024;

/** A path that is not a regular file or folder (a FIFO would block the read forever), or that cannot be read. */
export class ManifestInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestInputError';
  }
}

/**
 * Every manifest file under the given files or folders, sorted for stable reports. A given path, or a
 * `.yaml`/`.yml` entry found in a folder, that is not a regular file is refused with its path.
 */
export function findManifestFiles(paths: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (p: string, given: boolean) => {
    const stat = fs.statSync(p);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) visit(path.join(p, entry), false);
    } else if (given || MANIFEST_EXTENSIONS.includes(path.extname(p))) {
      if (!stat.isFile()) throw new ManifestInputError(`${p}: is ${entryKind(stat)}, not a regular file; refused (only regular files are read)`);
      if (MANIFEST_EXTENSIONS.includes(path.extname(p))) found.push(p);
    }
  };
  for (const p of paths) visit(p, true);
  return found;
}

/** Parses one file's YAML documents, skipping empty ones; aliases may not expand a file beyond reason. */
export function parseManifests(file: string, text: string): Manifest[] {
  try {
    return loadYamlDocuments(text, file, { maxValues: 2_000_000, maxChars: 4 * MAX_MANIFEST_FILE_BYTES })
      .filter((doc): doc is KubeObject => doc !== null && doc !== undefined)
      .map((object) => ({ file, object }));
  } catch (err) {
    if (err instanceof InputError) throw new ManifestInputError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Reads every object from the given manifest files or folders. */
export function loadManifests(paths: readonly string[]): Manifest[] {
  return findManifestFiles(paths).flatMap((file) => {
    let text: string;
    try {
      text = readRegularFile(file, MAX_MANIFEST_FILE_BYTES);
    } catch (err) {
      if (err instanceof InputError) throw new ManifestInputError(`${file}: ${err.message}`);
      throw err;
    }
    return parseManifests(file, text);
  });
}

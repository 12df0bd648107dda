import * as path from 'path';
import { buildApp } from '../../charts';
import { ConfigProblem, findEnvironmentFiles, loadEnvironments } from '../../lib/config/load';
import { Finding, formatTable, validateManifests } from '../validate';
import { renderManifests, RenderedFiles, toFiles } from './render';
import { writeOutput } from './write';

export interface SynthOptions {
  /** Environment files to synthesize. @default every .yaml file in `configDir` */
  readonly configFiles?: readonly string[];
  /** @default 'config' */
  readonly configDir?: string;
  /** @default 'dist' */
  readonly outdir: string;
  /** Run the quality gate before writing; findings fail the synth. @default true */
  readonly validate?: boolean;
  /** Write nothing, only return the files. @default false */
  readonly dryRun?: boolean;
}

/** The gate found problems; nothing was written. */
export class GateError extends Error {
  constructor(public readonly findings: readonly Finding[]) {
    super(`${formatTable(findings)}\nsynth refused: ${findings.length} finding(s) from the quality gate; dist/ left unchanged (--no-validate skips the gate)`);
    this.name = 'GateError';
  }
}

export interface SynthResult {
  readonly environments: string[];
  readonly files: RenderedFiles;
  /** Config keys of earlier versions that were read, each with what to write instead. */
  readonly warnings: readonly ConfigProblem[];
}

/**
 * config files → validated environments → charts → files → output folder. With explicit config files,
 * only those environments' folders are replaced; otherwise the whole output folder is.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const partial = options.configFiles !== undefined && options.configFiles.length > 0;
  const files = partial ? options.configFiles! : findEnvironmentFiles(options.configDir ?? 'config');
  const warnings: ConfigProblem[] = [];
  const configs = loadEnvironments(files.map((f) => path.resolve(f)), warnings);
  // The argocd folder describes every environment, so it is (re)built only when all of them are.
  const manifests = renderManifests(buildApp(configs, { argocd: !partial }));
  const environments = configs.map((c) => c.name);
  if (options.validate ?? true) {
    const findings = validateManifests(manifests);
    if (findings.length > 0) throw new GateError(findings);
  }
  const rendered = toFiles(manifests);
  if (!options.dryRun) writeOutput(options.outdir, rendered, partial ? environments : undefined);
  return { environments, files: rendered, warnings };
}

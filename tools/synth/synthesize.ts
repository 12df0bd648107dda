import * as path from 'path';
import * as v8 from 'v8';
import { ARGOCD_CHART_ID } from '../../charts/argocd-chart';
import { ConfigProblem, findEnvironmentFiles, formatProblem, LoadedEnvironment, loadEnvironmentFiles } from '../../lib/config/load';
import { Finding, formatTable, sortFindings, validateManifests } from '../validate';
import { TracedFinding, traceFindings } from './config-findings';
import { RenderedFiles, renderEnvironments } from './render';
import { timed } from './trace';
import { checkOutputFolder, Recovery, recoverOutput, writeOutput } from './write';
import { YamlWriter } from './yaml';

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
  /** Told when an interrupted earlier write was completed or rolled back, before anything else (even a refusal). */
  readonly onRecovery?: (recovery: Recovery) => void;
}

/** Measured on 2 to 500 environments: TurboFan on from the fifth chart is as fast as never below 5, and faster above. */
const OPTIMIZE_AFTER_CHARTS = 4;

/**
 * The gate found problems; nothing was written. Findings traced to a config value come first, one
 * `file: key.path: message` line each; the others follow in the gate's table, which names output files.
 */
export class GateError extends Error {
  constructor(
    public readonly findings: readonly Finding[],
    public readonly traced: readonly TracedFinding[] = [],
  ) {
    const untraced = findings.filter((f) => !traced.some((t) => t.finding === f));
    super(
      [
        ...[...new Set(traced.map(formatProblem))],
        ...(untraced.length ? [formatTable(untraced).trimEnd()] : []),
        `synth refused: ${findings.length} finding(s) from the quality gate; dist/ left unchanged (--no-validate skips the gate)`,
      ].join('\n'),
    );
    this.name = 'GateError';
  }
}

export interface SynthResult {
  readonly environments: string[];
  readonly files: RenderedFiles;
  /** What was done about a write interrupted earlier, if one was found. */
  readonly recovered?: Recovery;
  /** Config keys of earlier versions that were read, each with what to write instead. */
  readonly warnings: readonly ConfigProblem[];
}

/**
 * config files → validated environments → charts → files → output folder. With explicit config files,
 * only those environments' folders are replaced; otherwise the whole output folder is.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const partial = options.configFiles !== undefined && options.configFiles.length > 0;
  // An interrupted earlier write is finished (or undone) first, so dist/ is whole whatever happens next.
  const recovered = options.dryRun ? undefined : (checkOutputFolder(options.outdir), recoverOutput(options.outdir));
  if (recovered) options.onRecovery?.(recovered);
  const files = partial ? options.configFiles! : findEnvironmentFiles(options.configDir ?? 'config');
  const warnings: ConfigProblem[] = [];
  const loaded = timed('config', () => loadEnvironmentFiles(files.map((f) => path.resolve(f)), warnings));
  const configs = loaded.map((l) => l.config);
  const validate = options.validate ?? true;
  let findings: Finding[] = [];
  const writer = new YamlWriter();
  const unsorted: RenderedFiles = new Map();
  let chartsRendered = 0;
  // Each environment is gated and written to YAML as soon as it is rendered, so only its objects are held.
  // The argocd folder describes every environment, so it is (re)built only when all of them are.
  renderEnvironments(configs, { argocd: !partial }, (manifests) => {
    // scripts/run.js starts without TurboFan, right for a short run; past a few environments the run is
    // long enough for optimized code to pay for its compilation (no-op when TurboFan is already on).
    if (++chartsRendered === OPTIMIZE_AFTER_CHARTS) v8.setFlagsFromString('--opt');
    if (validate) findings.push(...timed('gate', () => validateManifests(manifests)));
    timed('yaml', () => manifests.forEach(({ file, object }) => unsorted.set(file, writer.write(object))));
  });
  if (findings.length > 0) {
    findings = sortFindings(findings);
    throw new GateError(findings, traceFindings(findings, loaded).traced);
  }
  const rendered: RenderedFiles = new Map([...unsorted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const environments = configs.map((c) => c.name);
  checkEveryEnvironmentRendered(rendered, loaded, !partial);
  if (!options.dryRun) timed('write', () => writeOutput(options.outdir, rendered, partial ? environments : undefined));
  return { environments, files: rendered, recovered, warnings };
}

/**
 * The pipeline's own check: an environment whose config was read is in the output, and the output holds
 * nothing else; otherwise a bug upstream would delete an environment from every cluster downstream.
 */
export function checkEveryEnvironmentRendered(files: RenderedFiles, loaded: readonly LoadedEnvironment[], withArgoCd: boolean): void {
  const folders = new Set([...files.keys()].map((f) => f.split('/')[0]));
  const expected = new Set([...loaded.map((l) => l.config.name), ...(withArgoCd ? [ARGOCD_CHART_ID] : [])]);
  const missing = loaded.filter((l) => !folders.has(l.config.name)).map((l) => `${l.file} (${l.config.name}/)`);
  if (withArgoCd && !folders.has(ARGOCD_CHART_ID)) missing.push(`${ARGOCD_CHART_ID}/`);
  const extra = [...folders].filter((f) => !expected.has(f));
  if (missing.length || extra.length || loaded.length === 0) {
    throw new Error(`internal error: the rendered output ${missing.length ? `lacks ${missing.join(', ')}` : ''}${extra.length ? ` has unexpected folders ${extra.join(', ')}` : ''}${loaded.length === 0 ? 'has no environment' : ''}; nothing was written`);
  }
}

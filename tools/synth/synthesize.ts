import * as path from 'path';
import * as v8 from 'v8';
import { ARGOCD_CHART_ID, RenderedObject } from '../../charts/argocd-chart';
import { EnvironmentConfig } from '../../lib/config/types.generated';
import { ConfigProblem, findEnvironmentFiles, formatProblem, LoadedEnvironment, loadEnvironmentFiles } from '../../lib/config/load';
import { Finding, formatTable, sortFindings, validateManifests } from '../validate';
import { TracedFinding, traceFindings } from './config-findings';
import { RenderedFiles, renderArgoCd, renderEnvironment, summaryOf } from './render';
import { RenderPool, runRenderWorker, startRenderPool, threadsFor, WorkerTask } from './parallel';
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
  /**
   * A JavaScript entry point that calls `runSynthWorker` in a worker thread (main.ts does): with one,
   * many environments are rendered on several cores. @default undefined (one thread)
   */
  readonly workerScript?: string;
  /** Most threads to render on. @default one per core, fewer when there are few environments */
  readonly threads?: number;
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
  const validate = options.validate ?? true;
  const threads = options.workerScript ? threadsFor(files.length, options.threads) : 1;
  // Started before the configs are read (one environment per file): the workers start while the first are
  // read, and render each as soon as it has been read.
  // Long enough a run for optimized code to pay for its compilation (the flag is the process's, workers'
  // too), once the workers have compiled the bundle from the code cache written without it.
  const optimize = () => v8.setFlagsFromString('--opt');
  const pool: RenderPool | undefined = threads > 1 ? startRenderPool({ threads, workerScript: options.workerScript!, validate, onWorkersStarted: optimize }) : undefined;
  const warnings: ConfigProblem[] = [];
  let loaded: LoadedEnvironment[];
  try {
    loaded = timed('config', () => loadEnvironmentFiles(files.map((f) => path.resolve(f)), warnings, pool?.post));
  } catch (err) {
    pool?.close();
    throw err;
  }
  const configs = loaded.map((l) => l.config);
  const writer = new YamlWriter();
  let results: EnvironmentResult[];
  if (pool) {
    results = pool.render(configs, (i) => synthesizeEnvironment(configs[i], validate, writer));
  } else {
    // scripts/run.js starts without TurboFan, right for a short run; past a few environments the run is
    // long enough for optimized code to pay for its compilation (no-op when TurboFan is already on).
    results = configs.map((config, i) => {
      if (i + 1 === OPTIMIZE_AFTER_CHARTS) v8.setFlagsFromString('--opt');
      return synthesizeEnvironment(config, validate, writer);
    });
  }
  let findings: Finding[] = results.flatMap((r) => r.findings);
  const unsorted: RenderedFiles = new Map(results.flatMap((r) => r.files));
  // The argocd folder describes every environment, so it is (re)built only when all of them are.
  if (!partial) {
    const argocd = renderArgoCd(configs.map((config, i) => ({ config, objects: results[i].objects })));
    if (validate) findings.push(...timed('gate', () => validateManifests(argocd)));
    timed('yaml', () => argocd.forEach(({ file, object }) => unsorted.set(file, writer.write(object))));
  }
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

/** What one environment gives the synth: its files as YAML, the gate's findings, what the Argo CD chart reads. */
export interface EnvironmentResult {
  readonly files: readonly (readonly [string, string])[];
  readonly findings: readonly Finding[];
  readonly objects: readonly RenderedObject[];
}

/** One environment rendered, gated and written to YAML: only its files are kept, not its objects. */
export function synthesizeEnvironment(config: EnvironmentConfig, validate: boolean, writer: YamlWriter): EnvironmentResult {
  const manifests = renderEnvironment(config);
  const findings = validate ? timed('gate', () => validateManifests(manifests)) : [];
  const files = timed('yaml', () => manifests.map(({ file, object }) => [file, writer.write(object)] as const));
  return { files, findings, objects: manifests.map((m) => summaryOf(m.object)) };
}

/** The worker thread's side of a parallel synth: `task` is its workerData. */
export function runSynthWorker(task: WorkerTask): void {
  const writer = new YamlWriter();
  runRenderWorker(task, (config, validate) => synthesizeEnvironment(config, validate, writer));
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

#!/usr/bin/env node
// Wiring only: arguments → synthesize (load and validate config, build charts, render, gate, write).
import * as path from 'path';
import { isMainThread, workerData } from 'worker_threads';
import { ConfigError, displayPath, findEnvironmentFiles, formatProblem } from './lib/config/load';
import { projectRoot } from './tools/project-root';
import { ENVIRONMENTS_PER_WORKER as ENVIRONMENTS_PER_THREAD, RENDER_WORKER, threadsFor } from './tools/synth/parallel';
import { buildingSnapshot, prepareSnapshot } from './tools/synth/snapshot';
import { GateError, runSynthWorker, synthesize } from './tools/synth/synthesize';
import { OutputError } from './tools/synth/write';

// Config and output live in the project, whatever the working directory.
const PROJECT_ROOT = projectRoot(__dirname);
const USAGE = `usage: npm run synth [-- [--config <file>]... | [--config-dir <dir>]] [--outdir <dir>] [--no-validate]
  --config <file>     synthesize only this environment (repeatable); other folders of the output stay as they are
  --config-dir <dir>  read every environment file (*.yaml, *.yml) of this folder (default: config/)
  --outdir <dir>      write here (default: dist/, or $CDK8S_OUTDIR)
  --no-validate       skip the quality gate (not for production)
  --threads <n>       render on at most n threads (default: one per core, used from ${ENVIRONMENTS_PER_THREAD} environments a thread)
  --help              print this and exit`;

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const configFiles: string[] = [];
  let configDir: string | undefined;
  let outdir = process.env.CDK8S_OUTDIR || path.join(PROJECT_ROOT, 'dist');
  let validate = true;
  let help = false;
  let threads: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' || arg === '--outdir' || arg === '--config-dir' || arg === '--threads') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--threads') {
        if (!/^[1-9][0-9]{0,2}$/.test(value)) throw new UsageError(`--threads needs a whole number from 1 to 999, not "${value}"`);
        threads = Number(value);
      } else if (arg === '--config') configFiles.push(value);
      else if (arg === '--config-dir') configDir = value;
      else outdir = value;
    } else if (arg === '--no-validate') {
      validate = false;
    } else if (arg === '--help' || arg === '-h') {
      help = true;
    } else {
      throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  if (configDir !== undefined && configFiles.length > 0) throw new UsageError('give --config files or --config-dir, not both');
  return { configFiles, configDir: configDir ?? path.join(PROJECT_ROOT, 'config'), outdir, validate, help, threads };
}

/**
 * The synth as the command line asks for it. Started from the startup snapshot (`workers` false), it
 * returns 'needs-workers' before doing anything when the run would render on several threads.
 */
function main(argv: string[], workers = true): 'done' | 'needs-workers' {
  try {
    const args = parseArgs(argv);
    if (!workers && !args.help && threadsFor(args.configFiles.length || countEnvironmentFiles(args.configDir), args.threads) > 1) return 'needs-workers';
    if (args.help) {
      console.log(USAGE);
    } else {
      const result = synthesize({
        configFiles: args.configFiles,
        configDir: args.configDir,
        outdir: args.outdir,
        validate: args.validate,
        threads: args.threads,
        // A worker thread runs this file again (the bundle, or tsc's build); under ts-jest it is TypeScript.
        workerScript: __filename.endsWith('.js') ? __filename : undefined,
        onRecovery: (r) => console.error(`${displayPath(args.outdir)}/: ${r.action} the write of an earlier, interrupted synth`),
      });
      for (const warning of result.warnings) console.error(`warning: ${formatProblem(warning)}`);
      const names = result.environments.length > 8 ? `${result.environments.length} environments` : result.environments.join(', ');
      console.log(`synthesized ${names} into ${path.relative(process.cwd(), args.outdir) || '.'}/ (${result.files.size} files)`);
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof GateError || err instanceof OutputError) {
      console.error(err.message);
    } else if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`synth failed: ${(err as Error).message}`);
      if (process.env.DEBUG) console.error((err as Error).stack);
    }
    process.exitCode ||= 1;
  }
  return 'done';
}

/** How many environments `dir` holds; 0 when it cannot be read (the synth reports that itself). */
function countEnvironmentFiles(dir: string): number {
  try {
    return findEnvironmentFiles(dir).length;
  } catch {
    return 0;
  }
}

// A render worker of a parallel synth runs this same file: it renders, it does not parse arguments.
if (!isMainThread && workerData?.role === RENDER_WORKER) runSynthWorker(workerData);
// scripts/run.js building the startup snapshot: warm up on the project's config (a dry run), start later.
else if (buildingSnapshot()) prepareSnapshot(__filename, path.join(PROJECT_ROOT, 'config'), (argv) => main(argv, false));
else main(process.argv.slice(2));

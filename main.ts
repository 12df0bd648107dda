#!/usr/bin/env node
// Wiring only: arguments → synthesize (load and validate config, build charts, render, gate, write).
import * as path from 'path';
import { ConfigError, displayPath, formatProblem } from './lib/config/load';
import { projectRoot } from './tools/project-root';
import { GateError, synthesize } from './tools/synth/synthesize';
import { OutputError } from './tools/synth/write';

// Config and output live in the project, whatever the working directory.
const PROJECT_ROOT = projectRoot(__dirname);
const USAGE = `usage: npm run synth [-- [--config <file>]... | [--config-dir <dir>]] [--outdir <dir>] [--no-validate]
  --config <file>     synthesize only this environment (repeatable); other folders of the output stay as they are
  --config-dir <dir>  read every environment file (*.yaml, *.yml) of this folder (default: config/)
  --outdir <dir>      write here (default: dist/, or $CDK8S_OUTDIR)
  --no-validate       skip the quality gate (not for production)
  --help              print this and exit`;

class UsageError extends Error {}

function parseArgs(argv: string[]) {
  const configFiles: string[] = [];
  let configDir: string | undefined;
  let outdir = process.env.CDK8S_OUTDIR || path.join(PROJECT_ROOT, 'dist');
  let validate = true;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' || arg === '--outdir' || arg === '--config-dir') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--config') configFiles.push(value);
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
  return { configFiles, configDir: configDir ?? path.join(PROJECT_ROOT, 'config'), outdir, validate, help };
}

try {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USAGE);
  } else {
    const result = synthesize({
      configFiles: args.configFiles,
      configDir: args.configDir,
      outdir: args.outdir,
      validate: args.validate,
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

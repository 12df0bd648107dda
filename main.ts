#!/usr/bin/env node
// Wiring only: arguments → synthesize (load and validate config, build charts, render, gate, write).
import * as path from 'path';
import { ConfigError, formatProblem } from './lib/config/load';
import { GateError, synthesize } from './tools/synth/synthesize';

// Config and output live in the project, whatever the working directory (main.js runs from build/).
const PROJECT_ROOT = path.resolve(__dirname, path.basename(__dirname) === 'build' ? '..' : '.');
const USAGE = 'usage: npm run synth [-- --config <file>]... [--outdir <dir>] [--no-validate]';

function parseArgs(argv: string[]) {
  const configFiles: string[] = [];
  let outdir = process.env.CDK8S_OUTDIR || path.join(PROJECT_ROOT, 'dist');
  let validate = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config' || arg === '--outdir') {
      const value = argv[++i];
      if (!value) throw new UsageError(`${arg} needs a value`);
      if (arg === '--config') configFiles.push(value);
      else outdir = value;
    } else if (arg === '--no-validate') {
      validate = false;
    } else {
      throw new UsageError(`unknown argument "${arg}"`);
    }
  }
  return { configFiles, outdir, validate };
}

class UsageError extends Error {}

try {
  const args = parseArgs(process.argv.slice(2));
  const result = synthesize({
    configFiles: args.configFiles,
    configDir: path.join(PROJECT_ROOT, 'config'),
    outdir: args.outdir,
    validate: args.validate,
  });
  for (const warning of result.warnings) console.error(`warning: ${formatProblem(warning)}`);
  console.log(`synthesized ${result.environments.join(', ')} into ${path.relative(process.cwd(), args.outdir) || '.'}/ (${result.files.size} files)`);
} catch (err) {
  if (err instanceof ConfigError || err instanceof GateError) {
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

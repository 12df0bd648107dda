#!/usr/bin/env node
/**
 * `npm run gitops:publish -- <gitops checkout> [--config-dir <dir>] [--no-validate]`: synthesizes every
 * environment (with the quality gate), replaces the environment folders and `argocd/` in the checkout and
 * commits them as one commit. Exit 0 when committed or when nothing changed, 1 when refused or failed
 * (not a git working tree, uncommitted changes, a detached HEAD, no git identity, git-ignored files in a
 * managed folder, gate findings, invalid config), 2 on
 * bad usage. Does not push.
 */
import { ConfigError } from '../../lib/config/load';
import { GateError } from '../synth/synthesize';
import { OutputError } from '../synth/write';
import { formatSummary } from './diff';
import { Io, parseCheckoutArgs, processIo } from './checkout-args';
import { publish, PublishError } from './publish';

export const PUBLISH_USAGE = 'usage: npm run gitops:publish -- <gitops checkout> [--config-dir <dir>] [--no-validate]';

export function main(argv: readonly string[], io: Io = processIo): number {
  let args;
  try {
    args = parseCheckoutArgs(argv, ['--no-validate']);
  } catch (err) {
    io.err(`publish: ${(err as Error).message} (${PUBLISH_USAGE})\n`);
    return 2;
  }
  try {
    const result = publish({ checkout: args.checkout, configDir: args.configDir, validate: !args.flags.has('--no-validate') });
    if (result.commit) {
      io.out(`committed ${result.commit.slice(0, 12)} in ${args.checkout}: ${result.subject}\n${formatSummary(result.changes)}`);
    } else {
      io.out(`nothing to publish: ${args.checkout} already holds this synth (no commit made)\n`);
    }
    return 0;
  } catch (err) {
    if (err instanceof PublishError || err instanceof OutputError) io.err(`publish refused: ${err.message}\n`);
    else if (err instanceof ConfigError || err instanceof GateError) io.err(`${err.message}\n`);
    else io.err(`publish failed: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

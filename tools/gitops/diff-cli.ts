#!/usr/bin/env node
/**
 * `npm run gitops:diff -- <gitops checkout> [--config-dir <dir>]`: what `npm run gitops:publish` would change in the
 * checkout. Exit status as diff(1) and `git diff --exit-code`: 0 no change, 1 changes, 2 trouble (usage,
 * unreadable checkout, invalid config). The quality gate is not run: use `npm run synth` or publish for it.
 */
import { ConfigError } from '../../lib/config/load';
import { pendingJournal } from '../synth/write';
import { Io, parseCheckoutArgs, processIo } from './checkout-args';
import { diffCheckout, formatReport, hasChanges } from './diff';
import { publishJournal } from './publish';

export const DIFF_USAGE = 'usage: npm run gitops:diff -- <gitops checkout> [--config-dir <dir>]';

export function main(argv: readonly string[], io: Io = processIo): number {
  let args;
  try {
    args = parseCheckoutArgs(argv);
  } catch (err) {
    io.err(`diff: ${(err as Error).message} (${DIFF_USAGE})\n`);
    return 2;
  }
  try {
    const journal = isGitCheckout(args.checkout) ? pendingJournal(args.checkout, publishJournal(args.checkout)) : undefined;
    if (journal) {
      io.err(`diff: ${args.checkout} is in the middle of an interrupted publish (journal ${journal}); run npm run gitops:publish to complete it first\n`);
      return 2;
    }
    const { changes } = diffCheckout({ checkout: args.checkout, configDir: args.configDir, validate: false });
    io.out(formatReport(changes));
    return hasChanges(changes) ? 1 : 0;
  } catch (err) {
    io.err(err instanceof ConfigError ? `${err.message}\n` : `diff failed: ${(err as Error).message}\n`);
    return 2;
  }
}

function isGitCheckout(dir: string): boolean {
  try {
    publishJournal(dir);
    return true;
  } catch {
    return false;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

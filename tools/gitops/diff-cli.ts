#!/usr/bin/env node
/**
 * `npm run diff -- <gitops checkout> [--config-dir <dir>]`: what `npm run publish` would change in the
 * checkout. Exit status as diff(1) and `git diff --exit-code`: 0 no change, 1 changes, 2 trouble (usage,
 * unreadable checkout, invalid config). The quality gate is not run: use `npm run synth` or publish for it.
 */
import * as fs from 'fs';
import { ConfigError } from '../../lib/config/load';
import { pendingJournal } from '../synth/write';
import { diffCheckout, formatReport, hasChanges } from './diff';
import { publishJournal } from './publish';

export const DIFF_USAGE = 'usage: npm run diff -- <gitops checkout> [--config-dir <dir>]';

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** Parses `<checkout> [--config-dir <dir>] [extra flags]`; throws a one-line message on bad usage. */
export function parseCheckoutArgs(argv: readonly string[], flags: readonly string[] = []): { checkout: string; configDir: string; flags: Set<string> } {
  let checkout: string | undefined;
  let configDir = 'config';
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--config-dir') {
      const value = argv[++i];
      if (!value) throw new Error('--config-dir needs a value');
      configDir = value;
    } else if (flags.includes(arg)) {
      seen.add(arg);
    } else if (arg.startsWith('-')) {
      throw new Error(`unknown option "${arg}"`);
    } else if (checkout === undefined) {
      checkout = arg;
    } else {
      throw new Error(`unexpected argument "${arg}": give one checkout`);
    }
  }
  if (checkout === undefined) throw new Error('missing the GitOps checkout to compare with');
  if (!fs.statSync(checkout, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${checkout} is not a directory`);
  return { checkout, configDir, flags: seen };
}

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
      io.err(`diff: ${args.checkout} is in the middle of an interrupted publish (journal ${journal}); run npm run publish to complete it first\n`);
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

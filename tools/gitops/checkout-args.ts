/** What `npm run gitops:diff` and `npm run gitops:publish` share: their arguments and where they print. */
import * as fs from 'fs';

export interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

export const processIo: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

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

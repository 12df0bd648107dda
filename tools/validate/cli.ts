/**
 * `npm run validate [-- [--json] <files or folders>...]` (default: dist). Exit codes: 0 no findings,
 * 1 findings, 2 usage error (unknown option, missing path, a path that is not a regular file or folder,
 * unreadable YAML, a folder an interrupted synth is still writing).
 */
import * as fs from 'fs';
import { loadManifests } from '../k8s/manifests';
import { pendingJournal } from '../synth/write';
import { validateManifests } from './index';
import { formatJson, formatTable } from './report';

const USAGE = 'usage: validate [--json] [file or folder ...]   (default: dist)';

export function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): number {
  let json = false;
  const paths: string[] = [];
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '--help' || arg === '-h') {
      out(`${USAGE}\n`);
      return 0;
    } else if (arg.startsWith('-')) {
      err(`validate: unknown option ${arg}\n${USAGE}\n`);
      return 2;
    } else paths.push(arg);
  }
  if (paths.length === 0) paths.push('dist');
  const missing = paths.filter((p) => !fs.existsSync(p));
  if (missing.length) {
    err(`validate: no such file or folder: ${missing.join(', ')}\n`);
    return 2;
  }
  // A folder a synth was interrupted writing is neither the old nor the new output until the next synth finishes it.
  const interrupted = paths.map((p) => [p, pendingJournal(p)] as const).filter(([, j]) => j !== undefined);
  if (interrupted.length) {
    err(interrupted.map(([p, j]) => `validate: ${p} is in the middle of an interrupted synth (journal ${j}); run npm run synth to complete it first\n`).join(''));
    return 2;
  }
  let manifests;
  try {
    manifests = loadManifests(paths);
  } catch (e) {
    err(`validate: cannot read manifests: ${(e as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  if (manifests.length === 0) {
    err(`validate: no manifests (*.yaml, *.yml) found in ${paths.join(', ')}\n`);
    return 2;
  }
  const findings = validateManifests(manifests);
  out(json ? formatJson(findings, manifests.length) : formatTable(findings, manifests.length));
  return findings.length ? 1 : 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

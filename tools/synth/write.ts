import * as fs from 'fs';
import * as path from 'path';
import { RenderedFiles } from './render';

/**
 * Replaces the output folder (or, with `only`, some of its sub-folders) in one step: files go to a
 * temporary sibling first and are swapped in by rename, so a failure leaves the previous output as it
 * was and a success leaves no stale file behind.
 */
export function writeOutput(outdir: string, files: RenderedFiles, only?: readonly string[]): void {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}-next-`));
  try {
    for (const [file, content] of files) {
      const target = path.join(staging, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, content);
    }
    if (only) {
      fs.mkdirSync(outdir, { recursive: true });
      for (const folder of only) swap(path.join(staging, folder), path.join(outdir, folder));
    } else {
      swap(staging, outdir);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** Moves `source` to `target`, replacing it; the old target is removed only after the new one is in place. */
function swap(source: string, target: string): void {
  if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
  // A nested folder (`envs/production`) needs its parent.
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const retired = `${target}.old-${process.pid}`;
  const hadTarget = fs.existsSync(target);
  if (hadTarget) fs.renameSync(target, retired);
  try {
    fs.renameSync(source, target);
  } catch (err) {
    if (hadTarget) fs.renameSync(retired, target);
    throw err;
  }
  if (hadTarget) fs.rmSync(retired, { recursive: true, force: true });
}

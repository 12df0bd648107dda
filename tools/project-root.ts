import * as fs from 'fs';
import * as path from 'path';

/**
 * The project folder (the one holding package.json) above `dir`: the programs run from the sources,
 * from tsc's output in build/, or bundled in build/bundle/, and find config/, dist/ and schemas/ from it.
 */
export function projectRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, 'package.json'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

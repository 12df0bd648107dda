// Builds the program scripts/run.js executes: one TypeScript entry point (main.ts, tools/*/cli.ts, ...)
// bundled with esbuild into build/bundle/<entry>.js, transpiled without type-checking (npm test,
// npm run build and npm run typecheck run tsc over everything). Beside the bundle it records what the
// bundle was built from, so that scripts/run.js can prove it up to date before every run.
//
// Loaded by scripts/run.js only when a bundle is missing or stale, never on the hot path.
'use strict';
const fs = require('fs');
const path = require('path');
const { ROOT, RECORD_VERSION, bundlePaths, listing, sha1, writeAtomic } = require('./run');

/** Files that decide how a bundle is built without being bundled themselves. */
const BUILD_INPUTS = ['scripts/run.js', 'scripts/bundle.js', 'scripts/bundle-inject.js', 'tsconfig.json', 'package.json'];

/** esbuild's options; exported for the test that checks the bundle against tsc's output. */
const BUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Smaller code reads, hashes and loads from the code cache faster; DEBUG=1 maps stack traces back to
  // the TypeScript sources (build/bundle/*.js.map).
  minify: true,
  legalComments: 'none',
  // Non-ASCII characters escaped, so scripts/run.js can read the bundle as latin1.
  charset: 'ascii',
  // The gate's precompiled validators become part of the bundle (see scripts/bundle-inject.js).
  inject: [path.join(__dirname, 'bundle-inject.js')],
  sourcemap: 'external',
  logLevel: 'silent',
};

/**
 * Bundles `entry` (a path relative to the project root) and records its inputs. Throws an Error whose
 * message is esbuild's report (file:line:column: message) when the sources do not parse.
 */
function build(entry) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    throw new Error('esbuild is not installed (a development dependency): run npm ci');
  }
  const paths = bundlePaths(entry);
  // Taken before any input is read: a file modified after this moment has a later mtime than recorded.
  const verifiedAt = Date.now();
  let result;
  try {
    result = esbuild.buildSync({ ...BUILD_OPTIONS, absWorkingDir: ROOT, entryPoints: [entry], outfile: paths.bundle, metafile: true, write: false });
  } catch (err) {
    const messages = (err.errors ?? []).map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text));
    throw new Error(messages.length ? messages.join('\n') : err.message);
  }

  const inputs = [];
  const dirs = new Set();
  const esbuildPackage = path.relative(ROOT, require.resolve('esbuild/package.json'));
  for (const file of new Set([...Object.keys(result.metafile.inputs), ...BUILD_INPUTS, esbuildPackage])) {
    const absolute = path.resolve(ROOT, file);
    const stat = fs.statSync(absolute);
    inputs.push([file, stat.size, stat.mtimeMs, sha1(fs.readFileSync(absolute))]);
    // Folders of the project's own sources; node_modules changes only through npm, which rewrites files.
    if (!file.split(/[\\/]/).includes('node_modules')) dirs.add(path.dirname(file));
  }
  const listings = {};
  for (const dir of [...dirs].sort()) listings[dir] = listing(dir);

  for (const output of result.outputFiles) writeAtomic(output.path, output.contents);
  // A new bundle invalidates its code cache; run.js writes a fresh one after the next run.
  fs.rmSync(paths.codeCache, { force: true });
  // And its startup snapshot (scripts/synth.sh then asks for a new one); a failure to build one is retried.
  fs.rmSync(paths.snapshot, { force: true });
  fs.rmSync(paths.snapshotFailed, { force: true });
  writeAtomic(paths.record, `${JSON.stringify({ version: RECORD_VERSION, entry, verifiedAt, inputs, listings })}\n`);
  return paths;
}

module.exports = { build, BUILD_OPTIONS };

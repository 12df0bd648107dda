#!/usr/bin/env node
// Runs a TypeScript entry point of the project the fast way, as `npm run synth` and the other commands do:
//
//   node scripts/run.js <entry.ts> [arguments...]
//   node scripts/run.js --prepare <entry.ts>...   (npm's prepare step: build the bundles and warm them)
//
// The entry is bundled by scripts/bundle.js (esbuild: transpiled, never type-checked; `npm test`,
// `npm run build` and `npm run typecheck` run tsc) into build/bundle/. Every run first proves the bundle
// up to date against the record of its inputs (each bundled file, the build script, tsconfig.json,
// package.json, esbuild's version, and the listings of the source folders): a file whose size or
// modification time differ, or that was modified too close to the moment it was read, is compared by
// content hash; any difference rebuilds the bundle before it runs. The bundle is compiled by V8 with the
// code cache written after its previous run, so the sources are neither type-checked, transpiled nor
// parsed again when nothing changed.
//
// SYNTH_TRACE=1 prints what the runner did (up to date or rebuilt, code cache used or written) on stderr.
'use strict';
const fs = require('fs');
const path = require('path');

/** The folder holding package.json: this file's parent, also when bundled into build/bundle/ (tools/synth/snapshot.ts). */
function findRoot(dir) {
  for (let d = dir; path.dirname(d) !== d; d = path.dirname(d)) if (fs.existsSync(path.join(d, 'package.json'))) return d;
  return path.resolve(dir, '..');
}
const ROOT = findRoot(path.resolve(__dirname, '..'));
const BUNDLE_DIR = path.join(ROOT, 'build', 'bundle');
/** Bump when the record's shape or the build options change, so every bundle is rebuilt once. */
const RECORD_VERSION = 3;
/** A file modified this close to the moment it was read may have changed since without changing its size or mtime. */
const RACY_MS = 3000;
/**
 * V8 flags the bundle is loaded and its code cache written with (the cache is only valid under the same
 * flags). Without TurboFan: in a run of a fraction of a second its background compile jobs cost more CPU
 * than optimized code saves (measured on the shipped synth: about a fifth of the run). A program that
 * knows its run will be long switches it back on with v8.setFlagsFromString('--opt') (synth does when it
 * renders many environments); the flags are restored before the cache is written.
 */
const LOAD_FLAGS = '--no-opt';
/**
 * The flags the startup snapshot is built and started with (node refuses a blob built under others):
 * LOAD_FLAGS, and regular expressions kept as bytecode (natively compiled ones cannot be serialized).
 * scripts/synth.sh starts the blob with the same list.
 */
const SNAPSHOT_FLAGS = [LOAD_FLAGS, '--regexp-interpret-all'];
/** Set by scripts/synth.sh (and the snapshot itself) when the blob is missing or stale: rebuilt after the run. */
const REBUILD_SNAPSHOT_ENV = 'PEMBAYARAN_REBUILD_SNAPSHOT';
const trace = process.env.SYNTH_TRACE ? (message) => process.stderr.write(`run: ${message}\n`) : () => {};

/** `main.ts` -> build/bundle/main.js; `tools/validate/cli.ts` -> build/bundle/tools-validate-cli.js. */
function bundlePaths(entry) {
  const name = path.normalize(entry).replace(/\.ts$/, '').split(path.sep).join('-');
  const base = path.join(BUNDLE_DIR, name);
  return { bundle: `${base}.js`, record: `${base}.inputs.json`, codeCache: `${base}.code-cache`, snapshot: `${base}.snapshot.blob`, snapshotFailed: `${base}.snapshot.failed` };
}

/** `file` (relative to the project root, as the record holds it) as a path the file system resolves. */
const absolute = (file) => `${ROOT}${path.sep}${file}`;

/** Files an import can resolve to (esbuild's extensions). */
const MODULE_FILE = /\.(?:[cm]?[jt]sx?|json)$/;

/** The sorted module files of a project folder: a new or deleted one can change what an import resolves to. */
function listing(dir) {
  return fs
    .readdirSync(absolute(dir))
    .filter((name) => MODULE_FILE.test(name))
    .sort()
    .join('/');
}

function sha1(content) {
  return require('crypto').createHash('sha1').update(content).digest('hex');
}

/**
 * Whether the bundle recorded in `record` was built from the files as they are now. Returns
 * `{ fresh, reverified }`; `reverified` is true when contents had to be hashed (and all matched), in which
 * case the record's stats have been refreshed in place so the next run can trust them.
 */
function checkRecord(record) {
  if (!record || record.version !== RECORD_VERSION) return { fresh: false, reason: 'no record of a current build' };
  for (const [dir, entries] of Object.entries(record.listings)) {
    let now;
    try {
      now = listing(dir);
    } catch {
      return { fresh: false, reason: `${dir}/ is gone` };
    }
    if (now !== entries) return { fresh: false, reason: `files were added to or removed from ${dir}/` };
  }
  const verifiedAt = Date.now();
  const trustedBefore = record.verifiedAt - RACY_MS;
  let reverified = false;
  // Each input is [file, size, mtimeMs, sha1].
  for (const input of record.inputs) {
    const stat = fs.statSync(absolute(input[0]), { throwIfNoEntry: false });
    if (stat === undefined) return { fresh: false, reason: `${input[0]} is gone` };
    if (stat.size === input[1] && stat.mtimeMs === input[2] && input[2] < trustedBefore) continue;
    if (stat.size !== input[1] || sha1(fs.readFileSync(absolute(input[0]))) !== input[3]) return { fresh: false, reason: `${input[0]} changed` };
    input[2] = stat.mtimeMs;
    reverified = true;
  }
  if (reverified) record.verifiedAt = verifiedAt;
  return { fresh: true, reverified };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file and a rename, so a concurrent run never reads half a file. */
function writeAtomic(file, content) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
}

/** The bundle of `entry`, built first if it is missing or stale. */
function ensureBundle(entry) {
  const paths = bundlePaths(entry);
  const record = readJson(paths.record);
  const check = checkRecord(record);
  if (check.fresh && fs.existsSync(paths.bundle)) {
    trace(`${entry}: bundle up to date (${record.inputs.length} inputs checked${check.reverified ? ', some by content' : ''})`);
    if (check.reverified) writeAtomic(paths.record, `${JSON.stringify(record)}\n`);
    return paths;
  }
  trace(`${entry}: building the bundle (${check.reason ?? 'bundle missing'})`);
  // Not a static require: the snapshot bundles this file, never the build script (nor esbuild).
  return require(path.join(ROOT, 'scripts', 'bundle.js')).build(entry);
}

/** Compiles the bundle, from its code cache when one matches (same bundle, node and flags). */
function compile(paths) {
  const vm = require('vm');
  const Module = require('module');
  // ASCII only (esbuild escapes the rest), so read as latin1: the same string, without UTF-8 decoding.
  // A shebang line is only valid at the very start of a file, not inside the module wrapper.
  const source = fs.readFileSync(paths.bundle, 'latin1').replace(/^#!/, '//');
  let cachedData;
  try {
    cachedData = fs.readFileSync(paths.codeCache);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(source), { filename: paths.bundle, cachedData });
  return { script, cached: cachedData !== undefined && !script.cachedDataRejected, rejected: cachedData !== undefined && script.cachedDataRejected };
}

/** Runs the compiled bundle as a module of its own; `isMain` makes it `require.main` (the CLIs check it). */
function run(script, paths, isMain) {
  const Module = require('module');
  const main = new Module(paths.bundle, null);
  main.filename = paths.bundle;
  main.paths = Module._nodeModulePaths(path.dirname(paths.bundle));
  main.loaded = true;
  const requireFromBundle = Module.createRequire(paths.bundle);
  if (isMain) requireFromBundle.main = main;
  script.runInThisContext()(main.exports, requireFromBundle, main, paths.bundle, path.dirname(paths.bundle));
}

/** Where the bundle finds the runner: a worker thread it starts loads the bundle through `runInWorker`. */
const RUNNER_KEY = Symbol.for('pembayaran.scripts/run.js');

/**
 * Runs the bundle as the main module with `argv` as its arguments. V8 compiles it from the code cache
 * when one matches; otherwise a cache is written when the run ends, covering every function it compiled.
 */
function execute(paths, argv) {
  const v8 = require('v8');
  v8.setFlagsFromString(LOAD_FLAGS);
  const { script, cached, rejected } = compile(paths);
  if (cached) {
    trace('code cache used');
  } else {
    trace(rejected ? 'code cache rejected (other node version or flags): rewriting it' : 'no code cache yet: writing it after this run');
    process.once('exit', () => {
      try {
        v8.setFlagsFromString(LOAD_FLAGS);
        writeAtomic(paths.codeCache, script.createCachedData());
      } catch {
        // A read-only checkout still runs, only without the cache.
      }
    });
  }
  globalThis[RUNNER_KEY] = { runner: __filename, bundle: paths.bundle };
  process.argv = [process.argv[0], paths.bundle, ...argv];
  if (process.env.DEBUG) process.setSourceMapsEnabled(true);
  run(script, paths, true);
}

/**
 * A worker thread's start (tools/synth/parallel.ts): the bundle compiled from the code cache the main
 * thread used, so the worker neither parses nor compiles it again. The main thread keeps V8's flags as
 * the cache was written under until its workers have started. Never writes the cache.
 */
function runInWorker(bundle) {
  const paths = { bundle, codeCache: bundle.replace(/\.js$/, '.code-cache') };
  const { script, cached } = compile(paths);
  // What the worker tells the main thread's trace (SYNTH_TRACE=1).
  globalThis[RUNNER_KEY] = { runner: __filename, bundle, codeCacheUsed: cached };
  run(script, paths, false);
}

/**
 * Builds the startup snapshot of the synth program from its bundle (see tools/synth/snapshot.ts): node
 * loads the bundle, which warms itself up on the project's config and leaves its heap to the blob.
 * Returns whether a blob was written; a failure is recorded beside it, so runs do not retry until the
 * bundle is rebuilt.
 */
function buildSnapshot(paths) {
  const { spawnSync } = require('child_process');
  const temporary = `${paths.snapshot}.${process.pid}.tmp`;
  const result = spawnSync(process.execPath, [...SNAPSHOT_FLAGS, '--snapshot-blob', temporary, '--build-snapshot', paths.bundle], {
    cwd: ROOT,
    encoding: 'utf8',
    // Its warm-up is a dry run of the project's config; the variables that change what a run does are not its business.
    env: { ...process.env, SYNTH_TRACE: '', CDK8S_OUTDIR: '', [REBUILD_SNAPSHOT_ENV]: '' },
  });
  if (result.status === 0 && fs.existsSync(temporary)) {
    fs.renameSync(temporary, paths.snapshot);
    fs.rmSync(paths.snapshotFailed, { force: true });
    trace(`startup snapshot written: ${path.relative(ROOT, paths.snapshot)}`);
    return true;
  }
  fs.rmSync(temporary, { force: true });
  const why = (result.error?.message ?? result.stderr.split('\n').filter((l) => l && !/Warning|may still work|issue tracker|--trace-warnings/.test(l)).slice(0, 3).join(' ')) || `exit ${result.status}`;
  writeAtomic(paths.snapshotFailed, `${process.version}: ${why}\n`);
  trace(`startup snapshot not built: ${why}`);
  return false;
}

/**
 * Builds the bundles and runs each once without output, so the first real run after `npm ci` finds
 * both the bundle and its code cache. A failing warm-up (a bad config) only leaves the cache to be
 * written by the first real run.
 */
function prepare(entries) {
  const { spawnSync } = require('child_process');
  const os = require('os');
  for (const entry of entries) {
    const paths = ensureBundle(entry);
    fs.rmSync(paths.codeCache, { force: true });
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pembayaran-warm-'));
    try {
      const warmArgs = entry === 'main.ts' ? ['--outdir', path.join(scratch, 'dist')] : ['--help'];
      spawnSync(process.execPath, [__filename, entry, ...warmArgs], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, CDK8S_OUTDIR: '' } });
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
    const snapshot = entry === 'main.ts' && buildSnapshot(paths);
    console.log(`prepared ${path.relative(ROOT, paths.bundle)}${fs.existsSync(paths.codeCache) ? ' and its code cache' : ''}${snapshot ? ' and its startup snapshot' : ''}`);
  }
}

function usage() {
  console.error('usage: node scripts/run.js <entry.ts> [arguments...] | --prepare <entry.ts>...');
  process.exit(2);
}

// Before the main block: scripts/bundle.js requires these while it runs.
module.exports = { ROOT, BUNDLE_DIR, RECORD_VERSION, RACY_MS, SNAPSHOT_FLAGS, REBUILD_SNAPSHOT_ENV, RUNNER_KEY, bundlePaths, listing, sha1, writeAtomic, checkRecord, buildSnapshot, runInWorker };

if (require.main === module) {
  const [first, ...rest] = process.argv.slice(2);
  if (!first) usage();
  if (first === '--prepare' && rest.length === 0) usage();
  let paths;
  try {
    if (first === '--prepare') prepare(rest);
    else paths = ensureBundle(first);
  } catch (err) {
    // A build failure: esbuild's file:line:column lines, without a stack trace.
    console.error(err.message);
    process.exit(1);
  }
  if (paths) {
    // scripts/synth.sh found the startup snapshot missing or stale: built once this run is over (the
    // bundle is up to date by then), after the code cache is written.
    execute(paths, rest);
    if (first === 'main.ts' && process.env[REBUILD_SNAPSHOT_ENV] === '1' && !fs.existsSync(paths.snapshotFailed)) process.once('exit', () => buildSnapshot(paths));
  }
}

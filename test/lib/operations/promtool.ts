import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { describeRuntime } from '../../runtime/harness/preflight';

/** How to get promtool where it is missing. */
export const PROMTOOL_INSTALL =
  'install it: `sudo apt-get install prometheus` (Debian/Ubuntu; .ci/run does this), or only the binary: ' +
  '`apt-get download prometheus && dpkg -x prometheus_*.deb /tmp/prometheus && export PROMTOOL=/tmp/prometheus/usr/bin/promtool`';

/**
 * The promtool binary: `$PROMTOOL`, else the first `promtool` on `$PATH`. Throws with the install command
 * when there is none, under CI and locally alike.
 */
export function findPromtool(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PROMTOOL) {
    if (isExecutable(env.PROMTOOL)) return env.PROMTOOL;
    throw new Error(`PROMTOOL=${env.PROMTOOL} is not an executable file; ${PROMTOOL_INSTALL}`);
  }
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'promtool');
    if (isExecutable(candidate)) return candidate;
  }
  throw new Error(`promtool was not found on PATH; the alert rules cannot be checked without it. ${PROMTOOL_INSTALL}`);
}

/**
 * `describe` for suites that run promtool: with promtool ($PROMTOOL or on $PATH) they run; without it they
 * go through the runtime preflight for Debian's prometheus package, so locally they are skipped and listed
 * at the end of the run with the install command, and under CI=true they fail.
 */
export function describePromtool(name: string, body: () => void): void {
  let found = true;
  try {
    findPromtool();
  } catch {
    found = false;
  }
  if (found) describe(name, body);
  else describeRuntime(name, body, { packages: ['prometheus'] });
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export interface PromtoolResult {
  readonly ok: boolean;
  /** stdout and stderr together: promtool reports failures on either. */
  readonly output: string;
}

export function runPromtool(args: readonly string[], cwd: string): PromtoolResult {
  const result = spawnSync(findPromtool(), args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** A private scratch folder for rule and test files. */
export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/** The rule groups of a PrometheusRule object as a Prometheus rule file. */
export function writeRuleFile(dir: string, name: string, groups: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, yaml.dump({ groups }, { lineWidth: -1, noRefs: true }));
  return file;
}

export function writeYaml(file: string, doc: unknown): void {
  fs.writeFileSync(file, yaml.dump(doc, { lineWidth: -1, noRefs: true }));
}

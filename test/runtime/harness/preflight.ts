/**
 * One preflight for every runtime suite: the Debian packages of test/runtime/packages.txt and the
 * privileges the harness needs (root, for mount, PID and network namespaces). When something is missing,
 * `describeRuntime` skips the suite and records why (printed at the end of `npm test` by
 * global-teardown.ts, with the one command that installs the packages); under CI=true it fails instead.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const PACKAGES_FILE = path.join(__dirname, '..', 'packages.txt');
/** Set by global-setup.ts: where skipped suites leave a note for global-teardown.ts. */
export const SKIP_NOTES_VARIABLE = 'PEMBAYARAN_RUNTIME_SKIP_NOTES';

export interface Requirement {
  readonly pkg: string;
  readonly probe: string;
}

export interface PreflightResult {
  readonly ok: boolean;
  readonly missingPackages: readonly string[];
  /** Everything that is missing, one line each. */
  readonly problems: readonly string[];
  /** The one command that installs what is missing (empty when only privileges are). */
  readonly installCommand: string;
}

export function requirements(file = PACKAGES_FILE): Requirement[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((line) => {
      const [pkg, probe] = line.split(/\s+/);
      return { pkg, probe };
    });
}

const succeeds = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { stdio: 'ignore', timeout: 20000 }).status === 0;

function globExists(pattern: string): boolean {
  if (!pattern.includes('*')) return fs.existsSync(pattern);
  const parts = pattern.split('/').filter(Boolean);
  let candidates = ['/'];
  for (const part of parts) {
    const re = new RegExp(`^${part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    candidates = candidates.flatMap((dir) => {
      try {
        return fs.readdirSync(dir).filter((e) => re.test(e)).map((e) => path.join(dir, e));
      } catch {
        return [];
      }
    });
  }
  return candidates.length > 0;
}

export function probeSatisfied(probe: string): boolean {
  if (probe.startsWith('php:')) return succeeds(['php', '-r', `exit(extension_loaded(${JSON.stringify(probe.slice(4))}) ? 0 : 1);`]);
  if (probe.startsWith('python:')) return succeeds(['/usr/bin/python3', '-c', `import ${probe.slice(7)}`]);
  return globExists(probe);
}

const cached = new Map<string, PreflightResult>();

/**
 * What is missing: every package of packages.txt and the harness's privileges, or with `packages` only
 * those packages (a suite that runs one program, such as promtool, needs no namespaces).
 */
export function preflight(packages?: readonly string[]): PreflightResult {
  const key = packages?.join(' ') ?? '*';
  const known = cached.get(key);
  if (known) return known;
  const needed = requirements().filter((r) => !packages || packages.includes(r.pkg));
  const missingPackages = needed.filter((r) => !probeSatisfied(r.probe)).map((r) => r.pkg);
  const problems = missingPackages.map((p) => `Debian package ${p} is missing`);
  if (!packages && process.getuid?.() !== 0) {
    problems.push('not root: the harness needs mount, PID and network namespaces (run the tests as root, e.g. in the CI container)');
  } else if (!packages && !missingPackages.includes('util-linux') && !missingPackages.includes('iproute2')) {
    if (!succeeds(['unshare', '--mount', '--pid', '--net', '--fork', '--', 'true'])) problems.push('unshare --mount --pid --net fails: namespaces are not available here');
    else if (!succeeds(['unshare', '--net', '--', 'ip', 'link', 'add', 'pf0', 'type', 'veth', 'peer', 'name', 'pf1'])) problems.push('cannot create a veth pair (kernel module veth)');
  }
  const installCommand = missingPackages.length ? `sudo apt-get install -y ${missingPackages.join(' ')}` : '';
  const result = { ok: problems.length === 0, missingPackages, problems, installCommand };
  cached.set(key, result);
  return result;
}

/**
 * `describe` for a runtime suite (or, with `packages`, a suite that needs only those Debian packages). Runs
 * it when the preflight passes; otherwise skips it and leaves a note for the end of the run, or, under
 * CI=true, fails with what is missing.
 */
export function describeRuntime(name: string, body: () => void, options: { readonly packages?: readonly string[] } = {}): void {
  const result = preflight(options.packages);
  if (result.ok) {
    describe(name, body);
    return;
  }
  if (process.env.CI === 'true') {
    describe(name, () => {
      test('runtime prerequisites are installed (CI=true: a missing package or privilege fails)', () => {
        throw new Error([...result.problems, ...(result.installCommand ? [`install them with: ${result.installCommand}`] : [])].join('\n'));
      });
    });
    return;
  }
  const notes = process.env[SKIP_NOTES_VARIABLE];
  if (notes && fs.existsSync(notes)) {
    const file = path.join(notes, `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ suite: name, testPath: expect.getState().testPath, ...result }));
  }
  describe.skip(name, body);
}

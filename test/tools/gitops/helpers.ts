import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';

export const ROOT = path.join(__dirname, '..', '..', '..');
export const CONFIG_DIR = path.join(ROOT, 'config');

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** An empty repository (`git init -b main`) with its own identity. */
export function gitRepo(): string {
  const dir = tmpDir('gitops-repo-');
  git(dir, 'init', '--quiet', '-b', 'main');
  git(dir, 'config', 'user.name', 'Publish Test');
  git(dir, 'config', 'user.email', 'publish-test@example.com');
  git(dir, 'config', 'commit.gpgsign', 'false');
  return dir;
}

/** A copy of config/ with one environment's YAML changed. */
export function configCopy(change?: { environment: string; edit: (doc: any) => void }): string {
  const dir = tmpDir('gitops-config-');
  for (const file of fs.readdirSync(CONFIG_DIR)) fs.copyFileSync(path.join(CONFIG_DIR, file), path.join(dir, file));
  if (change) {
    const file = path.join(dir, `${change.environment}.yaml`);
    const doc = yaml.load(fs.readFileSync(file, 'utf8'));
    change.edit(doc);
    fs.writeFileSync(file, yaml.dump(doc));
  }
  return dir;
}

export function commitCount(repo: string): number {
  try {
    return Number(git(repo, 'rev-list', '--count', 'HEAD').trim());
  } catch {
    return 0;
  }
}

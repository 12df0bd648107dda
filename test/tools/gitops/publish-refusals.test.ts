/**
 * `npm run gitops:publish` refuses what would lose data or commit where no one looks, through the real command
 * (`node scripts/run.js tools/gitops/publish-cli.ts`, as its npm script runs it): a detached HEAD, git-ignored files in a folder it replaces,
 * a folder path through a file; and it works in a checkout whose parent is read-only (its journal lives
 * in the checkout's git directory).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RUNNER, runCommand, STACK_FRAME } from '../../helpers';
import { CONFIG_DIR, configCopy, git, gitRepo, tmpDir } from './helpers';

const publish = (repo: string, configDir = CONFIG_DIR) => runCommand('tools/gitops/publish-cli.ts', [repo, '--config-dir', configDir, '--no-validate']);

function published(): string {
  const repo = gitRepo();
  const first = publish(repo);
  expect(first.status).toBe(0);
  return repo;
}

const snapshot = (repo: string) => git(repo, 'status', '--porcelain', '--ignored', '--untracked-files=all') + git(repo, 'rev-parse', 'HEAD');

describe('npm run gitops:publish refuses', () => {
  test('a detached HEAD (it committed to no branch and exited 0), naming the state', () => {
    const repo = published();
    const head = git(repo, 'rev-parse', '--short', 'HEAD').trim();
    git(repo, 'checkout', '--quiet', '--detach');
    const r = publish(repo, configCopy({ environment: 'production', edit: (d) => (d.fastapi.replicas = 5) }));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`publish refused: ${repo} has a detached HEAD (at ${head}): a commit there would be on no branch; check out the branch Argo CD reads (git switch <branch>) first\n`);
    expect(git(repo, 'rev-parse', '--short', 'HEAD').trim()).toBe(head);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a git-ignored file inside a managed folder (it was deleted with no way back), keeping it', () => {
    const repo = published();
    fs.writeFileSync(path.join(repo, '.gitignore'), '*.local.yaml\n');
    git(repo, 'add', '.gitignore');
    git(repo, 'commit', '--quiet', '-m', 'ignore local files');
    const local = path.join(repo, 'production', 'overrides.local.yaml');
    fs.writeFileSync(local, 'kind: LocalNotes\n');
    const before = snapshot(repo);
    const r = publish(repo, configCopy({ environment: 'production', edit: (d) => (d.fastapi.replicas = 5) }));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^publish refused: .*production\/overrides\.local\.yaml is ignored by git but inside a folder publish replaces; publishing would delete it with no copy in git: move it out of the folder first\n$/);
    expect(fs.readFileSync(local, 'utf8')).toBe('kind: LocalNotes\n');
    expect(snapshot(repo)).toBe(before);
  });

  test('an environment folder whose path runs through a file of the checkout, naming the config file and key', () => {
    const repo = published();
    fs.writeFileSync(path.join(repo, 'envs'), 'a file where a folder would go\n');
    git(repo, 'add', 'envs');
    git(repo, 'commit', '--quiet', '-m', 'a file');
    const configDir = configCopy({ environment: 'production', edit: (d) => (d.argocd.path = 'envs/production') });
    const before = snapshot(repo);
    const r = publish(repo, configDir);
    expect(r.status).toBe(1);
    expect(r.stderr).not.toMatch(STACK_FRAME);
    expect(r.stderr.trim()).toMatch(new RegExp(`^${configDir}/production\\.yaml: argocd\\.path: "envs/production" cannot be written: ${repo}/envs is a file in the checkout, not a folder$`));
    expect(snapshot(repo)).toBe(before);
  });
});

describe('npm run gitops:publish in a checkout under a read-only parent', () => {
  // Root ignores permission bits, so the parent is made read-only with a read-only bind mount in a
  // private mount namespace; other users get a chmod.
  const asRoot = process.getuid?.() === 0;
  const canUnshare = asRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

  (asRoot && !canUnshare ? test.skip : test)('publishes and commits (its temporary folder used to be created in the parent)', () => {
    const parent = tmpDir('gitops-ro-parent-');
    const repo = path.join(parent, 'checkout');
    fs.mkdirSync(repo);
    execFileSync('git', ['-C', repo, 'init', '--quiet', '-b', 'main']);
    git(repo, 'config', 'user.name', 'Publish Test');
    git(repo, 'config', 'user.email', 'publish-test@example.com');
    let r;
    if (canUnshare) {
      // The checkout stays writable (its own bind mount), its parent becomes read-only.
      const script = `mount --bind "$1" "$1" && mount --bind "$2" "$2" && mount -o remount,bind,ro "$1" && exec node "$3" tools/gitops/publish-cli.ts "$2" --config-dir "$4" --no-validate`;
      const result = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', parent, repo, RUNNER, CONFIG_DIR], { encoding: 'utf8' });
      r = { status: result.status, stdout: result.stdout, stderr: result.stderr };
    } else {
      fs.chmodSync(parent, 0o555);
      try {
        r = publish(repo);
      } finally {
        fs.chmodSync(parent, 0o755);
      }
    }
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^committed [0-9a-f]{12} in /);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    expect(fs.readdirSync(parent)).toEqual(['checkout']);
  });
});

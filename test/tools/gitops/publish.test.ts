import * as fs from 'fs';
import * as path from 'path';
import { publish, PublishError } from '../../../tools/gitops/publish';
import { main } from '../../../tools/gitops/publish-cli';
import { CONFIG_DIR, commitCount, configCopy, git, gitRepo, tmpDir } from './helpers';

function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = main(args, { out: (s) => (stdout += s), err: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const trackedFiles = (repo: string) => git(repo, 'ls-files').trim().split('\n').filter(Boolean);

describe('publish', () => {
  test('first publish (quality gate on): one commit with every environment folder and argocd/', () => {
    const repo = gitRepo();
    const result = publish({ checkout: repo, configDir: CONFIG_DIR });
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(commitCount(repo)).toBe(1);
    expect(git(repo, 'status', '--porcelain')).toBe('');
    const files = trackedFiles(repo);
    expect(files).toContain('argocd/application-pembayaran-production.yaml');
    expect(files).toContain('argocd/appproject-pembayaran.yaml');
    expect(files).toContain('production/deployment-pembayaran-web.yaml');
    expect(files).toContain('staging/namespace-pembayaran-staging.yaml');
    const message = git(repo, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toMatch(/^pembayaran: production \d+ added; sandbox \d+ added; staging \d+ added; argocd 4 added$/);
    expect(message).toContain('\n  added Deployment/pembayaran-web\n');
    expect(git(repo, 'log', '-1', '--format=%an <%ae>').trim()).toBe('Publish Test <publish-test@example.com>');
    // The working tree holds exactly the synth: nothing left behind next to the checkout either.
    expect(fs.readdirSync(path.dirname(repo)).filter((f) => f.startsWith(`.${path.basename(repo)}-next-`))).toEqual([]);
  });

  test('publishing again without a change makes no commit and exits 0', () => {
    const repo = gitRepo();
    publish({ checkout: repo, configDir: CONFIG_DIR, validate: false });
    const head = git(repo, 'rev-parse', 'HEAD');
    const r = run([repo, '--config-dir', CONFIG_DIR, '--no-validate']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/^nothing to publish: .* \(no commit made\)\n$/);
    expect(git(repo, 'rev-parse', 'HEAD')).toBe(head);
    expect(commitCount(repo)).toBe(1);
    expect(git(repo, 'status', '--porcelain')).toBe('');
  });

  test('a changed replica count: one commit that lists exactly that change', () => {
    const repo = gitRepo();
    publish({ checkout: repo, configDir: CONFIG_DIR, validate: false });
    const configDir = configCopy({ environment: 'production', edit: (doc) => (doc.fastapi.replicas = 3) });
    const r = run([repo, '--config-dir', configDir, '--no-validate']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('production (production/): 1 changed\n  ~ Deployment/pembayaran-fastapi\n');
    expect(commitCount(repo)).toBe(2);
    const message = git(repo, 'log', '-1', '--format=%B');
    expect(message.split('\n')[0]).toBe('pembayaran: production 1 changed; sandbox unchanged; staging unchanged; argocd unchanged');
    expect(message).toContain('production (production/):\n  changed Deployment/pembayaran-fastapi\n');
    expect(message).not.toContain('staging (staging/):');
    expect(git(repo, 'show', '--stat', '--format=', 'HEAD').trim()).toMatch(/^production\/deployment-pembayaran-fastapi\.yaml \| 2 \+-\n 1 file changed/);
    expect(git(repo, 'show', 'HEAD', '--', 'production/deployment-pembayaran-fastapi.yaml')).toContain('\n-  replicas: 2\n+  replicas: 3\n');
  });

  test('a removed environment: its folder and Application are removed in one commit', () => {
    const repo = gitRepo();
    publish({ checkout: repo, configDir: CONFIG_DIR, validate: false });
    const configDir = configCopy();
    fs.rmSync(path.join(configDir, 'staging.yaml'));
    const result = publish({ checkout: repo, configDir, validate: false });
    expect(result.subject).toMatch(/^pembayaran: production unchanged; sandbox unchanged; staging \d+ removed; argocd 1 changed, 1 removed$/);
    expect(trackedFiles(repo).filter((f) => f.startsWith('staging/'))).toEqual([]);
    expect(fs.existsSync(path.join(repo, 'staging'))).toBe(false);
    expect(trackedFiles(repo)).not.toContain('argocd/application-pembayaran-staging.yaml');
  });

  test('files outside the managed folders are kept', () => {
    const repo = gitRepo();
    fs.writeFileSync(path.join(repo, 'README.md'), 'GitOps repository\n');
    git(repo, 'add', 'README.md');
    git(repo, 'commit', '--quiet', '-m', 'readme');
    publish({ checkout: repo, configDir: CONFIG_DIR, validate: false });
    expect(trackedFiles(repo)).toContain('README.md');
    expect(commitCount(repo)).toBe(2);
  });

  test('a tree with uncommitted changes is refused, and left alone', () => {
    const repo = gitRepo();
    publish({ checkout: repo, configDir: CONFIG_DIR, validate: false });
    const file = path.join(repo, 'production', 'service-pembayaran-web.yaml');
    fs.appendFileSync(file, '# local edit\n');
    const r = run([repo, '--config-dir', CONFIG_DIR, '--no-validate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`publish refused: ${repo} has uncommitted changes; commit, stash or remove them first\n`);
    expect(fs.readFileSync(file, 'utf8')).toContain('# local edit');
    expect(commitCount(repo)).toBe(1);

    const untracked = gitRepo();
    fs.writeFileSync(path.join(untracked, 'notes.txt'), 'x');
    expect(() => publish({ checkout: untracked, configDir: CONFIG_DIR, validate: false })).toThrow(/uncommitted changes/);
  });

  test('a folder that is not a git working tree, or not its top level, is refused', () => {
    const plain = tmpDir('gitops-plain-');
    const r = run([plain, '--config-dir', CONFIG_DIR]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`publish refused: ${plain} is not a git working tree\n`);
    expect(fs.readdirSync(plain)).toEqual([]);

    const repo = gitRepo();
    fs.mkdirSync(path.join(repo, 'sub'));
    expect(() => publish({ checkout: path.join(repo, 'sub'), configDir: CONFIG_DIR, validate: false })).toThrow(PublishError);
    expect(() => publish({ checkout: path.join(repo, 'sub'), configDir: CONFIG_DIR, validate: false })).toThrow(/not its top level/);
  });

  test('no git identity configured: refused before anything is written', () => {
    const repo = gitRepo();
    git(repo, 'config', '--unset', 'user.name');
    git(repo, 'config', '--unset', 'user.email');
    const saved = { ...process.env };
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
    process.env.GIT_CONFIG_NOSYSTEM = '1';
    for (const v of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'EMAIL']) delete process.env[v];
    try {
      expect(() => publish({ checkout: repo, configDir: CONFIG_DIR, validate: false })).toThrow(/no git identity/);
    } finally {
      process.env = saved;
    }
    expect(fs.readdirSync(repo)).toEqual(['.git']);
  });

  test('usage errors exit 2 with one line', () => {
    for (const args of [[], ['--force', '.'], ['a', 'b']]) {
      const r = run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain('usage: npm run gitops:publish');
    }
  });
});

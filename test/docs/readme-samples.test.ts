/**
 * The README's sample error output is real: each sample is the output of the real command on the changes
 * its comment names. When a message changes, re-run and paste (this test prints what the run says).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, runSynth, withChanges } from '../helpers';

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The lines under `$ npm run synth -- <args>   # <comment>` in the README, up to the next blank line. */
function sample(comment: string): string[] {
  const start = README.split('\n').findIndex((l) => l.startsWith('$ npm run synth') && l.includes(`# ${comment}`));
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = README.split('\n').slice(start + 1);
  return lines.slice(0, lines.findIndex((l) => l === '' || l === '```'));
}

function run(files: Record<string, string>, args: string[]): string[] {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-'));
  fs.mkdirSync(path.join(work, 'config'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(work, 'config', name), text);
  const result = runSynth([...args, '--outdir', path.join(work, 'dist')], { cwd: work });
  expect(result.status).toBe(1);
  return result.stderr.trim().split('\n');
}

test('the schema sample: a typo, a Service-breaking appName, a peer with both cidr and namespace', () => {
  const text = withChanges('production', (d) => {
    d.web.replicaz = d.web.replicas;
    delete d.web.replicas;
    d.appName = '9pay';
    d.database.peers[0].namespace = 'databases';
  });
  expect(sample('a typo, a Service-breaking appName, a peer with both cidr and namespace')).toEqual(run({ 'production.yaml': text }, ['--config', 'config/production.yaml']));
});

test('the semantic sample: debug on, a password in env, an IP as host, host bits in a CIDR, request above limit', () => {
  const text = withChanges('production', (d) => {
    d.laravel.debug = true;
    d.laravel.env = { MAIL_PASS: 'hunter2' };
    d.laravel.host = '10.1.2.3';
    d.redis.peers[0].cidr = '10.20.1.7/24';
    d.web.resources.php.limits.memory = '256Mi';
  });
  expect(sample('debug on, a password in env, an IP as host, host bits in a CIDR, request above limit')).toEqual(run({ 'production.yaml': text }, ['--config', 'config/production.yaml']));
});

test('the gate sample: latest in staging, reported at its config key', () => {
  const files = {
    'production.yaml': fs.readFileSync(path.join(ROOT, 'config/production.yaml'), 'utf8'),
    'staging.yaml': withChanges('staging', (d) => (d.laravel.image.tag = 'latest')),
  };
  expect(sample('latest in staging')).toEqual(run(files, ['--config-dir', 'config']));
});

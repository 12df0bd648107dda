import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../../tools/validate/cli';
import { FIXTURES, HARDENED } from './fixtures';

function run(args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const code = main(args, (s) => (stdout += s), (s) => (stderr += s));
  return { code, stdout, stderr };
}

/** A throw-away copy of the hardened set with one file changed. */
function brokenCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-cli-'));
  fs.cpSync(HARDENED, dir, { recursive: true });
  const file = path.join(dir, 'production', 'deployment-api.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('allowPrivilegeEscalation: false\n            readOnlyRootFilesystem: true\n            capabilities: { drop: [ALL] }\n          volumeMounts', 'readOnlyRootFilesystem: true\n            capabilities: { drop: [ALL] }\n          volumeMounts'));
  return dir;
}

describe('validate CLI', () => {
  test('exit 0 and a one-line summary on a clean set', () => {
    const r = run([HARDENED]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe('No findings in 22 objects.\n');
  });

  test('exit 1 and a table with the columns on findings', () => {
    const dir = brokenCopy();
    const r = run([dir]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^FILE\s+KIND\/NAME\s+RULE\s+MESSAGE$/);
    expect(lines[1]).toContain(path.join(dir, 'production', 'deployment-api.yaml'));
    expect(lines[1]).toMatch(/Deployment\/pembayaran-api\s+pss\/restricted\/privilege-escalation\s+spec\.template\.spec\.containers\[0\] "app": securityContext\.allowPrivilegeEscalation must be false$/);
    expect(r.stdout).toContain('1 finding on 1 object in 22 objects.');
  });

  test('--json output parses and carries the findings', () => {
    const dir = brokenCopy();
    const r = run(['--json', path.join(dir, 'production')]);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.stdout);
    expect(parsed.findings).toEqual([
      {
        file: path.join(dir, 'production', 'deployment-api.yaml'),
        kind: 'Deployment',
        name: 'pembayaran-api',
        rule: 'pss/restricted/privilege-escalation',
        message: 'spec.template.spec.containers[0] "app": securityContext.allowPrivilegeEscalation must be false',
      },
    ]);
    expect(parsed.summary).toEqual({ objects: 20, findings: 1, byRule: { 'pss/restricted/privilege-escalation': 1 } });
    expect(JSON.parse(run(['--json', HARDENED]).stdout)).toMatchObject({ findings: [], summary: { findings: 0 } });
  });

  test('accepts single files', () => {
    const r = run([path.join(HARDENED, 'production', 'namespace.yaml'), path.join(HARDENED, 'argocd', 'appproject-pembayaran.yaml')]);
    expect(r.code).toBe(0);
  });

  test('exit 2 with a one-line error for a missing path, no stack trace', () => {
    const r = run(['does/not/exist']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('validate: no such file or folder: does/not/exist\n');
  });

  test('exit 2 on an unknown option, on unparsable YAML and when nothing is found', () => {
    expect(run(['--yaml', HARDENED]).code).toBe(2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-cli-'));
    expect(run([dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('no manifests') });
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'a: [1, 2\n');
    const r = run([dir]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot read manifests');
  });

  test('fixture folders exist', () => {
    expect(fs.existsSync(FIXTURES)).toBe(true);
  });
});

import { RULES, validateManifests } from '../../../tools/validate';
import { applyFixture, failingFixtures, hardened } from './fixtures';

describe('hardened fixture set', () => {
  test('produces zero findings', () => {
    expect(validateManifests(hardened())).toEqual([]);
  });
});

describe('failing fixtures', () => {
  const fixtures = failingFixtures();

  test.each(fixtures.map((f) => [f.name, f] as const))('%s fires only its rule, with the expected message', (_name, fixture) => {
    const findings = validateManifests(applyFixture(fixture));
    expect(findings.length).toBeGreaterThan(0);
    expect([...new Set(findings.map((f) => f.rule))]).toEqual([fixture.rule]);
    expect(findings.map((f) => f.message)).toEqual(expect.arrayContaining([expect.stringContaining(fixture.message)]));
  });

  test('every pod security, production policy and API rule has a failing fixture', () => {
    const covered = new Set(fixtures.map((f) => f.rule));
    const missing = Object.keys(RULES).filter((r) => !r.startsWith('schema/') && !covered.has(r));
    expect(missing).toEqual([]);
  });

  test('every rule has a one-line reason', () => {
    for (const [id, reason] of Object.entries(RULES)) {
      expect(id).toMatch(/^(schema|pss\/(baseline|restricted)|policy|api)\/[a-z-]+$/);
      expect(reason).not.toContain('\n');
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});

describe('findings', () => {
  test('name file, kind and name and are sorted deterministically', () => {
    const manifests = hardened().filter((m) => !m.file.includes('networkpolicy'));
    const findings = validateManifests(manifests);
    expect(findings.map((f) => `${f.file} ${f.kind}/${f.name}`)).toEqual([
      'production/cronjob-scheduler.yaml CronJob/pembayaran-scheduler',
      'production/deployment-api.yaml Deployment/pembayaran-api',
      'production/deployment-worker.yaml Deployment/pembayaran-worker',
    ]);
    expect(findings.every((f) => f.rule === 'policy/network-policy-coverage')).toBe(true);
    expect(validateManifests([...manifests].reverse())).toEqual(findings);
  });

  test('cross-object rules look only within one folder (environment)', () => {
    const production = hardened();
    const staging = production.filter((m) => m.file.startsWith('production/')).map((m) => ({ ...m, file: m.file.replace(/^production\//, 'staging/') }));
    // same namespace and names in two environments: no "shared ServiceAccount / PVC" findings
    expect(validateManifests([...production, ...staging])).toEqual([]);
  });

  test('the same object twice in one folder is refused, whatever its API version', () => {
    const manifests = hardened();
    const account = manifests.find((m) => m.file === 'production/serviceaccount-api.yaml')!;
    const again = { file: 'production/extra.yaml', object: { ...account.object, apiVersion: 'v1' } };
    expect(validateManifests([...manifests, again]).map((f) => `${f.file} ${f.rule}`)).toEqual(['production/extra.yaml policy/unique-objects']);
    // Another kind or another namespace with that name is another object.
    const otherNamespace = { file: 'production/extra.yaml', object: { ...account.object, metadata: { ...account.object.metadata, namespace: 'other' } } };
    expect(validateManifests([...manifests, otherNamespace]).filter((f) => f.rule === 'policy/unique-objects')).toEqual([]);
  });
});

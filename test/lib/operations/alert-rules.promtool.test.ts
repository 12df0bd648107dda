import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { K8sObject, objectsOf, shippedConfig, SHIPPED_ENVIRONMENTS, withIngressEdge } from '../../helpers';
import { AlertCase, alertCases, AlertCases, worldOf } from './alert-cases';
import { describePromtool, findPromtool, PROMTOOL_INSTALL, runPromtool, scratchDir, writeRuleFile, writeYaml } from './promtool';

/** The shipped environments, plus one with another app name and the queues in Redis database 3. */
const ENVIRONMENTS: Array<[string, EnvironmentConfig]> = [
  ...SHIPPED_ENVIRONMENTS.map((env): [string, EnvironmentConfig] => [env, shippedConfig(env)]),
  // The shipped edge is Gateway API (Envoy Gateway); the Ingress edge (ingress-nginx) reads other metrics.
  ['production with the ingress-nginx edge', withIngressEdge('production')],
  [
    'production with the scheduler in cron mode',
    (() => {
      const config = structuredClone(shippedConfig('production'));
      config.scheduler = { ...config.scheduler, mode: 'cron' };
      return config;
    })(),
  ],
  [
    'production as acmepay, queues in Redis database 3',
    (() => {
      const config = structuredClone(shippedConfig('production'));
      config.appName = 'acmepay';
      config.redis.database = 3;
      return config;
    })(),
  ],
];

const rulesOf = (objects: readonly K8sObject[]) => objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules));

/**
 * Rule groups without annotations, for the unit tests: promtool compares annotations exactly, and their
 * rendered text is prose. Their templates are checked by `promtool check rules` on the full file, and the
 * labels they use against the firing cases (below).
 */
const withoutAnnotations = (groups: readonly any[]) => groups.map((g) => ({ ...g, rules: g.rules.map(({ annotations: _annotations, ...rule }: any) => rule) }));
const groupsOf = (objects: readonly K8sObject[]) => objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups);
const SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 };
const seconds = (duration: string) => Number(duration.slice(0, -1)) * SECONDS[duration.slice(-1)];

/** A promtool test file with one test group per case of one alert. */
function promtoolTests(ruleFile: string, alert: AlertCases, rules: readonly any[]): unknown {
  const rule = rules.find((r) => r.alert === alert.alert);
  const fixed = { severity: rule?.labels?.severity ?? 'unknown', environment: rule?.labels?.environment ?? 'unknown' };
  // Rules are evaluated at the cases' own sample interval: day-long cases need no 30 s evaluations.
  const interval = alert.cases.map((c) => c.interval ?? '30s').sort((a, b) => seconds(a) - seconds(b))[0];
  return {
    rule_files: [ruleFile],
    evaluation_interval: interval,
    tests: alert.cases.map((c: AlertCase) => ({
      name: `${alert.alert}: ${c.name}`,
      interval: c.interval ?? '30s',
      input_series: c.input.map((x) => ({ series: x.series, values: x.values })),
      alert_rule_test: c.evals.map((e) => ({
        eval_time: e.at,
        alertname: alert.alert,
        exp_alerts: e.firing.map((labels) => ({ exp_labels: { ...labels, ...fixed } })),
      })),
    })),
  };
}

/**
 * The groups of a rule file with only the rules of one alert: promtool evaluates every rule of its rule
 * files at every step, and an alert's cases assert that alert alone (no rule reads another's output; there
 * are no recording rules). Group names and intervals stay as they are.
 */
function onlyAlert(groups: readonly any[], alert: string): any[] {
  expect(groups.flatMap((g) => g.rules).filter((r: any) => r.record)).toEqual([]);
  return groups.map((g) => ({ ...g, rules: g.rules.filter((r: any) => r.alert === alert) })).filter((g) => g.rules.length > 0);
}

/** Runs one alert's cases against that alert's rule from `ruleFile` (the full unit rule file, `dir`-relative). */
function runCases(dir: string, ruleFile: string, alert: AlertCases, rules: readonly any[], file = `${alert.alert}.test.yaml`) {
  const full = yaml.load(fs.readFileSync(path.join(dir, ruleFile), 'utf8')) as { groups: any[] };
  const ruleFileOfAlert = `${path.basename(file, '.test.yaml')}.rules.yaml`;
  writeRuleFile(dir, ruleFileOfAlert, onlyAlert(full.groups, alert.alert));
  writeYaml(path.join(dir, file), promtoolTests(ruleFileOfAlert, alert, rules));
  return runPromtool(['test', 'rules', file], dir);
}

test('without promtool the suites say how to install it (and are listed as not run, or fail under CI=true)', () => {
  expect(() => findPromtool({ PATH: '/nonexistent' })).toThrow(PROMTOOL_INSTALL);
  expect(() => findPromtool({ PATH: process.env.PATH, PROMTOOL: '/nonexistent/promtool' })).toThrow('apt-get install prometheus');
  expect(PROMTOOL_INSTALL).toContain('sudo apt-get install prometheus');
});

describePromtool('alerts run through promtool', () => describe.each(ENVIRONMENTS)('alerts of %s, run through promtool', (_label, config) => {
  const objects = objectsOf(config);
  const rules = rulesOf(objects);
  const cases = alertCases(worldOf(config, objects), config.redis.database);
  let dir: string;

  beforeAll(() => {
    findPromtool();
    dir = scratchDir('alert-rules');
    writeRuleFile(dir, 'rules.yaml', groupsOf(objects));
    writeRuleFile(dir, 'unit.yaml', withoutAnnotations(groupsOf(objects)));
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test('promtool check rules accepts the synthesized PrometheusRule', () => {
    const result = runPromtool(['check', 'rules', 'rules.yaml'], dir);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(result.ok).toBe(true);
  });

  test('every alert has a firing and a quiet case, and every case belongs to an alert of the rule', () => {
    const names = rules.map((r) => r.alert);
    expect(cases.map((c) => c.alert).sort()).toEqual([...names].sort());
    for (const alert of cases) {
      const evals = alert.cases.flatMap((c) => c.evals);
      expect([alert.alert, evals.some((e) => e.firing.length > 0), evals.some((e) => e.firing.length === 0)]).toEqual([alert.alert, true, true]);
    }
  });

  test('alert names carry the app name as prefix', () => {
    const prefix = config.appName === 'pembayaran' ? 'Pembayaran' : 'Acmepay';
    for (const rule of rules) expect(rule.alert).toMatch(new RegExp(`^${prefix}[A-Z]`));
  });

  test('the labels the annotations use are labels of the alert', () => {
    for (const alert of cases) {
      const rule = rules.find((r) => r.alert === alert.alert);
      const used = [...`${rule.annotations.summary} ${rule.annotations.description}`.matchAll(/\$labels\.([A-Za-z_]+)/g)].map((m) => m[1]);
      for (const firing of alert.cases.flatMap((c) => c.evals.flatMap((e) => e.firing))) {
        for (const label of used) expect([alert.alert, label, label in firing]).toEqual([alert.alert, label, true]);
      }
    }
  });

  test.each(cases.map((c) => [c.alert, c] as const))('%s fires on its firing series and stays quiet on the others', (_name, alert) => {
    const result = runCases(dir, 'unit.yaml', alert, rules);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  });
}));

describePromtool('the cases reproduce the findings of issue #12 on the rules before the fix', () => {
  // The rules before the fix read ingress-nginx's metrics of the Ingress pembayaran-web, the edge production had then.
  const config = withIngressEdge('production');
  const objects = objectsOf(config);
  const rules = rulesOf(objects);
  const findings = alertCases(worldOf(config, objects), config.redis.database).flatMap((alert) =>
    alert.cases.filter((c) => c.finding).map((c) => [`${alert.alert}: ${c.name}`, { alert: alert.alert, cases: [c] }] as const),
  );
  let dir: string;

  beforeAll(() => {
    findPromtool();
    dir = scratchDir('alert-rules-before');
    const before = yaml.load(fs.readFileSync(path.join(__dirname, 'fixtures', 'alert-rules-before-issue-12.yaml'), 'utf8')) as { groups: any[] };
    writeRuleFile(dir, 'before.yaml', withoutAnnotations(before.groups));
    writeRuleFile(dir, 'after.yaml', withoutAnnotations(groupsOf(objects)));
  });
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  test('each finding of the issue has a case', () => {
    const named = findings.map(([, c]) => c.cases[0].finding);
    for (const alert of ['QueueNotDraining', 'BackupFailed', 'ContainerCpuSaturated', 'ContainerMemorySaturated', 'WebLatencyHigh', 'SchedulerNotRunning']) {
      expect([alert, named.some((f) => f!.includes(alert))]).toEqual([alert, true]);
    }
  });

  test.each(findings)('%s fails before the fix and passes after it', (_name, alert) => {
    const before = runCases(dir, 'before.yaml', alert, rules, 'before.test.yaml');
    expect(before.output).toContain('FAILED');
    expect(before.ok).toBe(false);
    const after = runCases(dir, 'after.yaml', alert, rules, 'after.test.yaml');
    expect(after.output).toContain('SUCCESS');
    expect(after.ok).toBe(true);
  });
});

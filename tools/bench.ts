#!/usr/bin/env node
// `npm run bench`: the commands as users type them, next to a floor measured in the same run on the same
// machine, as ratios. Every run is a fresh process tree (cold start included); scenarios alternate run by
// run, so a neighbour's load on a shared machine hits them alike. CPU time (user + system of the command
// and every process it starts, as the shell's `times` reports for its children) is the figure that
// matters there; wall time is shown beside it. Peak memory is the largest resident set of any node
// process of the tree. Never used in tests: timings are machine facts, not assertions.
//
//   BENCH_RUNS=7 (quick scenarios), BENCH_LARGE_RUNS=3 (50 and 500 environments), BENCH_SKIP_LARGE=1
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { projectRoot } from './project-root';
import { threadsFor } from './synth/parallel';

const ROOT = projectRoot(__dirname);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LARGE_RUNS = Number(process.env.BENCH_LARGE_RUNS ?? 3);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
const RUNNER = path.join(ROOT, 'scripts', 'run.js');

/** Preloaded into every node process of a measured tree (NODE_OPTIONS): appends its peak resident memory. */
const rssReporter = path.join(work, 'rss.js');
fs.writeFileSync(rssReporter, "process.on('exit', () => require('fs').appendFileSync(process.env.BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'));\n");

/** The floor: node loading cdk8s and cdk8s-plus-28 and synthesizing one trivial Deployment. */
const floorDir = path.join(work, 'floor');
fs.mkdirSync(floorDir);
fs.writeFileSync(
  path.join(floorDir, 'floor.js'),
  `const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s', { paths: [ROOT] }))});
const kplus = require(${JSON.stringify(require.resolve('cdk8s-plus-28', { paths: [ROOT] }))});
const app = new App({ outdir: process.env.CDK8S_OUTDIR || process.argv[2] });
const chart = new Chart(app, 'floor');
new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27' }] });
app.synth();
`,
);
// The same floor behind npm and the cdk8s CLI, to separate what those launchers cost from what synth costs.
fs.writeFileSync(path.join(floorDir, 'package.json'), JSON.stringify({ name: 'floor', private: true, scripts: { synth: 'node floor.js out' } }));
fs.writeFileSync(path.join(floorDir, 'cdk8s.yaml'), 'language: typescript\napp: node floor.js\noutput: out\n');
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(floorDir, 'node_modules'), 'dir');

interface Scenario {
  readonly label: string;
  readonly command: string;
  readonly cwd?: string;
}

interface Measurement {
  readonly cpu: number[];
  readonly wall: number[];
  peakMb: number;
}

const SHELL = fs.existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh';
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const seconds = (s: string) => {
  const m = /(\d+)m([\d.]+)s/.exec(s);
  if (!m) throw new Error(`cannot read the shell's times output: ${s}`);
  return Number(m[1]) * 60 + Number(m[2]);
};

function runOnce(scenario: Scenario, into: Measurement): void {
  const rssFile = path.join(work, 'rss');
  fs.writeFileSync(rssFile, '');
  const start = process.hrtime.bigint();
  // The second line of `times` is the user and system time of the shell's (waited-for) children; bash
  // reads them from getrusage (milliseconds), a POSIX sh may only count clock ticks.
  const result = spawnSync(SHELL, ['-c', `${scenario.command} >${shellQuote(path.join(work, 'out.log'))} 2>&1; status=$?; times; exit $status`], {
    cwd: scenario.cwd ?? ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      NODE_OPTIONS: `--require ${rssReporter}`,
      BENCH_RSS_FILE: rssFile,
      CDK8S_OUTDIR: '',
      // The cdk8s CLI asks the npm registry for a newer version (cached 30 minutes); not what is measured here.
      CDK8S_CHECK_UPGRADE: 'false',
    },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${scenario.label} failed:\n${fs.readFileSync(path.join(work, 'out.log'), 'utf8')}`);
  const [user, system] = result.stdout.trim().split('\n').pop()!.trim().split(/\s+/).map(seconds);
  into.cpu.push(user + system);
  into.wall.push(wall);
  const peaks = fs.readFileSync(rssFile, 'utf8').split('\n').filter(Boolean).map(Number);
  into.peakMb = Math.max(into.peakMb, ...peaks.map((kb) => kb / 1024));
}

/** Runs each scenario `runs` times, one run of each in turn. */
function measure(scenarios: readonly Scenario[], runs: number): Measurement[] {
  const results = scenarios.map(() => ({ cpu: [], wall: [], peakMb: 0 }) as Measurement);
  // One unmeasured run each first: the disk cache and the code caches are then as a user's second run finds them.
  for (const s of scenarios) runOnce(s, { cpu: [], wall: [], peakMb: 0 });
  for (let run = 0; run < runs; run++) scenarios.forEach((s, i) => runOnce(s, results[i]));
  return results;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Environments generated from the production config, differing in name, namespace and folder. */
function generateEnvironments(count: number): string[] {
  const production = yaml.load(fs.readFileSync(path.join(ROOT, 'config/production.yaml'), 'utf8')) as any;
  const dir = path.join(work, `config-${count}`);
  fs.mkdirSync(dir);
  return Array.from({ length: count }, (_, i) => {
    const name = `env-${String(i + 1).padStart(3, '0')}`;
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, yaml.dump({ ...production, name, namespace: `pembayaran-${name}`, argocd: { ...production.argocd, path: name } }));
    return file;
  });
}

const out = (name: string) => shellQuote(path.join(work, name));
/** What `npm run synth` and cdk8s.yaml run: the startup snapshot through its launcher (scripts/synth.sh). */
const program = `sh ${shellQuote(path.join(ROOT, 'scripts', 'synth.sh'))}`;
const configArgs = (files: readonly string[]) => files.map((f) => `--config ${shellQuote(f)}`).join(' ');

// Build the bundles and the startup snapshot first, so that no run below pays for them.
spawnSync(process.execPath, [RUNNER, '--prepare', 'main.ts'], { cwd: ROOT, stdio: 'ignore' });

const quick: Scenario[] = [
  { label: 'floor: node, cdk8s + cdk8s-plus-28, one Deployment', command: 'node floor.js out', cwd: floorDir },
  { label: 'the synth program: sh scripts/synth.sh', command: `${program} --outdir ${out('program')}` },
  { label: 'npm run synth', command: `npm run synth -- --outdir ${out('npm')}` },
  { label: 'npx cdk8s synth', command: `npx cdk8s synth --output ${out('cli')}` },
  { label: 'the synth program, --no-validate', command: `${program} --no-validate --outdir ${out('no-gate')}` },
  { label: 'floor behind npm run', command: 'npm run synth', cwd: floorDir },
  { label: 'floor behind npx cdk8s synth', command: 'npx cdk8s synth', cwd: floorDir },
];
const [floor, alone, viaNpm, viaCli, noGate, npmFloor, cliFloor] = measure(quick, RUNS);

// Where the program's time goes (CPU of the whole process, so GC and compiler threads count too).
const phases = spawnSync('sh', [path.join(ROOT, 'scripts', 'synth.sh'), '--outdir', path.join(work, 'phases')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SYNTH_TRACE: '1', CDK8S_OUTDIR: '' } });
const breakdown = /synth: cpu ms: (.*)/.exec(phases.stderr)?.[1] ?? 'unavailable';

let large: Measurement[] | undefined;
if (!process.env.BENCH_SKIP_LARGE) {
  const fifty = generateEnvironments(50);
  const fiveHundred = generateEnvironments(500);
  large = measure(
    [
      { label: '50 environments', command: `${program} ${configArgs(fifty)} --outdir ${out('fifty')}` },
      { label: '500 environments', command: `${program} ${configArgs(fiveHundred)} --outdir ${out('five-hundred')}` },
      { label: '50 environments, one thread', command: `${program} ${configArgs(fifty)} --threads 1 --outdir ${out('fifty-one-thread')}` },
    ],
    LARGE_RUNS,
  );
}
const loadAfter = os.loadavg()[0];
fs.rmSync(work, { recursive: true, force: true });

const cpuOf = (m: Measurement) => median(m.cpu);
const ratio = (m: Measurement, base: Measurement) => `${(cpuOf(m) / cpuOf(base)).toFixed(2)}x`;
const wallRatio = (m: Measurement, base: Measurement) => `${(median(m.wall) / median(base.wall)).toFixed(2)}x`;
const row = (label: string, m: Measurement, note: string) =>
  `${label.padEnd(52)}${cpuOf(m).toFixed(3).padStart(7)} s [${Math.min(...m.cpu).toFixed(3)}-${Math.max(...m.cpu).toFixed(3)}]` +
  `${median(m.wall).toFixed(3).padStart(8)} s${m.peakMb.toFixed(0).padStart(6)} MB   ${note}`;

const cpu = os.cpus();
console.log(`machine: ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, ${os.platform()} ${os.release()}, node ${process.version}; load average ${loadAfter.toFixed(2)} at the end`);
console.log(`runs: ${RUNS} per quick scenario, ${LARGE_RUNS} per large one, alternating; median CPU [min-max], median wall, peak RSS\n`);
console.log(`${'scenario'.padEnd(52)}${'CPU'.padStart(9)}${''.padStart(16)}${'wall'.padStart(7)}${'peak'.padStart(9)}   ratio`);
console.log(row('floor: node, cdk8s + cdk8s-plus-28, one Deployment', floor, '1.00x floor'));
console.log(row('synth program alone (sh scripts/synth.sh)', alone, `${ratio(alone, floor)} floor (target <= 1.0x)`));
console.log(row('npm run synth', viaNpm, `${ratio(viaNpm, floor)} floor (target <= 1.3x); ${ratio(viaNpm, npmFloor)} the floor behind npm`));
console.log(row('npx cdk8s synth', viaCli, `${ratio(viaCli, floor)} floor (target <= 1.3x); ${ratio(viaCli, cliFloor)} the floor behind the cdk8s CLI`));
console.log(row('synth program alone, --no-validate', noGate, `${ratio(noGate, floor)} floor; the gate costs ${((cpuOf(alone) - cpuOf(noGate)) * 1000).toFixed(0)} ms`));
console.log(row('floor behind npm run', npmFloor, `${ratio(npmFloor, floor)} floor: npm itself costs ${((cpuOf(npmFloor) - cpuOf(floor)) * 1000).toFixed(0)} ms`));
console.log(row('floor behind npx cdk8s synth', cliFloor, `${ratio(cliFloor, floor)} floor: npx and the cdk8s CLI cost ${((cpuOf(cliFloor) - cpuOf(floor)) * 1000).toFixed(0)} ms`));
if (large) {
  const [fifty, fiveHundred, fiftyOneThread] = large;
  const perEnvironment = ((cpuOf(fiveHundred) - cpuOf(fifty)) / 450) * 1000;
  const threads = threadsFor(50);
  console.log(row('50 environments from production.yaml', fifty, `${wallRatio(fifty, alone)} the shipped synth's wall time (target <= 3x), ${ratio(fifty, alone)} its CPU; ${threads} threads`));
  console.log(row('50 environments, --threads 1', fiftyOneThread, `${wallRatio(fiftyOneThread, alone)} the shipped synth's wall time, ${ratio(fiftyOneThread, alone)} its CPU`));
  console.log(row('500 environments from production.yaml', fiveHundred, `${median(fiveHundred.wall).toFixed(1)} s wall (target < 10 s, < 600 MB); ${perEnvironment.toFixed(1)} ms CPU per environment`));
}
console.log(`\nsynth program, CPU by phase (ms, SYNTH_TRACE=1): ${breakdown}`);
const peak = Math.max(alone.peakMb, viaNpm.peakMb, viaCli.peakMb);
console.log(`peak memory of the shipped synth: ${alone.peakMb.toFixed(0)} MB alone, ${viaNpm.peakMb.toFixed(0)} MB through npm, ${viaCli.peakMb.toFixed(0)} MB through the cdk8s CLI (largest: ${peak.toFixed(0)} MB; target < 120 MB)`);

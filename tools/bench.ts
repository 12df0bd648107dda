#!/usr/bin/env node
// Speed and memory of synthesis, as ratios against a floor measured in the same run on the same machine.
// Each scenario runs in a fresh node process (cold start included, as users run it); the median of
// several runs is reported. Never used in tests: timings are machine facts, not assertions.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';

const ROOT = path.resolve(__dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));

/** Preloaded into each measured process: reports its peak resident memory on exit. */
const rssReporter = path.join(work, 'rss.js');
fs.writeFileSync(rssReporter, "process.on('exit', () => require('fs').writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n");

/** The floor: node loading cdk8s and cdk8s-plus-28 and synthesizing one trivial Deployment. */
const floorScript = path.join(work, 'floor.js');
fs.writeFileSync(
  floorScript,
  `const { App, Chart } = require(${JSON.stringify(require.resolve('cdk8s'))});
const kplus = require(${JSON.stringify(require.resolve('cdk8s-plus-28'))});
const app = new App({ outdir: process.argv[2] });
const chart = new Chart(app, 'floor');
new kplus.Deployment(chart, 'web', { containers: [{ image: 'nginx:1.27' }] });
app.synth();
`,
);

interface Measurement {
  readonly seconds: number;
  readonly peakMb: number;
}

function measure(args: string[]): Measurement {
  const times: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const rssFile = path.join(work, `rss-${i}`);
    const start = process.hrtime.bigint();
    const result = spawnSync(process.execPath, ['--require', rssReporter, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, BENCH_RSS_FILE: rssFile, CDK8S_OUTDIR: '' },
    });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (result.status !== 0) throw new Error(`${args.join(' ')} failed:\n${result.stderr}`);
    peaks.push(Number(fs.readFileSync(rssFile, 'utf8')) / 1024);
  }
  return { seconds: median(times), peakMb: Math.max(...peaks) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** 50 environments generated from the production config, differing in name and namespace. */
function generateEnvironments(count: number): string[] {
  const production = yaml.load(fs.readFileSync(path.join(ROOT, 'config/production.yaml'), 'utf8')) as any;
  const dir = path.join(work, 'config');
  fs.mkdirSync(dir);
  return Array.from({ length: count }, (_, i) => {
    const name = `env-${String(i + 1).padStart(2, '0')}`;
    const file = path.join(dir, `${name}.yaml`);
    fs.writeFileSync(file, yaml.dump({ ...production, name, namespace: `pembayaran-${name}`, argocd: { ...production.argocd, path: name } }));
    return file;
  });
}

function timeGate(): { cold: number; warm: number; objects: number } {
  const script = `
const t0 = process.hrtime.bigint();
const { loadManifests } = require(${JSON.stringify(path.join(ROOT, 'build/tools/k8s/manifests.js'))});
const { validateManifests } = require(${JSON.stringify(path.join(ROOT, 'build/tools/validate/index.js'))});
const manifests = loadManifests([${JSON.stringify(path.join(work, 'shipped'))}]);
const t1 = process.hrtime.bigint();
const findings = validateManifests(manifests);
const t2 = process.hrtime.bigint();
validateManifests(manifests);
const t3 = process.hrtime.bigint();
if (findings.length) { console.error(findings.length + ' findings'); process.exit(1); }
console.log(JSON.stringify({ cold: Number(t2 - t1) / 1e9, warm: Number(t3 - t2) / 1e9, objects: manifests.length }));
`;
  const runs = Array.from({ length: RUNS }, () => {
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`gate failed:\n${result.stderr}`);
    return JSON.parse(result.stdout);
  });
  return { cold: median(runs.map((r) => r.cold)), warm: median(runs.map((r) => r.warm)), objects: runs[0].objects };
}

const main = path.join(ROOT, 'build/main.js');
const floor = measure([floorScript, path.join(work, 'floor-out')]);
const shipped = measure([main, '--outdir', path.join(work, 'shipped')]);
const shippedNoGate = measure([main, '--no-validate', '--outdir', path.join(work, 'shipped-no-gate')]);
const fifty = measure([main, ...generateEnvironments(50).flatMap((f) => ['--config', f]), '--outdir', path.join(work, 'fifty')]);
const gate = timeGate();
fs.rmSync(work, { recursive: true, force: true });

const row = (label: string, m: Measurement, ratio: string) =>
  `${label.padEnd(46)}${m.seconds.toFixed(3).padStart(8)} s${m.peakMb.toFixed(0).padStart(8)} MB   ${ratio}`;
console.log(`runs per scenario: ${RUNS} (median wall time, peak RSS of any run)\n`);
console.log(`${'scenario'.padEnd(46)}${'time'.padStart(10)}${'peak'.padStart(11)}   ratio`);
console.log(row('floor: cdk8s + cdk8s-plus-28, one Deployment', floor, '1.00x floor'));
console.log(row('shipped environments (synth with gate)', shipped, `${(shipped.seconds / floor.seconds).toFixed(2)}x floor (target <= 2x)`));
console.log(row('shipped environments (--no-validate)', shippedNoGate, `${(shippedNoGate.seconds / floor.seconds).toFixed(2)}x floor`));
console.log(row('50 environments from production.yaml', fifty, `${(fifty.seconds / shipped.seconds).toFixed(2)}x shipped (target <= 20x)`));
console.log(
  `${'quality gate alone, shipped output'.padEnd(46)}${gate.cold.toFixed(3).padStart(8)} s${''.padStart(11)}   ` +
    `${(gate.cold / shipped.seconds).toFixed(2)}x synth; ${gate.objects} objects, ${(gate.warm * 1000).toFixed(1)} ms once schemas are compiled`,
);
const peak = Math.max(floor.peakMb, shipped.peakMb, fifty.peakMb);
console.log(`\npeak memory ${peak.toFixed(0)} MB (target < 300 MB)`);

/**
 * Tested example: production with Laravel Reverb (websockets) turned on. One config section: `reverb.enabled` adds
 * the Deployment and Service `<app>-reverb`, its websocket route on the edge (`/app` on the main host, one
 * hour per connection), Laravel's broadcaster settings, Redis pub/sub between the Reverb pods, and the
 * NetworkPolicies (the edge and Laravel reach 8080; Reverb gets Laravel's egress).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as yaml from 'js-yaml';
import { synthesize, SynthResult } from '../../tools/synth/synthesize';

/** What production.yaml would add for live payment status in the browser. */
export const REVERB_SECTION = {
  enabled: true,
  replicas: 2,
  edge: { hostnames: ['pembayaran.example.com'] },
};

/** config/production.yaml with the reverb section, synthesized in memory with the quality gate. */
export function synthesizeProductionWithReverb(section: Record<string, unknown> = REVERB_SECTION): SynthResult {
  const doc = yaml.load(fs.readFileSync(path.join(__dirname, '..', '..', 'config', 'production.yaml'), 'utf8')) as Record<string, unknown>;
  doc.reverb = section;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pembayaran-reverb-'));
  try {
    const file = path.join(dir, 'production.yaml');
    fs.writeFileSync(file, yaml.dump(doc));
    return synthesize({ configFiles: [file], outdir: path.join(dir, 'dist'), dryRun: true });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

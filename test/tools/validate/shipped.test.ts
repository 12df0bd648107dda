import { spawnSync } from 'child_process';
import * as path from 'path';
import { buildApp } from '../../../charts';
import { findEnvironmentFiles, loadEnvironments } from '../../../lib/config/load';
import { renderManifests } from '../../../tools/synth/render';
import { validateManifests } from '../../../tools/validate';
import { ROOT } from '../../helpers';

describe('the gate over the shipped environments', () => {
  test('every object of every shipped environment, and the Argo CD objects, pass', () => {
    const configs = loadEnvironments(findEnvironmentFiles(path.join(ROOT, 'config')));
    const manifests = renderManifests(buildApp(configs, { argocd: true }));
    expect(new Set(manifests.map((m) => m.file.split('/')[0]))).toEqual(new Set(['argocd', 'production', 'sandbox', 'staging']));
    expect(validateManifests(manifests)).toEqual([]);
  });

  test('npm run validate passes over the committed dist/', () => {
    const result = spawnSync('node', [path.join(ROOT, 'scripts/run.js'), 'tools/validate/cli.ts', path.join(ROOT, 'dist')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

import * as path from 'path';
import { buildApp } from '../../../charts';
import { findEnvironmentFiles, loadEnvironments } from '../../../lib/config/load';
import { Manifest } from '../../../tools/k8s/manifests';
import { renderEnvironments, renderManifests } from '../../../tools/synth/render';
import { ROOT } from '../../helpers';

describe('rendering environments one app at a time', () => {
  const configs = loadEnvironments(findEnvironmentFiles(path.join(ROOT, 'config')));

  test('gives exactly the objects of one app holding every chart (buildApp), Argo CD chart included', () => {
    const streamed: Manifest[] = [];
    renderEnvironments(configs, { argocd: true }, (manifests) => streamed.push(...manifests));
    const byFile = (a: Manifest, b: Manifest) => (a.file < b.file ? -1 : 1);
    expect(streamed.sort(byFile)).toEqual(renderManifests(buildApp(configs, { argocd: true })));
  });

  test('hands each chart to the caller as soon as it is rendered, the Argo CD chart last', () => {
    const folders: string[][] = [];
    renderEnvironments(configs, { argocd: true }, (manifests) => folders.push([...new Set(manifests.map((m) => m.file.split('/')[0]))]));
    expect(folders).toEqual([...configs.map((c) => [c.name]), ['argocd']]);
  });

  test('leaves the Argo CD chart out unless asked (a partial synth keeps dist/argocd as it is)', () => {
    const folders: string[] = [];
    renderEnvironments(configs, {}, (manifests) => folders.push(manifests[0].file.split('/')[0]));
    expect(folders).toEqual(configs.map((c) => c.name));
  });
});

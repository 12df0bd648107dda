import { checkEveryEnvironmentRendered } from '../../tools/synth/synthesize';
import { shippedConfig } from '../helpers';

// The synth pipeline's own assertion: an environment whose config was read is in the output, or nothing is written.
describe('every environment read is rendered', () => {
  const loaded = ['production', 'staging'].map((name) => ({ file: `config/${name}.yaml`, config: shippedConfig(name) }));
  const files = (...folders: string[]) => new Map(folders.map((f) => [`${f}/namespace-x.yaml`, 'kind: Namespace\n']));

  test('passes when every environment and argocd/ have files', () => {
    expect(() => checkEveryEnvironmentRendered(files('production', 'staging', 'argocd'), loaded, true)).not.toThrow();
    expect(() => checkEveryEnvironmentRendered(files('staging'), loaded.slice(1), false)).not.toThrow();
  });

  test('fails, naming the config file, when an environment rendered nothing', () => {
    expect(() => checkEveryEnvironmentRendered(files('staging', 'argocd'), loaded, true)).toThrow(/internal error: the rendered output lacks config\/production\.yaml \(production\/\); nothing was written/);
    expect(() => checkEveryEnvironmentRendered(files('production', 'staging'), loaded, true)).toThrow(/lacks argocd\//);
  });

  test('fails on a folder no environment owns, and on no environment at all', () => {
    expect(() => checkEveryEnvironmentRendered(files('production', 'staging', 'argocd', 'stray'), loaded, true)).toThrow(/has unexpected folders stray/);
    expect(() => checkEveryEnvironmentRendered(new Map(), [], false)).toThrow(/has no environment/);
  });
});

import * as yaml from 'js-yaml';
import { DR_ENVIRONMENT, synthesizeNewEnvironment } from '../../examples/new-environment';
import { ConfigError } from '../../lib/config/load';

test('example new-environment: one YAML file gives a gated environment folder with defaults filled in', () => {
  const result = synthesizeNewEnvironment();
  expect(result.environments).toEqual(['production-dr']);
  const files = [...result.files.keys()];
  expect(files.every((f) => f.startsWith('production-dr/'))).toBe(true);
  const web = yaml.load(result.files.get('production-dr/deployment-pembayaran-web.yaml')!) as any;
  expect(web.metadata.namespace).toBe('pembayaran-dr');
  expect(files).toContain('production-dr/prometheusrule-pembayaran-alerts.yaml');
  expect(files).not.toContain('production-dr/cronjob-pembayaran-backup.yaml');
  const wa = yaml.load(result.files.get('production-dr/deployment-pembayaran-wa-gateway.yaml')!) as any;
  expect(wa.spec.replicas).toBe(0);
});

test('example new-environment: a broken file is refused before anything is built', () => {
  expect(() => synthesizeNewEnvironment(DR_ENVIRONMENT.replace('tier: production', 'tier: prod'))).toThrow(ConfigError);
});

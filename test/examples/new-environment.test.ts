import { DR_ENVIRONMENT, synthesizeNewEnvironment } from '../../examples/new-environment';
import { ConfigError } from '../../lib/config/load';

test('example new-environment: one YAML file gives a gated environment folder with defaults filled in', () => {
  const manifests = synthesizeNewEnvironment();
  const files = manifests.map((m) => m.file);
  expect(files.every((f) => f.startsWith('production-dr/'))).toBe(true);
  const web = manifests.find((m) => m.file === 'production-dr/deployment-pembayaran-web.yaml')!.object;
  expect(web.metadata.namespace).toBe('pembayaran-dr');
  expect(files).toContain('production-dr/prometheusrule-pembayaran-alerts.yaml');
  expect(files).not.toContain('production-dr/cronjob-pembayaran-backup.yaml');
  const wa = manifests.find((m) => m.file === 'production-dr/deployment-pembayaran-wa-gateway.yaml')!.object;
  expect(wa.spec.replicas).toBe(0);
});

test('example new-environment: a broken file is refused before anything is built', () => {
  expect(() => synthesizeNewEnvironment(DR_ENVIRONMENT.replace('tier: production', 'tier: prod'))).toThrow(ConfigError);
});

import { OCTANE_ENVIRONMENT, synthesizeOctaneEnvironment } from '../../examples/octane-environment';
import { ConfigError } from '../../lib/config/load';

test('example octane-environment: one key serves the web tier with Octane on FrankenPHP, gated', () => {
  const manifests = synthesizeOctaneEnvironment();
  const object = (file: string) => manifests.find((m) => m.file === file)!.object as any;
  const web = object('production-dr/deployment-pembayaran-web.yaml');
  const containers = web.spec.template.spec.containers;
  expect(containers.map((c: any) => c.name)).toEqual(['octane']);
  expect(containers[0].command).toEqual(['php', 'artisan', 'octane:start', '--server=frankenphp', '--host=0.0.0.0', '--port=8000', '--workers=8', '--max-requests=1000']);
  const ini = object('production-dr/configmap-pembayaran-web-server.yaml').data['zz-pembayaran.ini'];
  // (1024 MiB - 128 MiB OPcache) / 8 workers.
  expect(ini).toContain('memory_limit = 112M\n');
  expect(manifests.map((m) => m.file).filter((f) => /exporter|podmonitor-pembayaran-web/.test(f))).toEqual([]);
});

test('example octane-environment: php-fpm pool settings beside it are refused', () => {
  expect(() => synthesizeOctaneEnvironment(OCTANE_ENVIRONMENT.replace('  runtime: octane\n', '  runtime: octane\n  phpFpm: { maxChildren: 8 }\n'))).toThrow(ConfigError);
});

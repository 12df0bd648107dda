import * as path from 'path';
import { environmentWithOverrides, SALE_WEEKEND } from '../../examples/override-resources';
import { ConfigError } from '../../lib/config/load';
import { autoscalerOf, container, find, objectsOf, podSpecOf, ROOT, shippedConfig, gateFindings } from '../helpers';

const production = path.join(ROOT, 'config', 'production.yaml');

test('example override-resources: a YAML snippet changes only the web resources and HPA maximum of one environment', () => {
  const config = environmentWithOverrides(production, SALE_WEEKEND);
  const objects = objectsOf(config);
  const spec = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));
  expect(container(spec, 'php-fpm').resources).toEqual({ requests: { cpu: '1', memory: '768Mi' }, limits: { memory: '1536Mi' } });
  expect(container(spec, 'nginx').resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
  expect(autoscalerOf(objects, 'pembayaran-web').max).toBe(24);
  // Everything else stays as in the file.
  const original = shippedConfig('production');
  expect(config.web.autoscaling.targetCpuUtilization).toBe(original.web.autoscaling.targetCpuUtilization);
  expect(config.workers).toEqual(original.workers);
  expect(gateFindings('production', objects)).toEqual([]);
});

test('example override-resources: a mistyped override is refused with its key path', () => {
  expect(() => environmentWithOverrides(production, 'web:\n  resources:\n    php:\n      limits: { memroy: 1Gi }\n')).toThrow(ConfigError);
  expect(() => environmentWithOverrides(production, 'web:\n  resources:\n    php:\n      limits: { memroy: 1Gi }\n')).toThrow(/web\.resources\.php\.limits/);
});

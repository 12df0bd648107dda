import { App } from 'cdk8s';
import { withReportsPool } from '../../examples/add-worker-pool';
import { container, find, podSpecOf, shippedConfig, gateFindings } from '../helpers';
import { chartObjects } from './example-helpers';

test('example add-worker-pool: the pool gets a Deployment, ServiceAccount, KEDA scaler, network coverage, queue metrics and alerts', () => {
  const app = new App();
  const { pool } = withReportsPool(app, shippedConfig('production'));
  const objects = chartObjects(app, 'production');

  const deployment = find(objects, 'Deployment', 'pembayaran-worker-reports');
  const spec = podSpecOf(deployment);
  expect(container(spec, 'worker').command).toContain('--queue=reports');
  expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(900);
  expect(spec.serviceAccountName).toBe('pembayaran-worker-reports');
  expect(deployment.spec.replicas).toBeUndefined();
  expect(find(objects, 'ScaledObject', 'pembayaran-worker-reports').spec.triggers[0].metadata.listName).toBe('pembayaran_database_queues:reports');
  expect(pool.queues).toEqual(['reports']);

  const laravelPolicy = find(objects, 'NetworkPolicy', 'pembayaran-allow-laravel-to-redis');
  expect(laravelPolicy.spec.podSelector.matchExpressions[0].values).toContain('worker-reports');
  const exporter = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-queue-metrics')), 'redis-exporter');
  expect(exporter.env.find((e: any) => e.name === 'REDIS_EXPORTER_CHECK_SINGLE_KEYS').value).toContain('pembayaran_database_queues:reports');
  expect(gateFindings('production', objects)).toEqual([]);
});

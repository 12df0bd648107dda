import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { SHUTDOWN_MARGIN_SECONDS } from '../../../lib/core/defaults';
import { find, K8sObject, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS } from '../../helpers';

const withConfig = (env: string, change: (c: EnvironmentConfig) => void): EnvironmentConfig => {
  const config = structuredClone(shippedConfig(env));
  change(config);
  return config;
};
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

describe.each(SHIPPED_ENVIRONMENTS)('scaling of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const web = find(objects, 'Deployment', 'pembayaran-web');

  test('the web HPA scales the web Deployment on CPU between replicas and maxReplicas; the Deployment leaves replicas to it', () => {
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'pembayaran-web');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'pembayaran-web' });
    expect(hpa.spec.minReplicas).toBe(config.web.replicas);
    expect(hpa.spec.maxReplicas).toBe(config.web.autoscaling.maxReplicas);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: config.web.autoscaling.targetCpuUtilization } } },
    ]);
    expect(web.spec.replicas).toBeUndefined();
  });

  test('a PodDisruptionBudget bounds voluntary disruptions of the web pods and lets unhealthy pods be evicted', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'pembayaran-web');
    expect(pdb.spec.maxUnavailable).toBe(config.web.maxUnavailable);
    expect(pdb.spec.selector.matchLabels).toEqual(web.spec.selector.matchLabels);
    expect(pdb.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
  });

  test('web pods spread over zones and nodes', () => {
    const spread = podSpecOf(web).topologySpreadConstraints;
    expect(spread.map((s: any) => s.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    for (const s of spread) {
      expect(s.maxSkew).toBe(1);
      expect(s.labelSelector.matchLabels).toEqual(web.spec.selector.matchLabels);
      expect(s.matchLabelKeys).toEqual(['pod-template-hash']);
    }
  });

  test('a web rollout never goes below the serving capacity: maxUnavailable 0, maxSurge 1', () => {
    expect(web.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  });

  test('each autoscaled pool has a KEDA ScaledObject on its Redis lists (Laravel prefix included) with min/max/cooldown from config', () => {
    const autoscaled = config.workers.filter((p) => p.autoscaling.enabled);
    expect(ofKind(objects, 'ScaledObject').map((o) => o.metadata.name).sort()).toEqual(autoscaled.map((p) => `pembayaran-worker-${p.name}`).sort());
    for (const pool of autoscaled) {
      const scaler = find(objects, 'ScaledObject', `pembayaran-worker-${pool.name}`);
      expect(scaler.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: `pembayaran-worker-${pool.name}` });
      expect(scaler.spec.minReplicaCount).toBe(pool.replicas);
      expect(scaler.spec.maxReplicaCount).toBe(pool.autoscaling.maxReplicas);
      expect(scaler.spec.cooldownPeriod).toBe(pool.autoscaling.cooldownPeriod);
      expect(scaler.spec.pollingInterval).toBe(pool.autoscaling.pollingInterval);
      expect(scaler.spec.triggers.map((t: any) => t.metadata.listName)).toEqual(pool.queues.map((q) => `pembayaran_database_queues:${q}`));
      for (const t of scaler.spec.triggers) {
        expect(t.type).toBe('redis');
        expect(t.metadata.address).toBe(`${config.redis.host}:${config.redis.port}`);
        expect(t.metadata.listLength).toBe(String(pool.autoscaling.listLength));
        expect(t.authenticationRef.name).toBe(`pembayaran-worker-${pool.name}`);
      }
      const auth = find(objects, 'TriggerAuthentication', `pembayaran-worker-${pool.name}`);
      expect(auth.spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'pembayaran-laravel', key: 'REDIS_PASSWORD' }]);
    }
  });

  test('pool Deployments leave replicas to KEDA when autoscaled and fix them otherwise; the grace period exceeds the job timeout', () => {
    for (const pool of config.workers) {
      const deployment = find(objects, 'Deployment', `pembayaran-worker-${pool.name}`);
      if (pool.autoscaling.enabled) expect(deployment.spec.replicas).toBeUndefined();
      else expect(deployment.spec.replicas).toBe(pool.replicas);
      expect(podSpecOf(deployment).terminationGracePeriodSeconds).toBe(pool.timeout + SHUTDOWN_MARGIN_SECONDS);
      expect(podSpecOf(deployment).terminationGracePeriodSeconds).toBeGreaterThan(pool.timeout);
    }
  });
});

describe('scaling options', () => {
  test('a memory target adds a memory metric to the web HPA', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.web.autoscaling.targetMemoryUtilization = 80)));
    expect(find(objects, 'HorizontalPodAutoscaler', 'pembayaran-web').spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 65],
      ['memory', 80],
    ]);
  });

  test('without autoscaling the web Deployment has fixed replicas and no HPA', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.web.autoscaling.enabled = false)));
    expect(find(objects, 'Deployment', 'pembayaran-web').spec.replicas).toBe(3);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
  });

  test('the Redis prefix from config reaches the KEDA list names', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.redis.prefix = 'pay_')));
    expect(find(objects, 'ScaledObject', 'pembayaran-worker-default').spec.triggers[0].metadata.listName).toBe('pay_queues:default');
  });
});

import { EnvironmentConfig } from '../../../lib/config/types.generated';
import { SHUTDOWN_MARGIN_SECONDS } from '../../../lib/core/defaults';
import * as fs from 'fs';
import * as path from 'path';
import { find, K8sObject, objectsOf, podSpecOf, rejectionsOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges } from '../../helpers';
import { describePromtool, runPromtool, scratchDir, writeRuleFile, writeYaml } from '../operations/promtool';

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

  test('the web Deployment leaves replicas to exactly one autoscaler', () => {
    const autoscalers = objects.filter((o) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind) && o.spec.scaleTargetRef.name === 'pembayaran-web');
    expect(autoscalers).toHaveLength(1);
    expect(autoscalers[0].kind).toBe(config.web.autoscaling.phpFpm.enabled ? 'ScaledObject' : 'HorizontalPodAutoscaler');
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
    expect(ofKind(objects, 'ScaledObject').filter((o) => o.metadata.name !== 'pembayaran-web').map((o) => o.metadata.name).sort()).toEqual(autoscaled.map((p) => `pembayaran-worker-${p.name}`).sort());
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
      // Beside the password, production's Redis CA (redis.tls): test/lib/core/data-store-tls.test.ts.
      expect(auth.spec.secretTargetRef).toEqual([
        { parameter: 'password', name: 'pembayaran-laravel', key: 'REDIS_PASSWORD' },
        { parameter: 'ca', name: 'pembayaran-datastore-ca', key: 'REDIS_CA_CERT' },
      ]);
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

describe('the web tier scales on php-fpm saturation as well as CPU (KEDA)', () => {
  const config = shippedConfig('production');
  const objects = shippedObjects('production');
  const scaler = find(objects, 'ScaledObject', 'pembayaran-web');

  test('production: one ScaledObject with the CPU trigger and the php-fpm trigger, no HorizontalPodAutoscaler of ours', () => {
    expect(config.web.autoscaling.phpFpm.enabled).toBe(true);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(scaler.spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'pembayaran-web' },
      minReplicaCount: config.web.replicas,
      maxReplicaCount: config.web.autoscaling.maxReplicas,
    });
    expect(scaler.spec.triggers.map((t: any) => [t.type, t.metricType])).toEqual([['cpu', 'Utilization'], ['prometheus', 'AverageValue']]);
    expect(scaler.spec.triggers[0].metadata).toEqual({ value: String(config.web.autoscaling.targetCpuUtilization) });
    // The same slow scale-down as the plain HPA.
    expect(scaler.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });
  });

  test('the php-fpm trigger aims at targetUtilization percent of pm.max_children busy per pod and never reads an empty answer as zero', () => {
    const trigger = scaler.spec.triggers.find((t: any) => t.type === 'prometheus');
    expect(trigger.metadata.serverAddress).toBe(config.web.autoscaling.phpFpm.prometheusAddress);
    expect(Number(trigger.metadata.threshold)).toBeCloseTo((config.web.phpFpm.maxChildren * config.web.autoscaling.phpFpm.targetUtilization) / 100);
    expect(trigger.metadata.ignoreNullValues).toBe('false');
  });

  describePromtool('the trigger query through promtool', () => test('the trigger query, run by promtool over exporter series, counts the busy children of the web pods only (the status listener answers the scrape)', () => {
    const query = scaler.spec.triggers.find((t: any) => t.type === 'prometheus').metadata.query;
    const series = (pod: string, active: number) => ({
      series: `phpfpm_active_processes{job="pembayaran/pembayaran-web", namespace="pembayaran", pod="${pod}", container="php-fpm-exporter", endpoint="fpm-metrics", pool="www", scrape_uri="tcp://127.0.0.1:9002/fpm-status"}`,
      values: `${active}+0x10`,
    });
    const dir = scratchDir('php-fpm-trigger');
    try {
      writeRuleFile(dir, 'rules.yaml', []);
      writeYaml(path.join(dir, 'test.yaml'), {
        rule_files: ['rules.yaml'],
        tests: [
          {
            interval: '30s',
            input_series: [
              series('pembayaran-web-7d9f6c5b8-x2k9q', 12),
              series('pembayaran-web-7d9f6c5b8-p4m7w', 9),
              // Another Deployment sharing the name prefix, and an idle pod.
              series('pembayaran-web-webhooks-5b8c7d9f6-z8r3t', 16),
              series('pembayaran-web-7d9f6c5b8-z8r3t', 0),
            ],
            promql_expr_test: [{ expr: query, eval_time: '2m', exp_samples: [{ labels: '{}', value: 21 }] }],
          },
        ],
      });
      const result = runPromtool(['test', 'rules', 'test.yaml'], dir);
      expect(result.output).toContain('SUCCESS');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }));

  test('with a memory target the ScaledObject gets a memory trigger too', () => {
    const scaled = find(objectsOf(withConfig('production', (c) => (c.web.autoscaling.targetMemoryUtilization = 80))), 'ScaledObject', 'pembayaran-web');
    expect(scaled.spec.triggers.map((t: any) => t.type)).toEqual(['cpu', 'memory', 'prometheus']);
  });

  test.each([
    ['web.autoscaling.phpFpm.prometheusAddress: is missing', (doc: any) => delete doc.web.autoscaling.phpFpm.prometheusAddress],
    ['web.autoscaling.phpFpm.enabled: is true but observability.metrics.enabled is false', (doc: any) => (doc.observability = { metrics: { enabled: false } })],
    ['web.autoscaling.phpFpm.enabled: is true but web.autoscaling.enabled is false', (doc: any) => (doc.web.autoscaling.enabled = false)],
  ])('refused: %s', (message, change) => {
    const problems = rejectionsOf('config/production.yaml', withChanges('production', change));
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringContaining(message)]);
  });
});

describe('scaling options', () => {
  test('a memory target adds a memory metric to the web HPA', () => {
    const objects = objectsOf(withConfig('production', (c) => {
      c.web.autoscaling.phpFpm.enabled = false;
      c.web.autoscaling.targetMemoryUtilization = 80;
    }));
    expect(find(objects, 'HorizontalPodAutoscaler', 'pembayaran-web').spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([
      ['cpu', 65],
      ['memory', 80],
    ]);
  });

  test('without the php-fpm trigger the web HPA scales on CPU between replicas and maxReplicas', () => {
    const config = withConfig('production', (c) => (c.web.autoscaling.phpFpm.enabled = false));
    const hpa = find(objectsOf(config), 'HorizontalPodAutoscaler', 'pembayaran-web');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'pembayaran-web' });
    expect(hpa.spec.minReplicas).toBe(config.web.replicas);
    expect(hpa.spec.maxReplicas).toBe(config.web.autoscaling.maxReplicas);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: config.web.autoscaling.targetCpuUtilization } } },
    ]);
  });

  test('without autoscaling the web Deployment has fixed replicas and no HPA', () => {
    const objects = objectsOf(withConfig('production', (c) => {
      c.web.autoscaling.enabled = false;
      c.web.autoscaling.phpFpm.enabled = false;
    }));
    expect(find(objects, 'Deployment', 'pembayaran-web').spec.replicas).toBe(3);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ScaledObject' && o.metadata.name === 'pembayaran-web')).toEqual([]);
  });

  test('the Redis prefix from config reaches the KEDA list names', () => {
    const objects = objectsOf(withConfig('production', (c) => (c.redis.prefix = 'pay_')));
    expect(find(objects, 'ScaledObject', 'pembayaran-worker-default').spec.triggers[0].metadata.listName).toBe('pay_queues:default');
  });
});

import { App, Chart } from 'cdk8s';
import { AppContext } from '../../../lib/core/app-context';
import { DisruptionBudget, SPREAD_TOPOLOGY_KEYS } from '../../../lib/core/availability';
import { find, gateFindings, K8sObject, objectsOf, podSpecOf, rejectionsOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges } from '../../helpers';
import { parseEnvironment } from '../../../lib/config/load';
import { matchesLabelSelector } from '../../../tools/k8s/selectors';

/** The most pods a Deployment can run: its replicas, or its autoscaler's maximum. */
function maxPods(objects: K8sObject[], deployment: K8sObject): number {
  const scaler = objects.find((o) => ['HorizontalPodAutoscaler', 'ScaledObject'].includes(o.kind) && o.spec.scaleTargetRef.name === deployment.metadata.name);
  return scaler ? (scaler.spec.maxReplicas ?? scaler.spec.maxReplicaCount) : (deployment.spec.replicas ?? 1);
}

function budgetsOf(objects: K8sObject[], deployment: K8sObject): K8sObject[] {
  return objects.filter((o) => o.kind === 'PodDisruptionBudget' && matchesLabelSelector(o.spec.selector, deployment.spec.template.metadata.labels));
}

describe.each(SHIPPED_ENVIRONMENTS)('disruption budgets and spreading in %s', (env) => {
  const objects = shippedObjects(env);
  const config = shippedConfig(env);
  const deployments = objects.filter((o) => o.kind === 'Deployment');

  test('every Deployment that can run more than one pod has exactly one budget, which lets a drain evict one pod at a time', () => {
    const replicated = deployments.filter((d) => maxPods(objects, d) > 1);
    expect(replicated.map((d) => d.metadata.name)).toEqual(expect.arrayContaining(['pembayaran-web']));
    for (const d of replicated) {
      const budgets = budgetsOf(objects, d);
      expect({ deployment: d.metadata.name, budgets: budgets.length }).toEqual({ deployment: d.metadata.name, budgets: 1 });
      expect(budgets[0].spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(budgets[0].spec.minAvailable).toBeUndefined();
      // A crash-looping pod serves nothing and must never hold a drain up.
      expect(budgets[0].spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }
    // A one-pod workload gets none: its budget could only block drains or allow everything.
    for (const d of deployments.filter((x) => maxPods(objects, x) === 1)) expect(budgetsOf(objects, d)).toEqual([]);
  });

  test('worker pools that run or scale to several pods, and FastAPI with more than one replica, get a budget', () => {
    for (const pool of config.workers) {
      const several = pool.replicas > 1 || (pool.autoscaling.enabled && pool.autoscaling.maxReplicas > 1);
      const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === `pembayaran-worker-${pool.name}`);
      expect({ pool: pool.name, budgets: budgets.map((b) => b.spec.maxUnavailable) }).toEqual({ pool: pool.name, budgets: several ? [pool.maxUnavailable] : [] });
    }
    const fastapi = objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'pembayaran-fastapi');
    expect(fastapi.map((b) => b.spec.maxUnavailable)).toEqual(config.fastapi.replicas > 1 ? [1] : []);
    if (config.fastapi.replicas > 1) {
      // Two replicas, at most one evicted: a drain never takes the notification path down.
      expect(fastapi[0].spec.maxUnavailable).toBeLessThan(config.fastapi.replicas);
    }
  });

  test('the scheduler never runs more than one pod, so it gets no budget: one replica, Recreate (mode work)', () => {
    // A budget only means something for a controller with several pods; for a single pod it could only
    // block a drain (maxUnavailable 0) or allow everything. An evicted scheduler finishes its tasks within its
    // grace period, and its replacement starts after it (Recreate). Cron mode: test/lib/laravel/scheduler.test.ts.
    const deployment = find(objects, 'Deployment', 'pembayaran-scheduler');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const schedulerPods = deployment.spec.template.metadata.labels;
    expect(objects.filter((o) => o.kind === 'PodDisruptionBudget' && matchesLabelSelector(o.spec.selector, schedulerPods))).toEqual([]);
  });

  test('web, worker and FastAPI pods prefer to spread over zones and nodes, per rollout', () => {
    const spread = deployments.filter((d) => /-(web|fastapi|worker-.+)$/.test(d.metadata.name));
    expect(spread.length).toBe(2 + config.workers.length);
    for (const d of spread) {
      const constraints = podSpecOf(d).topologySpreadConstraints;
      expect(constraints.map((c: any) => c.topologyKey)).toEqual([...SPREAD_TOPOLOGY_KEYS]);
      for (const c of constraints) {
        expect(c.whenUnsatisfiable).toBe('ScheduleAnyway');
        expect(c.maxSkew).toBe(1);
        expect(c.matchLabelKeys).toEqual(['pod-template-hash']);
        expect(matchesLabelSelector(c.labelSelector, d.spec.template.metadata.labels)).toBe(true);
      }
    }
  });
});

describe('disruption budget configuration', () => {
  test('a pool with one replica that autoscales still gets a budget; its maxUnavailable comes from config', () => {
    const config = parseEnvironment(
      'config/staging.yaml',
      withChanges('staging', (d) => {
        d.workers[0].autoscaling = { enabled: true, maxReplicas: 5 };
        d.workers[0].maxUnavailable = 2;
        d.fastapi.replicas = 3;
        d.fastapi.maxUnavailable = 2;
      }),
    );
    const objects = objectsOf(config);
    expect(find(objects, 'PodDisruptionBudget', 'pembayaran-worker-default').spec.maxUnavailable).toBe(2);
    expect(find(objects, 'PodDisruptionBudget', 'pembayaran-fastapi').spec.maxUnavailable).toBe(2);
    expect(gateFindings('staging', objects)).toEqual([]);
  });

  test('production refuses a budget that lets a drain evict every replica', () => {
    const text = withChanges('production', (d) => {
      d.workers[1].maxUnavailable = 2;
      d.fastapi.maxUnavailable = 5;
    });
    expect(rejectionsOf('config/production.yaml', text).map((p) => `${p.path}: ${p.message}`)).toEqual([
      'fastapi.maxUnavailable: is 5 with 2 replicas; a node drain could evict every notification replica at once: lower it below replicas',
      'workers[1].maxUnavailable: is 2 with 2 replicas; a node drain could evict the whole pool at once: lower it below replicas',
    ]);
  });

  test('a budget that allows no eviction is refused', () => {
    const chart = new Chart(new App(), 'test');
    const context = new AppContext({ namespace: 'ns', appName: 'app', environment: 'test', version: '1', podIdentity: { runAsUser: 1, runAsGroup: 1, fsGroup: 1 } });
    expect(() => new DisruptionBudget(chart, 'Budget', { context, component: 'x', maxUnavailable: 0 })).toThrow(
      'DisruptionBudget x: maxUnavailable is 0; at least 1, or no node could ever be drained',
    );
  });
});

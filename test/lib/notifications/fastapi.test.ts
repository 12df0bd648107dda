import { parseEnvironment } from '../../../lib/config/load';
import { container, find, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges, ingressBackends, rejectionsOf } from '../../helpers';

const COMPONENT = 'app.kubernetes.io/component';

describe.each(SHIPPED_ENVIRONMENTS)('FastAPI notification service of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const deployment = find(objects, 'Deployment', 'pembayaran-fastapi');
  const spec = podSpecOf(deployment);
  const uvicorn = container(spec, 'uvicorn');

  test('uvicorn serves port 8001 behind proxies, one process per container, and shuts down before the grace period ends', () => {
    expect(uvicorn.command.slice(0, 2)).toEqual(['uvicorn', config.fastapi.appModule]);
    expect(config.fastapi.appModule).toBe('main:app');
    expect(uvicorn.command).toContain('--port=8001');
    expect(uvicorn.command).toContain('--host=0.0.0.0');
    expect(uvicorn.command).toContain('--proxy-headers');
    expect(uvicorn.command).toContain(`--log-level=${config.fastapi.logLevel}`);
    expect(uvicorn.command.some((a: string) => a.startsWith('--workers'))).toBe(false);
    const graceful = uvicorn.command.find((a: string) => a.startsWith('--timeout-graceful-shutdown='));
    expect(graceful).toBe(`--timeout-graceful-shutdown=${config.fastapi.timeoutGracefulShutdown}`);
    // preStop sleep + uvicorn's graceful shutdown both fit in the grace period.
    const sleep = Number(uvicorn.lifecycle.preStop.exec.command[1]);
    expect(uvicorn.lifecycle.preStop.exec.command[0]).toBe('sleep');
    expect(sleep).toBeGreaterThan(0);
    expect(config.fastapi.timeoutGracefulShutdown).toBeLessThan(spec.terminationGracePeriodSeconds);
    expect(sleep + config.fastapi.timeoutGracefulShutdown).toBeLessThan(spec.terminationGracePeriodSeconds);
    expect(uvicorn.ports).toEqual([{ name: 'http', containerPort: 8001, protocol: 'TCP' }]);
    expect(deployment.spec.replicas).toBe(config.fastapi.replicas);
  });

  test('the ASGI application is configurable', () => {
    const custom = parseEnvironment(`config/${env}.yaml`, withChanges(env, (d) => (d.fastapi.appModule = 'notifications.api:app')));
    expect(container(podSpecOf(find(objectsOf(custom), 'Deployment', 'pembayaran-fastapi')), 'uvicorn').command[1]).toBe('notifications.api:app');
  });

  test('startup, readiness and liveness probes GET the configured health path', () => {
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect({ probe, httpGet: uvicorn[probe].httpGet }).toEqual({ probe, httpGet: { path: config.fastapi.healthPath, port: 'http' } });
    }
  });

  test('only a ClusterIP Service on 8001: no Ingress, NodePort or LoadBalancer reaches it', () => {
    const services = objects.filter((o) => o.kind === 'Service' && o.metadata.labels[COMPONENT] === 'fastapi');
    expect(services).toHaveLength(1);
    const service = services[0];
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8001, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(ingressBackends(objects)).not.toContain(service.metadata.name);
    for (const s of objects.filter((o) => o.kind === 'Service')) expect([s.metadata.name, s.spec.type]).toEqual([s.metadata.name, 'ClusterIP']);
  });
});

describe('FastAPI config', () => {
  test.each(['NodePort', 'LoadBalancer'])('fastapi.serviceType %s is rejected with the reason', (type) => {
    const problems = rejectionsOf('config/production.yaml', withChanges('production', (d) => (d.fastapi.serviceType = type)));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'fastapi.serviceType', message: expect.stringMatching(new RegExp(`is ${type}; port 8001 must stay inside the cluster.*set ClusterIP`)) }),
    );
  });

  test('ClusterIP is accepted', () => {
    expect(() => parseEnvironment('config/staging.yaml', withChanges('staging', (d) => (d.fastapi.serviceType = 'ClusterIP')))).not.toThrow();
  });
});

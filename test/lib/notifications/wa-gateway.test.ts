import { parseEnvironment } from '../../../lib/config/load';
import { matchesLabelSelector } from '../../../tools/k8s/selectors';
import { container, find, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges, ingressBackends, rejectionsOf } from '../../helpers';

const COMPONENT = 'app.kubernetes.io/component';
const WAVE = 'argocd.argoproj.io/sync-wave';

describe.each(SHIPPED_ENVIRONMENTS)('WA gateway of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const deployment = find(objects, 'Deployment', 'pembayaran-wa-gateway');
  const spec = podSpecOf(deployment);
  const gateway = container(spec, 'gateway');
  const volume = (name: string) => spec.volumes.find((v: any) => v.name === name);
  const mount = (path: string) => gateway.volumeMounts.find((m: any) => m.mountPath === path);

  test('one replica, Recreate, and no PodDisruptionBudget (one session, one process)', () => {
    expect(config.waGateway.replicas).toBe(1);
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const podLabels = deployment.spec.template.metadata.labels;
    const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget' && matchesLabelSelector(o.spec.selector, podLabels));
    expect(budgets).toEqual([]);
    expect(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler' && o.spec.scaleTargetRef.name === deployment.metadata.name)).toEqual([]);
  });

  test('sessions live on a PVC with a stable name that Argo CD never prunes or deletes, in the Deployment\'s wave', () => {
    const pvc = find(objects, 'PersistentVolumeClaim', 'pembayaran-wa-gateway-sessions');
    expect(pvc.spec.accessModes).toEqual([config.waGateway.storage.accessMode]);
    expect(config.waGateway.storage.accessMode).toBe('ReadWriteOnce');
    expect(pvc.spec.resources.requests.storage).toBe(config.waGateway.storage.size);
    expect(pvc.spec.storageClassName).toBe(config.waGateway.storage.storageClassName);
    const syncOptions = pvc.metadata.annotations['argocd.argoproj.io/sync-options'].split(',');
    expect(syncOptions).toEqual(expect.arrayContaining(['Prune=false', 'Delete=false']));
    expect(pvc.metadata.annotations[WAVE]).toBe(deployment.metadata.annotations[WAVE]);
    expect(volume('sessions')).toEqual({ name: 'sessions', persistentVolumeClaim: { claimName: pvc.metadata.name } });
    expect(mount(config.waGateway.sessionPath)).toMatchObject({ name: 'sessions' });
    expect(mount(config.waGateway.sessionPath).readOnly).toBeFalsy();
    expect(gateway.env).toContainEqual({ name: 'SESSION_DIR', value: config.waGateway.sessionPath });
  });

  test('the volume is writable by the non-root user, with a memory /dev/shm and a writable /tmp', () => {
    expect(spec.securityContext.fsGroup).toBe(config.podSecurity.fsGroup);
    expect(volume('dshm').emptyDir).toEqual({ medium: 'Memory', sizeLimit: config.waGateway.shmSize });
    expect(mount('/dev/shm')).toMatchObject({ name: 'dshm' });
    expect(volume(mount('/tmp').name).emptyDir).toBeDefined();
    expect(mount('/tmp').readOnly).toBeFalsy();
  });

  test('port 3001, retry settings and probes from the config (tcp where configured)', () => {
    expect(gateway.ports).toEqual([{ name: 'http', containerPort: 3001, protocol: 'TCP' }]);
    const retry = config.waGateway.retry;
    expect(gateway.env).toEqual(
      expect.arrayContaining([
        { name: 'PORT', value: '3001' },
        { name: 'SEND_RETRY_ATTEMPTS', value: String(retry.attempts) },
        { name: 'SEND_RETRY_BACKOFF_SECONDS', value: String(retry.backoffSeconds) },
        { name: 'SEND_RETRY_MAX_BACKOFF_SECONDS', value: String(retry.maxBackoffSeconds) },
      ]),
    );
    if (env === 'staging') expect(config.waGateway.probe.type).toBe('tcp');
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const expected =
        config.waGateway.probe.type === 'tcp'
          ? { tcpSocket: { port: 'http' }, httpGet: undefined }
          : { httpGet: { path: config.waGateway.probe.path, port: 'http' }, tcpSocket: undefined };
      expect({ probe, httpGet: gateway[probe].httpGet, tcpSocket: gateway[probe].tcpSocket }).toEqual({ probe, ...expected });
    }
  });

  test('only a ClusterIP Service on 3001: no Ingress, NodePort or LoadBalancer reaches it', () => {
    const services = objects.filter((o) => o.kind === 'Service' && o.metadata.labels[COMPONENT] === 'wa-gateway');
    expect(services).toHaveLength(1);
    expect(services[0].spec.type).toBe('ClusterIP');
    expect(services[0].spec.ports).toEqual([{ name: 'http', port: 3001, targetPort: 'http', protocol: 'TCP' }]);
    expect(services[0].spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(ingressBackends(objects)).not.toContain(services[0].metadata.name);
  });

  test('FastAPI finds the gateway through its Service', () => {
    const uvicorn = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-fastapi')), 'uvicorn');
    expect(uvicorn.env).toContainEqual({ name: 'WA_GATEWAY_URL', value: `http://pembayaran-wa-gateway.${config.namespace}.svc:3001` });
  });
});

describe('WA gateway config', () => {
  test('replicas: 2 is rejected: a WhatsApp session can be open in one process only', () => {
    const problems = rejectionsOf('config/production.yaml', withChanges('production', (d) => (d.waGateway.replicas = 2)));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'waGateway.replicas', message: expect.stringMatching(/is 2; a WhatsApp session can be open in only one process: set 1/) }),
    );
  });

  test('replicas: 0 (stopped) is accepted', () => {
    expect(() => parseEnvironment('config/staging.yaml', withChanges('staging', (d) => (d.waGateway.replicas = 0)))).not.toThrow();
  });

  test.each(['NodePort', 'LoadBalancer'])('serviceType %s is rejected with the reason', (type) => {
    const problems = rejectionsOf('config/staging.yaml', withChanges('staging', (d) => (d.waGateway.serviceType = type)));
    expect(problems).toContainEqual(
      expect.objectContaining({ path: 'waGateway.serviceType', message: expect.stringMatching(new RegExp(`is ${type}; port 3001 must stay inside the cluster.*set ClusterIP`)) }),
    );
  });
});

import { parseEnvironment } from '../../../lib/config/load';
import { matchesLabelSelector } from '../../../tools/k8s/selectors';
import { container, find, gateFindings, objectsOf, podSpecOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, withChanges, ingressBackends, rejectionsOf } from '../../helpers';

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
    expect(config.waGateway.storage.accessMode).toBe('ReadWriteOncePod');
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
  });

  test('liveness and startup never depend on the session; readiness follows the readiness config', () => {
    const check = (p: { type: string; path: string }) => (p.type === 'tcp' ? { tcpSocket: { port: 'http' } } : { httpGet: { path: p.path, port: 'http' } });
    const only = (probe: any) => ({ httpGet: probe.httpGet, tcpSocket: probe.tcpSocket });
    const { readiness, liveness } = config.waGateway.probes;
    expect(only(gateway.readinessProbe)).toEqual({ httpGet: undefined, tcpSocket: undefined, ...check(readiness) });
    expect(only(gateway.livenessProbe)).toEqual({ httpGet: undefined, tcpSocket: undefined, ...check(liveness) });
    expect(only(gateway.startupProbe)).toEqual(only(gateway.livenessProbe));
    // The default: a TCP liveness, so a logged-out session (readiness failing) is never restarted.
    expect(liveness.type).toBe('tcp');
    if (env === 'production') expect(gateway.readinessProbe.httpGet.path).toBe('/health');
    if (env === 'staging') expect(readiness.type).toBe('tcp');
  });

  test('HOME and every XDG directory lie on a writable volume, so Chromium starts on the read-only root', () => {
    expect(gateway.securityContext.readOnlyRootFilesystem).toBe(true);
    const envOf = Object.fromEntries(gateway.env.filter((e: any) => 'value' in e).map((e: any) => [e.name, e.value]));
    expect(envOf.HOME).toBe(config.waGateway.home.path);
    for (const name of ['HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME']) {
      const dir = envOf[name];
      const holding = gateway.volumeMounts.filter((m: any) => dir === m.mountPath || dir.startsWith(`${m.mountPath}/`));
      expect([name, holding.map((m: any) => [m.name, Boolean(m.readOnly), 'emptyDir' in volume(m.name)])]).toEqual([name, [['home', false, true]]]);
    }
    expect(volume('home').emptyDir).toEqual({ sizeLimit: config.waGateway.home.sizeLimit });
    expect(envOf.CHROMIUM_FLAGS.split(' ')).toEqual(config.waGateway.chromiumFlags);
    expect(envOf.CHROMIUM_FLAGS).toContain('--no-sandbox');
  });

  test('Velero backs up the session volume and skips the scratch volumes', () => {
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations['backup.velero.io/backup-volumes']).toBe('sessions');
    const excluded = annotations['backup.velero.io/backup-volumes-excludes'].split(',');
    const scratch = spec.volumes.filter((v: any) => v.emptyDir).map((v: any) => v.name);
    expect(excluded.sort()).toEqual(scratch.sort());
    expect(excluded).not.toContain('sessions');
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
  test('a liveness probe on the readiness path is refused: a logged-out session would restart in a loop', () => {
    const problems = rejectionsOf(
      'config/production.yaml',
      withChanges('production', (d) => (d.waGateway.probes = { readiness: { type: 'http', path: '/health' }, liveness: { type: 'http', path: '/health' } })),
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([expect.stringContaining('waGateway.probes.liveness.path: is /health, the readiness path; a logged-out session would fail liveness')]);
  });

  test('an HTTP liveness on its own path is accepted and used for startup too', () => {
    const config = parseEnvironment('config/production.yaml', withChanges('production', (d) => (d.waGateway.probes = { liveness: { type: 'http', path: '/health/live' } })));
    const objects = objectsOf(config);
    const gateway = container(podSpecOf(find(objects, 'Deployment', 'pembayaran-wa-gateway')), 'gateway');
    expect(gateway.livenessProbe.httpGet.path).toBe('/health/live');
    expect(gateway.startupProbe.httpGet.path).toBe('/health/live');
    expect(gateway.readinessProbe.httpGet.path).toBe('/health');
  });

  test('extra backup labels reach the PVC and the pod, not the selector; Velero annotations can be turned off', () => {
    const config = parseEnvironment(
      'config/production.yaml',
      withChanges('production', (d) => (d.waGateway.sessionBackup = { velero: false, labels: { 'backup.example.com/schedule': 'sessions' } })),
    );
    const objects = objectsOf(config);
    const deployment = find(objects, 'Deployment', 'pembayaran-wa-gateway');
    expect(find(objects, 'PersistentVolumeClaim', 'pembayaran-wa-gateway-sessions').metadata.labels['backup.example.com/schedule']).toBe('sessions');
    expect(deployment.spec.template.metadata.labels['backup.example.com/schedule']).toBe('sessions');
    expect(deployment.spec.selector.matchLabels['backup.example.com/schedule']).toBeUndefined();
    expect(deployment.spec.template.metadata.annotations?.['backup.velero.io/backup-volumes']).toBeUndefined();
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('ReadWriteOnce stays available for storage without CSI, and the gate still allows one pod only', () => {
    const config = parseEnvironment('config/production.yaml', withChanges('production', (d) => (d.waGateway.storage.accessMode = 'ReadWriteOnce')));
    const objects = objectsOf(config);
    expect(find(objects, 'PersistentVolumeClaim', 'pembayaran-wa-gateway-sessions').spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(gateFindings('production', objects)).toEqual([]);
  });

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

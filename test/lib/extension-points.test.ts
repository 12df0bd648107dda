/**
 * Extension points a platform team uses without patching the library: placement and identity knobs for
 * every workload (config and props), one call for an environment variable on every Laravel container, a
 * team workload joining the Laravel component set, and handles to the objects each construct creates.
 */
import { ApiObject, App, JsonPatch } from 'cdk8s';
import { parseEnvironment, PembayaranChart, toResourceRequirements } from 'pembayaran-k8s';
import { container, find, gateFindings, K8sObject, objectsOf, podSpecOf, podTemplateOf, shippedConfig, withChanges } from '../helpers';
import { withReverb } from '../../examples/reverb-websocket';

/** Every workload of the production environment (backups and restore check on), by object. */
const WORKLOADS: readonly [kind: string, name: string][] = [
  ['Deployment', 'pembayaran-web'],
  ['Deployment', 'pembayaran-worker-default'],
  ['Deployment', 'pembayaran-scheduler'],
  ['Job', 'pembayaran-migrate'],
  ['Deployment', 'pembayaran-fastapi'],
  ['Deployment', 'pembayaran-wa-gateway'],
  ['CronJob', 'pembayaran-backup'],
  ['CronJob', 'pembayaran-restore-check'],
  ['Deployment', 'pembayaran-queue-metrics'],
];

const SIDECAR = {
  name: 'log-shipper',
  image: 'docker.io/fluent/fluent-bit:3.2.4',
  resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } },
};

function productionWithPods(): K8sObject[] {
  const text = withChanges('production', (d) => {
    d.pods = {
      nodeSelector: { 'node.example.com/pool': 'payments' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
      imagePullSecrets: ['registry-credentials'],
      podAnnotations: { 'team.example.com/owner': 'payments' },
      podLabels: { 'team.example.com/cost-center': 'cc-42' },
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pembayaran' },
    };
    d.web.pod = {
      priorityClassName: 'payments-critical',
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }] } } },
      sidecars: [{ ...SIDECAR, readinessProbe: { httpGet: { path: '/api/v1/health', port: 2020 } }, livenessProbe: { tcpSocket: { port: 'http' } }, ports: [{ name: 'http', containerPort: 2020 }] }],
      initContainers: [{ name: 'wait-for-db', image: 'docker.io/library/busybox:1.37', command: ['true'], resources: SIDECAR.resources }],
      serviceAccountAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/pembayaran-web' },
    };
    d.backup = { ...d.backup, pod: { nodeSelector: { 'node.example.com/pool': 'batch' } } };
  });
  return objectsOf(parseEnvironment('config/production.yaml', text));
}

describe('placement and identity knobs (config: pods, <workload>.pod)', () => {
  const objects = productionWithPods();

  test.each(WORKLOADS)('%s %s gets the top-level pods settings', (kind, name) => {
    const workload = find(objects, kind, name);
    const spec = podSpecOf(workload);
    const template = podTemplateOf(workload);
    expect(spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }]);
    expect(spec.imagePullSecrets).toEqual([{ name: 'registry-credentials' }]);
    expect(template.metadata.annotations['team.example.com/owner']).toBe('payments');
    expect(template.metadata.labels['team.example.com/cost-center']).toBe('cc-42');
    // The recommended labels still win, and selectors stay as they were.
    expect(template.metadata.labels['app.kubernetes.io/name']).toBe('pembayaran');
    if (workload.spec.selector) expect(workload.spec.selector.matchLabels['team.example.com/cost-center']).toBeUndefined();
    const account = find(objects, 'ServiceAccount', spec.serviceAccountName);
    expect(account.metadata.annotations['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::123456789012:role\/pembayaran/);
  });

  test('a workload\'s own pod adds to and overrides the top-level pods', () => {
    const web = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));
    expect(web.priorityClassName).toBe('payments-critical');
    expect(web.nodeSelector).toEqual({ 'node.example.com/pool': 'payments' });
    expect(web.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('kubernetes.io/arch');
    expect(find(objects, 'ServiceAccount', 'pembayaran-web').metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::123456789012:role/pembayaran-web');
    expect(podSpecOf(find(objects, 'CronJob', 'pembayaran-backup')).nodeSelector).toEqual({ 'node.example.com/pool': 'batch' });
    expect(podSpecOf(find(objects, 'Deployment', 'pembayaran-fastapi')).priorityClassName).toBeUndefined();
  });

  test('sidecars and init containers from config render as written (quantities, named and numbered ports) and are hardened', () => {
    const web = podSpecOf(find(objects, 'Deployment', 'pembayaran-web'));
    const sidecar = container(web, 'log-shipper');
    expect(sidecar.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } });
    expect(sidecar.readinessProbe.httpGet.port).toBe(2020);
    expect(sidecar.livenessProbe.tcpSocket.port).toBe('http');
    expect(sidecar.securityContext).toEqual(expect.objectContaining({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } }));
    expect(web.initContainers.map((c: any) => c.name)).toEqual(['prepare', 'wait-for-db']);
    expect(web.initContainers[1].securityContext.runAsNonRoot).toBe(true);
  });

  test('the gate passes on the placed environment', () => {
    expect(gateFindings('production', objects)).toEqual([]);
  });

  test('a malformed knob is refused with its key path', () => {
    const text = withChanges('production', (d) => {
      d.web = d.web ?? {};
      d.web.pod = { tolerations: [{ key: 'a', effect: 'Sometimes' }], sidecars: [{ name: 'x', image: 'y:1' }], imagePulSecrets: [] };
    });
    expect(() => parseEnvironment('config/production.yaml', text)).toThrow(/web\.pod\.tolerations\[0\]\.effect: expected one of/);
    expect(() => parseEnvironment('config/production.yaml', text)).toThrow(/web\.pod\.sidecars\[0\]\.resources: is required/);
    expect(() => parseEnvironment('config/production.yaml', text)).toThrow(/web\.pod\.imagePulSecrets: unknown key; did you mean "imagePullSecrets"\?/);
  });

  test('props: pod.addPlacement adds knobs and sidecars after construction; a duplicate container name is refused', () => {
    const app = new App();
    const stack = new PembayaranChart(app, shippedConfig('production')).stack;
    stack.scheduler.pod.addPlacement({ tolerations: [{ key: 'batch', operator: 'Exists' }], sidecars: [{ name: 'helper', image: 'docker.io/library/busybox:1.37', resources: toResourceRequirements({ requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } }) }] });
    const scheduler = find((app.node.findChild('production') as any).toJson(), 'Deployment', 'pembayaran-scheduler');
    expect(podSpecOf(scheduler).tolerations).toEqual([{ key: 'batch', operator: 'Exists' }]);
    const names = podSpecOf(scheduler).containers.map((c: any) => c.name);
    expect(names.length).toBeGreaterThanOrEqual(2);
    expect(names[names.length - 1]).toBe('helper');
    expect(() => stack.scheduler.pod.addInitContainer({ name: 'helper', image: 'x:1', resources: {} })).toThrow('already has a container named helper');
  });
});

describe('addLaravelEnv: one variable on every Laravel container, init containers included', () => {
  const app = new App();
  const stack = new PembayaranChart(app, shippedConfig('production')).stack;
  stack.addLaravelEnv('FEATURE_FLAGS_URL', 'https://flags.internal.example.com');
  stack.addLaravelEnv('FLAGS_TOKEN', { secretName: 'flags', key: 'token' });
  // A pool added after the call gets them too.
  stack.addWorkerPool({ name: 'late', queues: ['late'] });
  const objects = (app.node.findChild('production') as any).toJson() as K8sObject[];
  const laravel = ['pembayaran-web', 'pembayaran-worker-default', 'pembayaran-worker-late', 'pembayaran-scheduler', 'pembayaran-migrate'];

  test.each(laravel)('%s: every container of the application image, and prepare (config:cache), has both', (name) => {
    const workload = objects.find((o) => o.metadata.name === name && ['Deployment', 'CronJob', 'Job'].includes(o.kind))!;
    const spec = podSpecOf(workload);
    const appContainers = [...spec.initContainers, ...spec.containers].filter((c: any) => c.image === stack.runtime.image);
    expect(appContainers.map((c: any) => c.name)).toContain('prepare');
    for (const c of appContainers) {
      expect(c.env).toEqual(expect.arrayContaining([
        { name: 'FEATURE_FLAGS_URL', value: 'https://flags.internal.example.com' },
        { name: 'FLAGS_TOKEN', valueFrom: { secretKeyRef: { name: 'flags', key: 'token' } } },
      ]));
    }
  });

  test('the built-in Reverb server (reverb.enabled) has both, in reverb and prepare', () => {
    const base = shippedConfig('production');
    const reverbApp = new App();
    const withReverb = new PembayaranChart(reverbApp, { ...base, reverb: { ...base.reverb, enabled: true, edge: { ...base.reverb.edge, hostnames: [base.laravel.host] } } }).stack;
    withReverb.addLaravelEnv('FEATURE_FLAGS_URL', 'https://flags.internal.example.com');
    const spec = podSpecOf(find((reverbApp.node.findChild('production') as any).toJson(), 'Deployment', 'pembayaran-reverb'));
    const appContainers = [...spec.initContainers, ...spec.containers].filter((c: any) => c.image === withReverb.runtime.image);
    expect(appContainers.map((c: any) => c.name).sort()).toEqual(['prepare', 'reverb']);
    for (const c of appContainers) expect(c.env).toContainEqual({ name: 'FEATURE_FLAGS_URL', value: 'https://flags.internal.example.com' });
  });

  test('containers of other images (nginx, FastAPI) do not get them', () => {
    expect(container(podSpecOf(find(objects, 'Deployment', 'pembayaran-web')), 'nginx').env ?? []).not.toContainEqual(expect.objectContaining({ name: 'FEATURE_FLAGS_URL' }));
    expect(JSON.stringify(find(objects, 'Deployment', 'pembayaran-fastapi'))).not.toContain('FEATURE_FLAGS_URL');
  });

  test('refuses a secret as plain text, a setting of the ConfigMap and a second value', () => {
    expect(() => stack.addLaravelEnv('STRIPE_SECRET_KEY', 'sk_live_x')).toThrow(/looks like a secret/);
    expect(() => stack.addLaravelEnv('APP_ENV', 'local')).toThrow(/one of the Laravel settings/);
    expect(() => stack.addLaravelEnv('FEATURE_FLAGS_URL', 'x')).toThrow(/already set/);
  });
});

describe('a team workload joins the Laravel component set (examples/reverb-websocket.ts)', () => {
  const app = new App();
  // Production runs the built-in Reverb (reverb.enabled); the team's own server takes its place.
  const production = shippedConfig('production');
  withReverb(app, { ...production, reverb: { ...production.reverb, enabled: false } });
  const objects = (app.node.findChild('production') as any).toJson() as K8sObject[];

  test('the Laravel egress policies select it, and it has its own ingress rule from the edge', () => {
    for (const policy of ['pembayaran-allow-laravel-to-database', 'pembayaran-allow-laravel-to-redis', 'pembayaran-allow-laravel-to-object-storage', 'pembayaran-allow-laravel-to-fastapi']) {
      expect(find(objects, 'NetworkPolicy', policy).spec.podSelector.matchExpressions[0].values).toContain('reverb');
    }
    const ingress = objects.find((o) => o.kind === 'NetworkPolicy' && /^pembayaran-allow-reverb-from-/.test(o.metadata.name))!;
    expect(ingress.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }]);
    expect(ingress.spec.ingress[0].from).toEqual(find(objects, 'NetworkPolicy', ingress.metadata.name.replace('reverb', 'web')).spec.ingress[0].from);
  });

  test('it passes the gate (own ServiceAccount, hardened, covered by policies)', () => {
    expect(gateFindings('production', objects)).toEqual([]);
  });
});

describe('handles to the objects each construct creates', () => {
  test('are public readonly members, so a patch needs no construct id', () => {
    const app = new App();
    const stack = new PembayaranChart(app, shippedConfig('production')).stack;
    const handles = [stack.web.deployment, stack.web.serviceObject, stack.web.disruptionBudget.budget, stack.web.serverConfig, stack.web.autoscaler, stack.workers[0].deployment, 'cronJob' in stack.scheduler ? stack.scheduler.cronJob : stack.scheduler.deployment, stack.migration.job, stack.notificationService.deployment, stack.waGateway.deployment, stack.waGateway.sessionClaim, stack.backup!.cronJob, stack.restoreCheck!.cronJob, stack.web.pod.serviceAccount];
    for (const handle of handles) expect(ApiObject.isApiObject(handle)).toBe(true);
    ApiObject.of(stack.web.disruptionBudget.budget).addJsonPatch(JsonPatch.replace('/spec/unhealthyPodEvictionPolicy', 'IfHealthyBudget'));
    const objects = (app.node.findChild('production') as any).toJson() as K8sObject[];
    expect(find(objects, 'PodDisruptionBudget', 'pembayaran-web').spec.unhealthyPodEvictionPolicy).toBe('IfHealthyBudget');
    expect(find(objects, 'Deployment', 'pembayaran-web').metadata.name).toBe(stack.web.deployment.name);
  });
});

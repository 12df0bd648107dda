import { POD_SECURITY_LABELS } from '../../../lib/core/namespace';
import { find, podSpecOf, podTemplateOf, shippedConfig, shippedObjects, SHIPPED_ENVIRONMENTS, WORKLOAD_KINDS } from '../../helpers';

const RECOMMENDED_LABELS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component', 'app.kubernetes.io/part-of', 'app.kubernetes.io/managed-by'];

describe.each(SHIPPED_ENVIRONMENTS)('every object of %s', (env) => {
  const config = shippedConfig(env);
  const objects = shippedObjects(env);
  const workloads = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));

  test('has an explicit name, the namespace from config (unless cluster-scoped) and the recommended labels', () => {
    for (const o of objects) {
      expect(o.metadata.name).toMatch(/^[a-z0-9-]+$/);
      if (o.kind !== 'Namespace') expect(o.metadata.namespace).toBe(config.namespace);
      for (const label of RECOMMENDED_LABELS) expect(o.metadata.labels).toHaveProperty([label]);
      expect(o.metadata.annotations['argocd.argoproj.io/sync-wave']).toMatch(/^-?\d+$/);
    }
  });

  test('every pod is restricted: non-root numeric identity, seccomp, no service account token', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(6);
    for (const workload of workloads) {
      const spec = podSpecOf(workload);
      expect(spec.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: config.podSecurity.runAsUser,
        runAsGroup: config.podSecurity.runAsGroup,
        fsGroup: config.podSecurity.fsGroup,
        fsGroupChangePolicy: 'OnRootMismatch',
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(spec.automountServiceAccountToken).toBe(false);
      expect(spec.enableServiceLinks).toBe(false);
    }
  });

  test('every container, init containers included, drops all capabilities on a read-only root and has requests and a memory limit', () => {
    for (const workload of workloads) {
      const spec = podSpecOf(workload);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          privileged: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.resources.requests.cpu).toBeDefined();
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[a-f0-9]{64})?$|@sha256:[a-f0-9]{64}$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    }
  });

  test('every workload has its own ServiceAccount with token automount off', () => {
    const accounts = workloads.map((w) => podSpecOf(w).serviceAccountName);
    expect(new Set(accounts).size).toBe(accounts.length);
    for (const name of accounts) expect(find(objects, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
  });

  test('pod templates carry the recommended labels and selectors match them', () => {
    for (const workload of workloads) {
      const labels = podTemplateOf(workload).metadata.labels;
      for (const label of RECOMMENDED_LABELS) expect(labels).toHaveProperty([label]);
      const selector = workload.spec.selector?.matchLabels;
      if (selector) expect(labels).toMatchObject(selector);
    }
  });

  test('the Namespace enforces the restricted Pod Security Standard', () => {
    const namespace = find(objects, 'Namespace', config.namespace);
    expect(namespace.metadata.labels).toMatchObject(POD_SECURITY_LABELS);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  test('no Secret object and no secret value reaches the output', () => {
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/base64:[A-Za-z0-9+/=]{20,}/);
    expect(text).not.toMatch(/PRIVATE KEY/);
  });
});

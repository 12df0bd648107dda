import type { KubeObject } from '../../../tools/k8s/manifests';
import { checkPodSecurity } from '../../../tools/validate/pod-security';
import { imageProblem } from '../../../tools/validate/production-policy';
import { hardened } from './fixtures';

const pod = (spec: any, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec });
const ok = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };

describe('image pinning', () => {
  test.each([
    ['nginx:1.25.3', undefined],
    ['registry.example.com:5000/team/app:2.0', undefined],
    ['ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', undefined],
    ['ghcr.io/org/app:1.0@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', undefined],
    ['nginx', 'has no tag'],
    ['registry.example.com:5000/team/app', 'has no tag'],
    ['nginx:latest', 'uses the latest tag'],
    ['localhost:5000/app:latest', 'uses the latest tag'],
    ['app@sha256:xyz', 'malformed digest'],
    ['', 'no image set'],
    [undefined, 'no image set'],
  ])('%s', (image, problem) => {
    const result = imageProblem(image);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toContain(problem);
  });
});

describe('pod security details', () => {
  const base = { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'a', securityContext: ok }] };

  test('a bare Pod and a hardened Pod', () => {
    expect(checkPodSecurity(pod(base))).toEqual([]);
  });

  test('container runAsNonRoot overrides the pod: false on a container fails even when the pod says true', () => {
    const spec = { ...base, containers: [{ name: 'a', securityContext: { ...ok, runAsNonRoot: false } }] };
    expect(checkPodSecurity(pod(spec)).map((i) => i.rule)).toEqual(['pss/restricted/run-as-non-root']);
  });

  test('runAsNonRoot true on every container is enough without the pod level', () => {
    const spec = { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'a', securityContext: { ...ok, runAsNonRoot: true } }] };
    expect(checkPodSecurity(pod(spec))).toEqual([]);
  });

  test('seccomp on every container is enough without the pod level; Localhost is allowed', () => {
    const spec = {
      securityContext: { runAsNonRoot: true },
      containers: [
        { name: 'a', securityContext: { ...ok, seccompProfile: { type: 'RuntimeDefault' } } },
        { name: 'b', securityContext: { ...ok, seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } },
      ],
    };
    expect(checkPodSecurity(pod(spec))).toEqual([]);
  });

  test('NET_BIND_SERVICE may be added back; other baseline capabilities may not under restricted', () => {
    const spec = { ...base, containers: [{ name: 'a', securityContext: { ...ok, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'CHOWN'] } } }] };
    expect(checkPodSecurity(pod(spec))).toEqual([
      { rule: 'pss/restricted/capabilities', message: 'spec.containers[0] "a": securityContext.capabilities.add may only contain NET_BIND_SERVICE, found CHOWN' },
    ]);
  });

  test('AppArmor via securityContext.appArmorProfile and annotations', () => {
    const spec = { ...base, securityContext: { ...base.securityContext, appArmorProfile: { type: 'Unconfined' } } };
    const issues = checkPodSecurity(pod(spec, { 'container.apparmor.security.beta.kubernetes.io/a': 'localhost/custom' }));
    expect(issues).toEqual([{ rule: 'pss/baseline/apparmor', message: 'spec.securityContext.appArmorProfile.type is "Unconfined"; allowed: RuntimeDefault, Localhost' }]);
  });

  test('SELinux user and role are forbidden, container types allowed', () => {
    const spec = { ...base, containers: [{ name: 'a', securityContext: { ...ok, seLinuxOptions: { type: 'container_init_t', user: 'system_u', role: 'r' } } }] };
    expect(checkPodSecurity(pod(spec)).map((i) => i.message)).toEqual([
      'spec.containers[0] "a": securityContext.seLinuxOptions.user must be unset',
      'spec.containers[0] "a": securityContext.seLinuxOptions.role must be unset',
    ]);
  });

  test('Windows pods are exempt from privilege escalation, seccomp and capabilities', () => {
    const spec = { os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'a' }] };
    expect(checkPodSecurity(pod(spec))).toEqual([]);
  });

  test('CronJob templates are checked at spec.jobTemplate.spec.template', () => {
    const cron: any = hardened().find((m) => m.object.kind === 'CronJob')!.object;
    cron.spec.jobTemplate.spec.template.spec.hostPID = true;
    expect(checkPodSecurity(cron)).toEqual([{ rule: 'pss/baseline/host-namespaces', message: 'spec.jobTemplate.spec.template.spec.hostPID must be unset or false' }]);
  });

  test('non-workload kinds and CRDs with a workload-like kind are not pod-checked', () => {
    expect(checkPodSecurity({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toEqual([]);
    expect(checkPodSecurity({ apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { hostNetwork: true } } } })).toEqual([]);
  });
});

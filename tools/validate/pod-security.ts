/**
 * Pod Security Standards, restricted profile (which includes baseline), latest policy version:
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * Checked on every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob),
 * for containers, initContainers and ephemeralContainers.
 */
import type { KubeObject } from '../k8s/manifests';
import { containersOf, ContainerRef, joinPath, podTemplateOf, volumesOf } from '../k8s/workloads';

export interface PodSecurityIssue {
  readonly rule: PodSecurityRule;
  readonly message: string;
}

export const POD_SECURITY_RULES = {
  'pss/baseline/host-process': 'Windows HostProcess containers have privileged access to the host (baseline: windowsOptions.hostProcess must be unset or false)',
  'pss/baseline/host-namespaces': 'sharing the host network, PID or IPC namespace breaks pod isolation (baseline: hostNetwork, hostPID, hostIPC unset or false)',
  'pss/baseline/privileged': 'privileged containers disable most security mechanisms (baseline: securityContext.privileged unset or false)',
  'pss/baseline/capabilities':
    'capabilities beyond the default set enable escalation (baseline: add only AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)',
  'pss/baseline/host-path': 'hostPath volumes give access to the node filesystem (baseline: forbidden)',
  'pss/baseline/host-ports': 'host ports bypass network policy and tie pods to nodes (baseline: hostPort unset or 0)',
  'pss/baseline/apparmor': 'the default AppArmor profile must not be overridden or disabled (baseline: RuntimeDefault/runtime/default or Localhost/localhost/* only)',
  'pss/baseline/selinux':
    'custom SELinux user/role or types other than the container types escape confinement (baseline: type "", container_t, container_init_t, container_kvm_t, container_engine_t; user and role unset)',
  'pss/baseline/proc-mount': 'an unmasked /proc exposes host kernel information (baseline: procMount unset or Default)',
  'pss/baseline/seccomp': 'the seccomp profile must not be disabled (baseline: seccompProfile.type must not be Unconfined)',
  'pss/baseline/sysctls': 'only namespaced, isolated ("safe") sysctls may be set (baseline)',
  'pss/baseline/host-probes': 'probes and lifecycle hooks must not target another host (baseline since v1.34: httpGet.host/tcpSocket.host unset or "")',
  'pss/restricted/volume-types':
    'only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes are allowed (restricted)',
  'pss/restricted/privilege-escalation': 'processes must not gain more privileges than their parent (restricted: allowPrivilegeEscalation: false on every container)',
  'pss/restricted/run-as-non-root': 'containers must run as a non-root user (restricted: runAsNonRoot: true on the pod, or on every container)',
  'pss/restricted/run-as-user': 'containers must not run as UID 0 (restricted: runAsUser must not be 0)',
  'pss/restricted/seccomp': 'a seccomp profile must be applied (restricted: seccompProfile.type RuntimeDefault or Localhost on the pod or on every container)',
  'pss/restricted/capabilities': 'containers must drop ALL capabilities and may add back only NET_BIND_SERVICE (restricted)',
} as const;

export type PodSecurityRule = keyof typeof POD_SECURITY_RULES;

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUMES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_OK = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

/** All Pod Security Standards (restricted, including baseline) violations of one object's pod template. */
export function checkPodSecurity(object: KubeObject): PodSecurityIssue[] {
  const template = podTemplateOf(object);
  if (!template) return [];
  const issues: PodSecurityIssue[] = [];
  const add = (rule: PodSecurityRule, message: string) => issues.push({ rule, message });
  const spec = template.spec ?? {};
  const podSc = spec.securityContext ?? {};
  const specPath = joinPath(template.path, 'spec');
  const podScPath = `${specPath}.securityContext`;
  const containers = containersOf(template);
  const windows = spec.os?.name === 'windows';

  // --- baseline
  if (podSc.windowsOptions?.hostProcess === true) add('pss/baseline/host-process', `${podScPath}.windowsOptions.hostProcess must be unset or false`);
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (spec[field] === true) add('pss/baseline/host-namespaces', `${specPath}.${field} must be unset or false`);
  }
  checkSeLinux(podSc.seLinuxOptions, podScPath, add);
  checkAppArmorProfile(podSc.appArmorProfile, podScPath, add);
  for (const [key, value] of Object.entries(template.metadata.annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== 'runtime/default' && !String(value).startsWith('localhost/')) {
      add('pss/baseline/apparmor', `${joinPath(template.path, 'metadata')}.annotations["${key}"] is "${value}"; allowed: runtime/default or localhost/<profile>`);
    }
  }
  if (podSc.seccompProfile?.type === 'Unconfined') add('pss/baseline/seccomp', `${podScPath}.seccompProfile.type must not be Unconfined`);
  for (const [i, sysctl] of (Array.isArray(podSc.sysctls) ? podSc.sysctls : []).entries()) {
    if (!SAFE_SYSCTLS.has(sysctl?.name)) add('pss/baseline/sysctls', `${podScPath}.sysctls[${i}]: sysctl "${sysctl?.name}" is not in the safe set`);
  }
  for (const v of volumesOf(template)) {
    if (v.sources.includes('hostPath')) add('pss/baseline/host-path', `${v.label}: hostPath volumes are forbidden`);
    const bad = v.sources.filter((s) => !RESTRICTED_VOLUMES.has(s) && s !== 'hostPath');
    if (bad.length) add('pss/restricted/volume-types', `${v.label}: volume type ${bad.join(', ')} is not allowed (use ${[...RESTRICTED_VOLUMES].join(', ')})`);
  }
  for (const c of containers) checkContainerBaseline(c, add);

  // --- restricted
  const podNonRoot = podSc.runAsNonRoot;
  if (podNonRoot === false) add('pss/restricted/run-as-non-root', `${podScPath}.runAsNonRoot must not be false`);
  if (podSc.runAsUser === 0) add('pss/restricted/run-as-user', `${podScPath}.runAsUser must not be 0`);
  const podSeccompOk = SECCOMP_OK.has(podSc.seccompProfile?.type);
  for (const c of containers) {
    const sc = c.container.securityContext ?? {};
    const at = `${c.label}: securityContext`;
    if (!windows && sc.allowPrivilegeEscalation !== false) add('pss/restricted/privilege-escalation', `${at}.allowPrivilegeEscalation must be false`);
    if (sc.runAsNonRoot === false) add('pss/restricted/run-as-non-root', `${at}.runAsNonRoot must not be false`);
    else if (sc.runAsNonRoot !== true && podNonRoot !== true) {
      add('pss/restricted/run-as-non-root', `${at}.runAsNonRoot must be true (or set ${podScPath}.runAsNonRoot: true)`);
    }
    if (sc.runAsUser === 0) add('pss/restricted/run-as-user', `${at}.runAsUser must not be 0`);
    if (!windows) {
      const type = sc.seccompProfile?.type;
      if (type === undefined || type === null) {
        if (!podSeccompOk) add('pss/restricted/seccomp', `${at}.seccompProfile.type must be RuntimeDefault or Localhost (or set it on ${podScPath})`);
      } else if (!SECCOMP_OK.has(type) && type !== 'Unconfined') {
        add('pss/restricted/seccomp', `${at}.seccompProfile.type is "${type}"; must be RuntimeDefault or Localhost`);
      }
      const caps = sc.capabilities ?? {};
      const drop: unknown[] = Array.isArray(caps.drop) ? caps.drop : [];
      if (!drop.includes('ALL')) add('pss/restricted/capabilities', `${at}.capabilities.drop must include "ALL"`);
      const extra = (Array.isArray(caps.add) ? caps.add : []).filter((cap: string) => cap !== 'NET_BIND_SERVICE' && BASELINE_CAPABILITIES.has(cap));
      if (extra.length) add('pss/restricted/capabilities', `${at}.capabilities.add may only contain NET_BIND_SERVICE, found ${extra.join(', ')}`);
    }
  }
  return issues;
}

type Add = (rule: PodSecurityRule, message: string) => void;

function checkContainerBaseline(c: ContainerRef, add: Add): void {
  const sc = c.container.securityContext ?? {};
  const at = `${c.label}: securityContext`;
  if (sc.windowsOptions?.hostProcess === true) add('pss/baseline/host-process', `${at}.windowsOptions.hostProcess must be unset or false`);
  if (sc.privileged === true) add('pss/baseline/privileged', `${at}.privileged must be unset or false`);
  const dangerous = (Array.isArray(sc.capabilities?.add) ? sc.capabilities.add : []).filter((cap: string) => !BASELINE_CAPABILITIES.has(cap));
  if (dangerous.length) add('pss/baseline/capabilities', `${at}.capabilities.add contains ${dangerous.join(', ')}, outside the baseline set`);
  if (sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default') {
    add('pss/baseline/proc-mount', `${at}.procMount is "${sc.procMount}"; must be unset or Default`);
  }
  if (sc.seccompProfile?.type === 'Unconfined') add('pss/baseline/seccomp', `${at}.seccompProfile.type must not be Unconfined`);
  checkSeLinux(sc.seLinuxOptions, `${c.label}: securityContext`, add);
  checkAppArmorProfile(sc.appArmorProfile, `${c.label}: securityContext`, add);
  (Array.isArray(c.container.ports) ? c.container.ports : []).forEach((port: any, i: number) => {
    if (port?.hostPort !== undefined && port?.hostPort !== null && port.hostPort !== 0) {
      add('pss/baseline/host-ports', `${c.label}: ports[${i}].hostPort is ${port.hostPort}; must be unset or 0`);
    }
  });
  const handlers: [string, any][] = [
    ['livenessProbe', c.container.livenessProbe],
    ['readinessProbe', c.container.readinessProbe],
    ['startupProbe', c.container.startupProbe],
    ['lifecycle.postStart', c.container.lifecycle?.postStart],
    ['lifecycle.preStop', c.container.lifecycle?.preStop],
  ];
  for (const [where, handler] of handlers) {
    for (const action of ['httpGet', 'tcpSocket']) {
      const host = handler?.[action]?.host;
      if (host !== undefined && host !== null && host !== '') add('pss/baseline/host-probes', `${c.label}: ${where}.${action}.host is "${host}"; must be unset`);
    }
  }
}

function checkSeLinux(options: any, at: string, add: Add): void {
  if (!options) return;
  if (options.type !== undefined && options.type !== null && !SELINUX_TYPES.has(options.type)) {
    add('pss/baseline/selinux', `${at}.seLinuxOptions.type is "${options.type}"; allowed: container_t, container_init_t, container_kvm_t, container_engine_t`);
  }
  for (const field of ['user', 'role']) {
    if (options[field] !== undefined && options[field] !== null && options[field] !== '') add('pss/baseline/selinux', `${at}.seLinuxOptions.${field} must be unset`);
  }
}

function checkAppArmorProfile(profile: any, at: string, add: Add): void {
  if (profile?.type !== undefined && profile?.type !== null && !APPARMOR_OK.has(profile.type)) {
    add('pss/baseline/apparmor', `${at}.appArmorProfile.type is "${profile.type}"; allowed: RuntimeDefault, Localhost`);
  }
}

import { Container, PodSecurityContext, PodSpec, SecurityContext, Volume } from '../../imports/k8s';
import { PodIdentity } from './app-context';

/**
 * The one place that hardens pods: every workload builds its pod spec through `hardenedPodSpec`, which
 * applies the Pod Security Standards `restricted` profile to the pod and to every container, init
 * containers included, and turns off the service account token and service-link variables.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function restrictedPodSecurityContext(identity: PodIdentity): PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: identity.runAsUser,
    runAsGroup: identity.runAsGroup,
    fsGroup: identity.fsGroup,
    // Only chown volumes whose root is not already owned by fsGroup: fast restarts on large PVCs.
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedContainerSecurityContext(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A container whose resources are mandatory: every container needs requests and a memory limit. */
export type ContainerSpec = Container & Required<Pick<Container, 'resources'>>;

export interface HardenedPodSpecProps {
  readonly identity: PodIdentity;
  /** The workload's own ServiceAccount. */
  readonly serviceAccountName: string;
  readonly containers: readonly ContainerSpec[];
  readonly initContainers?: readonly ContainerSpec[];
  readonly volumes?: readonly Volume[];
  /** Everything else of the pod spec (grace period, restart policy, affinity, topology spread). */
  readonly extra?: Omit<PodSpec, 'containers' | 'initContainers' | 'volumes' | 'securityContext' | 'serviceAccountName'>;
}

export function hardenedPodSpec(props: HardenedPodSpecProps): PodSpec {
  const harden = (c: ContainerSpec): Container => ({
    ...c,
    // The restricted fields win over anything a container asks for.
    securityContext: { ...c.securityContext, ...restrictedContainerSecurityContext() },
  });
  return {
    serviceAccountName: props.serviceAccountName,
    automountServiceAccountToken: false,
    // Service-link variables (FOO_SERVICE_HOST...) can shadow app settings such as REDIS_PORT.
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(props.identity),
    ...props.extra,
    ...(props.initContainers?.length ? { initContainers: props.initContainers.map(harden) } : {}),
    containers: props.containers.map(harden),
    ...(props.volumes?.length ? { volumes: [...props.volumes] } : {}),
  };
}

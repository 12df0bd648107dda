/**
 * The project's production policy. Rules that relate objects to each other (ServiceAccounts,
 * NetworkPolicies, Services behind Ingresses, PVC mounts, autoscalers) look only within one *set*:
 * the objects of one folder (e.g. dist/production), then one namespace, because every environment is
 * rendered into its own folder and may reuse names and namespaces of another environment.
 */
import * as path from 'path';
import type { KubeObject, Manifest } from '../k8s/manifests';
import { matchesLabelSelector } from '../k8s/selectors';
import { containersOf, isWorkload, joinPath, LONG_RUNNING_KINDS, podTemplateOf, PodTemplate, volumesOf } from '../k8s/workloads';

export const RECOMMENDED_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
] as const;

/** Ports of internal endpoints (admin / debug) that must never be reachable from outside the cluster. */
export const INTERNAL_PORTS: readonly number[] = [8001, 3001];

export const PRODUCTION_POLICY_RULES = {
  'policy/probes':
    'long-running containers (main containers of Deployment, StatefulSet, DaemonSet, ReplicaSet; not init containers, Jobs or CronJobs) need a liveness probe so hung ones are restarted, and a readiness probe when a Service selects their pods, so traffic only reaches ready pods',
  'policy/resources':
    'every container, init containers included, needs CPU and memory requests (scheduling) and a memory limit (a leak must not take the node down)',
  'policy/image-pinned': 'images must be pinned by a tag other than latest, or by digest, so a rollout is reproducible and reviewable',
  'policy/no-secret-data':
    'Secret objects must not carry data or stringData: the manifests are committed to git; secret values come from ExternalSecret/SealedSecret',
  'policy/no-exposed-internal-ports':
    `no NodePort/LoadBalancer Service (traffic enters through the edge only) and no Ingress backend or HTTPRoute backendRef whose Service port or targetPort is an internal port (${INTERNAL_PORTS.join(', ')})`,
  'policy/route-timeout':
    "every HTTPRoute rule that forwards to a backend sets timeouts.request; otherwise the implementation's default applies (15 s in Envoy Gateway), shorter than the web tier's own timeouts, and long requests fail at the edge",
  'policy/route-https-only':
    'an HTTPRoute that forwards to a backend attaches to no plain-HTTP listener of a Gateway among the checked objects; the application is served over HTTPS, HTTP listeners only redirect',
  'policy/edge-policy-target':
    'an Envoy Gateway policy (BackendTrafficPolicy, SecurityPolicy, ClientTrafficPolicy) targets a route or Gateway among the checked objects in its namespace; a policy targeting nothing silently leaves its rate limit, timeout or allow list off',
  'policy/allow-list-default-deny':
    'a SecurityPolicy authorization whose rules only allow must deny by default (defaultAction Deny, the default); with defaultAction Allow the allow list lets everyone in',
  'policy/service-account':
    'every workload runs as its own ServiceAccount (set, not "default", present among the checked objects, not shared with another workload) with automountServiceAccountToken: false on the pod spec or the ServiceAccount, so API credentials are least-privilege and opt-in',
  'policy/network-policy-coverage': 'every pod template must be selected by at least one NetworkPolicy in its namespace, otherwise its pods accept traffic from anywhere',
  'policy/recommended-labels': `every object, including Namespaces, cluster-scoped objects and Argo CD objects, and every pod template carries the recommended labels (${RECOMMENDED_LABELS.join(', ')}) for ownership, selection and cost reporting`,
  'policy/unique-objects':
    'no two objects of one API group, kind, namespace and name among the objects of one folder: applied together, the second silently replaces the first (two PrometheusRules named alike lose one set of alerts)',
  'policy/pvc-single-writer':
    'a PersistentVolumeClaim is mounted by at most one workload, and a workload mounting a ReadWriteOnce claim runs at most one pod (replicas, autoscaler maximum, DaemonSet, Job parallelism, Deployment surge) to avoid Multi-Attach errors and stuck rollouts',
  'policy/disruption-budget':
    'a Deployment or StatefulSet that can run more than one pod (replicas, or its autoscaler\'s maximum) is selected by a PodDisruptionBudget in its namespace, so a node drain never evicts all its pods at once; and no PodDisruptionBudget allows zero evictions (maxUnavailable 0, or minAvailable at or above the replicas), which would block every drain',
  'policy/graceful-stop':
    "a container's preStop hook that starts by sleeping (the endpoint drain) sleeps less than the pod's terminationGracePeriodSeconds (default 30): the grace period counts from the hook's start, so otherwise the kubelet kills the server before it has stopped gracefully and cuts the requests it holds",
} as const;

export type ProductionPolicyRule = keyof typeof PRODUCTION_POLICY_RULES;

export interface PolicyIssue {
  readonly manifest: Manifest;
  readonly rule: ProductionPolicyRule;
  readonly message: string;
  /** The offending value, when there is one (an image reference). */
  readonly value?: string;
}

interface Workload {
  readonly manifest: Manifest;
  readonly object: KubeObject;
  readonly template: PodTemplate;
  readonly namespace: string;
  readonly id: string;
}

/** Policy violations of all manifests; cross-object rules are evaluated per folder and namespace. */
export function checkProductionPolicy(manifests: readonly Manifest[]): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const sets = new Map<string, Manifest[]>();
  for (const m of manifests) {
    if (!isObject(m.object)) continue;
    const key = path.dirname(m.file);
    const list = sets.get(key);
    if (list) list.push(m);
    else sets.set(key, [m]);
  }
  for (const set of sets.values()) checkSet(set, issues);
  return issues;
}

function isObject(v: unknown): v is KubeObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const nsOf = (o: KubeObject): string => (typeof o.metadata?.namespace === 'string' ? o.metadata.namespace : '');
const nameOf = (o: KubeObject): string => (typeof o.metadata?.name === 'string' ? o.metadata.name : '<unnamed>');
const showNs = (ns: string): string => (ns ? `namespace "${ns}"` : 'the unset namespace');
const is = (o: KubeObject, apiVersion: string, kind: string): boolean => o.apiVersion === apiVersion && o.kind === kind;

function checkSet(set: readonly Manifest[], issues: PolicyIssue[]): void {
  const add = (manifest: Manifest, rule: ProductionPolicyRule, message: string, value?: string) => issues.push({ manifest, rule, message, ...(value !== undefined ? { value } : {}) });
  const workloads: Workload[] = [];
  for (const manifest of set) {
    const object = manifest.object;
    const template = isWorkload(object) ? podTemplateOf(object) : undefined;
    if (template) workloads.push({ manifest, object, template, namespace: nsOf(object), id: `${object.kind}/${nameOf(object)}` });
  }
  const find = (apiVersion: string, kind: string, namespace: string, name: string) =>
    set.find((m) => is(m.object, apiVersion, kind) && nsOf(m.object) === namespace && m.object.metadata?.name === name);

  for (const manifest of set) {
    checkLabels(manifest, add);
    const o = manifest.object;
    if (is(o, 'v1', 'Secret')) {
      const fields = ['data', 'stringData'].filter((f) => o[f] && typeof o[f] === 'object' && Object.keys(o[f]).length > 0);
      if (fields.length) add(manifest, 'policy/no-secret-data', `Secret carries ${fields.join(' and ')} (keys: ${fields.flatMap((f) => Object.keys(o[f])).join(', ')}); deliver it with an ExternalSecret instead`);
    }
    if (is(o, 'v1', 'Service')) checkServiceExposure(manifest, add);
    if (is(o, 'networking.k8s.io/v1', 'Ingress')) checkIngress(manifest, workloads, find, add);
    if (is(o, 'gateway.networking.k8s.io/v1', 'HTTPRoute')) checkHttpRoute(manifest, workloads, set, find, add);
    if (o.apiVersion === 'gateway.envoyproxy.io/v1alpha1' && ENVOY_POLICY_KINDS.includes(o.kind)) checkEdgePolicy(manifest, set, add);
  }

  checkUnique(set, add);

  const networkPolicies = set.filter((m) => is(m.object, 'networking.k8s.io/v1', 'NetworkPolicy'));
  const saUsers = new Map<string, Workload[]>();
  const claimUsers = new Map<string, Workload[]>();
  const services = set.filter((m) => is(m.object, 'v1', 'Service'));
  for (const w of workloads) {
    const labels = w.template.metadata.labels ?? {};
    const served = services.some((s) => nsOf(s.object) === w.namespace && isObject(s.object.spec?.selector) && Object.keys(s.object.spec.selector).length > 0 && safeMatch({ matchLabels: s.object.spec.selector }, labels));
    checkContainers(w, served, add);
    // --- service account
    const spec = w.template.spec;
    const specPath = joinPath(w.template.path, 'spec');
    const sa = spec.serviceAccountName ?? spec.serviceAccount;
    if (typeof sa !== 'string' || sa === '') {
      add(w.manifest, 'policy/service-account', `${specPath}.serviceAccountName is not set: pods would run as the namespace's "default" ServiceAccount`);
    } else if (sa === 'default') {
      add(w.manifest, 'policy/service-account', `${specPath}.serviceAccountName is "default"; give the workload its own ServiceAccount`);
    } else {
      const key = `${w.namespace}\0${sa}`;
      saUsers.set(key, [...(saUsers.get(key) ?? []), w]);
      const account = find('v1', 'ServiceAccount', w.namespace, sa);
      if (!account) add(w.manifest, 'policy/service-account', `ServiceAccount "${sa}" is not among the checked objects in ${showNs(w.namespace)}`);
      if (spec.automountServiceAccountToken === true) {
        add(w.manifest, 'policy/service-account', `${specPath}.automountServiceAccountToken is true; must be false`);
      } else if (spec.automountServiceAccountToken !== false && account && account.object.automountServiceAccountToken !== false) {
        add(w.manifest, 'policy/service-account', `automountServiceAccountToken is false neither on ${specPath} nor on ServiceAccount "${sa}"`);
      } else if (spec.automountServiceAccountToken !== false && !account) {
        add(w.manifest, 'policy/service-account', `${specPath}.automountServiceAccountToken must be false (ServiceAccount "${sa}" not found to check it there)`);
      }
    }
    // --- network policy coverage
    const covered = networkPolicies.some((np) => nsOf(np.object) === w.namespace && safeMatch(np.object.spec?.podSelector, labels));
    if (!covered) {
      add(w.manifest, 'policy/network-policy-coverage', `pod template (labels ${JSON.stringify(labels)}) is not selected by any NetworkPolicy in ${showNs(w.namespace)}`);
    }
    // --- claims
    for (const claim of new Set(volumesOf(w.template).map((v) => v.volume.persistentVolumeClaim?.claimName).filter((c): c is string => typeof c === 'string'))) {
      const key = `${w.namespace}\0${claim}`;
      claimUsers.set(key, [...(claimUsers.get(key) ?? []), w]);
    }
  }
  checkDisruptionBudgets(set, workloads, add);
  for (const users of saUsers.values()) {
    if (users.length < 2) continue;
    for (const w of users) {
      const others = users.filter((u) => u !== w).map((u) => u.id);
      const sa = w.template.spec.serviceAccountName ?? w.template.spec.serviceAccount;
      add(w.manifest, 'policy/service-account', `ServiceAccount "${sa}" is shared with ${others.join(', ')}; each workload needs its own`);
    }
  }
  for (const [key, users] of claimUsers) {
    const [namespace, claim] = key.split('\0');
    if (users.length > 1) {
      for (const w of users) {
        const others = users.filter((u) => u !== w).map((u) => u.id);
        add(w.manifest, 'policy/pvc-single-writer', `PersistentVolumeClaim "${claim}" is also mounted by ${others.join(', ')}; a claim belongs to one workload`);
      }
    }
    const pvc = find('v1', 'PersistentVolumeClaim', namespace, claim);
    const modes: unknown[] = Array.isArray(pvc?.object.spec?.accessModes) ? pvc!.object.spec.accessModes : [];
    const rwo = modes.find((m) => m === 'ReadWriteOnce' || m === 'ReadWriteOncePod');
    if (!rwo) continue;
    for (const w of users) {
      const pods = maxPods(w, set);
      if (pods.count > 1) {
        add(w.manifest, 'policy/pvc-single-writer', `mounts ${rwo} PersistentVolumeClaim "${claim}" but may run ${pods.why}; at most 1 pod may mount it`);
      } else if (w.object.kind === 'Deployment' && surges(w.object)) {
        add(w.manifest, 'policy/pvc-single-writer', `mounts ${rwo} PersistentVolumeClaim "${claim}" with a surging RollingUpdate: the new pod cannot attach the volume while the old one runs; use strategy.type Recreate`);
      }
    }
  }
}

/** One object per API group, kind, namespace and name: the version does not count (v1 and v2 of a kind are one object). */
function checkUnique(set: readonly Manifest[], add: Add): void {
  const owners = new Map<string, Manifest>();
  for (const manifest of set) {
    const o = manifest.object;
    if (typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string' || typeof o.apiVersion !== 'string') continue;
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    const key = `${group}\0${o.kind}\0${nsOf(o)}\0${o.metadata.name}`;
    const first = owners.get(key);
    if (!first) owners.set(key, manifest);
    else add(manifest, 'policy/unique-objects', `${o.kind} "${o.metadata.name}" in ${showNs(nsOf(o))} is defined twice (also in ${first.file}); the second would replace the first`, o.metadata.name);
  }
}

function safeMatch(selector: any, labels: Record<string, string>): boolean {
  try {
    return matchesLabelSelector(selector, labels);
  } catch {
    return false;
  }
}

type Add = (manifest: Manifest, rule: ProductionPolicyRule, message: string, value?: string) => void;

function checkLabels(manifest: Manifest, add: Add): void {
  const o = manifest.object;
  const missing = (labels: unknown) =>
    RECOMMENDED_LABELS.filter((l) => {
      const v = isObject(labels) ? (labels as Record<string, unknown>)[l] : undefined;
      return typeof v !== 'string' || v === '';
    });
  const onObject = missing(o.metadata?.labels);
  if (onObject.length) add(manifest, 'policy/recommended-labels', `metadata.labels is missing ${onObject.join(', ')}`);
  const template = podTemplateOf(o);
  if (template && template.path) {
    const onTemplate = missing(template.metadata.labels);
    if (onTemplate.length) add(manifest, 'policy/recommended-labels', `${template.path}.metadata.labels is missing ${onTemplate.join(', ')}`);
  }
}

/** `served`: a Service selects the workload's pods, so readiness decides who gets traffic. */
function checkContainers(w: Workload, served: boolean, add: Add): void {
  const probed = LONG_RUNNING_KINDS.has(w.object.kind);
  const grace = typeof w.template.spec.terminationGracePeriodSeconds === 'number' ? w.template.spec.terminationGracePeriodSeconds : 30;
  for (const c of containersOf(w.template)) {
    const ctr = c.container;
    const drain = preStopSleepSeconds(ctr);
    if (drain !== undefined && drain >= grace) {
      add(w.manifest, 'policy/graceful-stop', `${c.label}: its preStop hook sleeps ${drain} s, but terminationGracePeriodSeconds is ${grace}: the process would be killed before it stops gracefully; raise the grace period above the drain plus the longest request`);
    }
    if (probed && c.list === 'containers') {
      const missing = [...(served ? ['readinessProbe'] : []), 'livenessProbe'].filter((p) => !ctr[p]);
      if (missing.length) add(w.manifest, 'policy/probes', `${c.label}: missing ${missing.join(' and ')}`);
    }
    if (c.list !== 'ephemeralContainers') {
      const missing = [
        ['requests', 'cpu'],
        ['requests', 'memory'],
        ['limits', 'memory'],
      ]
        .filter(([group, res]) => ctr.resources?.[group]?.[res] === undefined || ctr.resources?.[group]?.[res] === null || ctr.resources?.[group]?.[res] === '')
        .map(([group, res]) => `resources.${group}.${res}`);
      if (missing.length) add(w.manifest, 'policy/resources', `${c.label}: missing ${missing.join(', ')}`);
    }
    const problem = imageProblem(ctr.image);
    if (problem) add(w.manifest, 'policy/image-pinned', `${c.label}: ${problem}`, typeof ctr.image === 'string' ? ctr.image : undefined);
  }
}

/** Seconds a preStop exec hook sleeps before anything else (`sleep N; ...` as its script or command), if it does. */
function preStopSleepSeconds(container: any): number | undefined {
  const command = container?.lifecycle?.preStop?.exec?.command;
  if (!Array.isArray(command) || command.length === 0) return undefined;
  const script = command[0] === 'sleep' ? command.join(' ') : String(command[command.length - 1]);
  const match = /^\s*sleep\s+(\d+)\b/.exec(script);
  return match ? Number(match[1]) : undefined;
}

/** Why an image reference is not pinned, or undefined when it is (tag other than latest, or digest). */
export function imageProblem(image: unknown): string | undefined {
  if (typeof image !== 'string' || image.trim() === '') return 'no image set';
  if (/@[A-Za-z][A-Za-z0-9]*(?:[+._-][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(image)) return undefined;
  if (image.includes('@')) return `image "${image}" has a malformed digest`;
  const lastPart = image.slice(image.lastIndexOf('/') + 1); // a registry port (host:5000/img) sits before the last slash
  const colon = lastPart.lastIndexOf(':');
  if (colon < 0) return `image "${image}" has no tag (implicitly latest); pin a version tag or digest`;
  const tag = lastPart.slice(colon + 1);
  if (tag === '') return `image "${image}" has an empty tag`;
  if (tag.toLowerCase() === 'latest') return `image "${image}" uses the latest tag; pin a version tag or digest`;
  return undefined;
}

function checkServiceExposure(manifest: Manifest, add: Add): void {
  const spec = manifest.object.spec ?? {};
  if (spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') return;
  add(manifest, 'policy/no-exposed-internal-ports', `Service type ${spec.type} exposes pods outside the cluster; use ClusterIP behind the Ingress`);
  (Array.isArray(spec.ports) ? spec.ports : []).forEach((p: any, i: number) => {
    const hits = [p?.port, p?.targetPort].filter((v) => INTERNAL_PORTS.includes(v));
    if (hits.length) add(manifest, 'policy/no-exposed-internal-ports', `spec.ports[${i}] exposes internal port ${hits[0]} through a ${spec.type} Service`);
  });
}

type Find = (apiVersion: string, kind: string, namespace: string, name: string) => Manifest | undefined;

/** A reference from an edge object to a Service port, by number or by name. */
interface ServiceBackend {
  readonly where: string;
  readonly name: string;
  readonly port: { readonly number?: number; readonly name?: string };
}

function checkIngress(manifest: Manifest, workloads: readonly Workload[], find: Find, add: Add): void {
  const spec = manifest.object.spec ?? {};
  const backends: ServiceBackend[] = [];
  const push = (where: string, backend: any) => {
    if (backend?.service) backends.push({ where, name: backend.service.name, port: backend.service.port ?? {} });
  };
  if (spec.defaultBackend) push('spec.defaultBackend', spec.defaultBackend);
  (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule: any, i: number) =>
    (Array.isArray(rule?.http?.paths) ? rule.http.paths : []).forEach((p: any, j: number) => push(`spec.rules[${i}].http.paths[${j}].backend`, p?.backend)),
  );
  checkServiceBackends(manifest, backends, workloads, find, add);
}

/** The Envoy Gateway policy kinds whose targetRefs must name something (gateway.envoyproxy.io/v1alpha1). */
const ENVOY_POLICY_KINDS = ['BackendTrafficPolicy', 'SecurityPolicy', 'ClientTrafficPolicy'];
const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

function checkHttpRoute(manifest: Manifest, workloads: readonly Workload[], set: readonly Manifest[], find: Find, add: Add): void {
  const route = manifest.object;
  const spec = route.spec ?? {};
  const rules: any[] = Array.isArray(spec.rules) ? spec.rules : [];
  const backends: ServiceBackend[] = [];
  rules.forEach((rule, i) => {
    const refs: any[] = Array.isArray(rule?.backendRefs) ? rule.backendRefs : [];
    refs.forEach((ref, j) => {
      // Only core Services; other backend kinds (e.g. Envoy Gateway's Backend) name no Service port.
      if ((ref?.group ?? '') === '' && (ref?.kind ?? 'Service') === 'Service' && (ref?.namespace ?? nsOf(route)) === nsOf(route)) {
        backends.push({ where: `spec.rules[${i}].backendRefs[${j}]`, name: ref.name, port: { number: ref.port } });
      }
    });
    if (refs.length > 0 && (typeof rule?.timeouts?.request !== 'string' || rule.timeouts.request === '')) {
      add(manifest, 'policy/route-timeout', `spec.rules[${i}] forwards to backends without timeouts.request; the implementation's default applies (Envoy Gateway: 15 s): set it longer than the web tier's timeouts`);
    }
  });
  checkServiceBackends(manifest, backends, workloads, find, add);

  if (!rules.some((rule) => Array.isArray(rule?.backendRefs) && rule.backendRefs.length > 0)) return;
  (Array.isArray(spec.parentRefs) ? spec.parentRefs : []).forEach((parent: any, i: number) => {
    if ((parent?.group ?? GATEWAY_API_GROUP) !== GATEWAY_API_GROUP || (parent?.kind ?? 'Gateway') !== 'Gateway') return;
    const gateway = findGroupKind(set, GATEWAY_API_GROUP, 'Gateway', parent.namespace ?? nsOf(route), parent.name);
    if (!gateway) return; // a Gateway owned elsewhere: its listeners are not ours to check
    const listeners: any[] = Array.isArray(gateway.object.spec?.listeners) ? gateway.object.spec.listeners : [];
    const attached = parent.sectionName === undefined ? listeners : listeners.filter((l) => l?.name === parent.sectionName);
    const plain = attached.find((l) => l?.protocol === 'HTTP');
    if (plain) {
      add(manifest, 'policy/route-https-only', `spec.parentRefs[${i}] attaches to plain-HTTP listener "${plain.name}" of Gateway "${parent.name}" while its rules forward to backends; attach them to HTTPS listeners and only redirect on HTTP`);
    }
  });
}

function checkEdgePolicy(manifest: Manifest, set: readonly Manifest[], add: Add): void {
  const policy = manifest.object;
  const spec = policy.spec ?? {};
  const refs: [string, any][] = [
    ...(spec.targetRef ? ([['spec.targetRef', spec.targetRef]] as [string, any][]) : []),
    ...(Array.isArray(spec.targetRefs) ? spec.targetRefs.map((r: any, i: number) => [`spec.targetRefs[${i}]`, r] as [string, any]) : []),
  ];
  for (const [where, ref] of refs) {
    // Policy attachment is local: the target is in the policy's own namespace.
    if (!findGroupKind(set, String(ref?.group ?? ''), String(ref?.kind ?? ''), nsOf(policy), String(ref?.name ?? ''))) {
      add(manifest, 'policy/edge-policy-target', `${where} names ${ref?.kind} "${ref?.name}", which is not among the checked objects in ${showNs(nsOf(policy))}; the policy would enforce nothing`);
    }
  }
  const authorization = spec.authorization;
  if (policy.kind === 'SecurityPolicy' && isObject(authorization) && authorization.defaultAction === 'Allow') {
    const rules: any[] = Array.isArray(authorization.rules) ? authorization.rules : [];
    if (rules.every((r) => r?.action !== 'Deny')) {
      add(manifest, 'policy/allow-list-default-deny', 'spec.authorization allows by default and denies nothing: the allow list lets every client in; set defaultAction: Deny');
    }
  }
}

/** An object of the set by API group (any version), kind, namespace and name. */
function findGroupKind(set: readonly Manifest[], group: string, kind: string, namespace: string, name: string): Manifest | undefined {
  return set.find((m) => {
    const o = m.object;
    const apiGroup = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    return apiGroup === group && o.kind === kind && nsOf(o) === namespace && o.metadata?.name === name;
  });
}

/** Edge backends must not reach an internal port, by Service port or by (named) targetPort. */
function checkServiceBackends(manifest: Manifest, backends: readonly ServiceBackend[], workloads: readonly Workload[], find: Find, add: Add): void {
  const namespace = nsOf(manifest.object);
  for (const { where, name, port: portRef } of backends) {
    const svcRef = { name };
    const shown = portRef.number ?? portRef.name;
    const svc = find('v1', 'Service', namespace, svcRef.name);
    if (!svc) {
      if (portRef.number !== undefined && INTERNAL_PORTS.includes(portRef.number)) {
        add(manifest, 'policy/no-exposed-internal-ports', `${where} routes to internal port ${portRef.number} of Service "${svcRef.name}"`);
      }
      continue;
    }
    const ports: any[] = Array.isArray(svc.object.spec?.ports) ? svc.object.spec.ports : [];
    const port = ports.find((p) => (portRef.number !== undefined ? p?.port === portRef.number : p?.name === portRef.name));
    if (!port) continue; // a dangling backend port is a different problem (connectivity check)
    if (INTERNAL_PORTS.includes(port.port)) {
      add(manifest, 'policy/no-exposed-internal-ports', `${where} routes to Service "${svcRef.name}" port ${port.port}, an internal port`);
      continue;
    }
    const target = port.targetPort ?? port.port;
    const resolved = typeof target === 'number' ? [target] : resolveNamedPort(target, svc.object, workloads);
    const hit = resolved.find((n) => INTERNAL_PORTS.includes(n));
    if (hit !== undefined) {
      add(
        manifest,
        'policy/no-exposed-internal-ports',
        `${where} routes to Service "${svcRef.name}" port ${shown} whose targetPort ${typeof target === 'number' ? target : `"${target}" (${hit})`} is an internal port`,
      );
    }
  }
}

/** Container port numbers a named targetPort resolves to, in the pods the Service selects. */
function resolveNamedPort(name: unknown, service: KubeObject, workloads: readonly Workload[]): number[] {
  const selector = service.spec?.selector;
  if (typeof name !== 'string' || !isObject(selector)) return [];
  const out: number[] = [];
  for (const w of workloads) {
    if (w.namespace !== nsOf(service) || !safeMatch({ matchLabels: selector as Record<string, string> }, w.template.metadata.labels ?? {})) continue;
    for (const c of containersOf(w.template, ['containers'])) {
      for (const p of Array.isArray(c.container.ports) ? c.container.ports : []) if (p?.name === name && typeof p.containerPort === 'number') out.push(p.containerPort);
    }
  }
  return out;
}

const REPLICATED_KINDS = ['Deployment', 'StatefulSet', 'ReplicaSet'];

/** Replicated workloads with more than one pod need a budget; a budget must allow at least one eviction. */
function checkDisruptionBudgets(set: readonly Manifest[], workloads: readonly Workload[], add: Add): void {
  const budgets = set.filter((m) => is(m.object, 'policy/v1', 'PodDisruptionBudget'));
  const selects = (pdb: Manifest, w: Workload) => nsOf(pdb.object) === w.namespace && safeMatch(pdb.object.spec?.selector, w.template.metadata.labels ?? {});
  for (const w of workloads) {
    if (!REPLICATED_KINDS.includes(w.object.kind)) continue;
    const pods = maxPods(w, set);
    if (pods.count > 1 && !budgets.some((pdb) => selects(pdb, w))) {
      add(w.manifest, 'policy/disruption-budget', `may run ${pods.why} but no PodDisruptionBudget in ${showNs(w.namespace)} selects its pods; a node drain could evict them all at once`);
    }
  }
  for (const pdb of budgets) {
    const spec = pdb.object.spec ?? {};
    if (spec.maxUnavailable === 0 || spec.maxUnavailable === '0' || spec.maxUnavailable === '0%') {
      add(pdb, 'policy/disruption-budget', 'spec.maxUnavailable is 0: no pod may ever be evicted, so every node drain blocks; allow at least 1');
      continue;
    }
    if (spec.minAvailable === undefined) continue;
    for (const w of workloads.filter((x) => selects(pdb, x))) {
      const fewest = minPods(w, set);
      const blocks = spec.minAvailable === '100%' || (typeof spec.minAvailable === 'number' && spec.minAvailable >= fewest);
      if (blocks) {
        add(pdb, 'policy/disruption-budget', `spec.minAvailable ${spec.minAvailable} with ${w.id} running as few as ${fewest} pod(s): no pod may ever be evicted, so every node drain blocks; use maxUnavailable: 1`);
      }
    }
  }
}

/** The fewest pods a replicated workload runs: its replicas, or its autoscaler's minimum. */
function minPods(w: Workload, set: readonly Manifest[]): number {
  const o = w.object;
  if (typeof o.spec?.replicas === 'number') return o.spec.replicas;
  for (const m of set) {
    const s = m.object;
    if (nsOf(s) !== w.namespace || s.spec?.scaleTargetRef?.name !== o.metadata?.name) continue;
    if (s.kind === 'HorizontalPodAutoscaler') return s.spec?.minReplicas ?? 1;
    if (s.kind === 'ScaledObject') return s.spec?.minReplicaCount ?? 0;
  }
  return 1;
}

/** Upper bound of concurrently running pods of a workload, with the reason, for the RWO check. */
function maxPods(w: Workload, set: readonly Manifest[]): { count: number; why: string } {
  const o = w.object;
  const spec = o.spec ?? {};
  switch (o.kind) {
    case 'DaemonSet':
      return { count: Infinity, why: 'one pod per node (DaemonSet)' };
    case 'Job':
      return { count: spec.parallelism ?? 1, why: `${spec.parallelism} pods in parallel` };
    case 'CronJob': {
      const parallelism = spec.jobTemplate?.spec?.parallelism ?? 1;
      return { count: parallelism, why: `${parallelism} pods in parallel` };
    }
    case 'Pod':
      return { count: 1, why: '1 pod' };
    default: {
      const replicas = typeof spec.replicas === 'number' ? spec.replicas : 1;
      let count = replicas;
      let why = `${replicas} replicas`;
      for (const m of set) {
        const s = m.object;
        if (nsOf(s) !== w.namespace) continue;
        let max: number | undefined;
        if (s.kind === 'HorizontalPodAutoscaler' && String(s.apiVersion).startsWith('autoscaling/')) {
          const ref = s.spec?.scaleTargetRef;
          if (ref?.kind === o.kind && ref?.name === o.metadata?.name) max = s.spec?.maxReplicas;
        } else if (s.apiVersion === 'keda.sh/v1alpha1' && s.kind === 'ScaledObject') {
          const ref = s.spec?.scaleTargetRef;
          if ((ref?.kind ?? 'Deployment') === o.kind && ref?.name === o.metadata?.name) max = s.spec?.maxReplicaCount ?? 100;
        }
        if (typeof max === 'number' && max > count) {
          count = max;
          why = `up to ${max} replicas (${s.kind} "${nameOf(s)}")`;
        }
      }
      return { count, why };
    }
  }
}

function surges(deployment: KubeObject): boolean {
  const strategy = deployment.spec?.strategy ?? {};
  if (strategy.type === 'Recreate') return false;
  const surge = strategy.rollingUpdate?.maxSurge ?? '25%';
  return !(surge === 0 || surge === '0%' || surge === '0');
}

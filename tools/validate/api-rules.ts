/**
 * What the API server validates beyond the OpenAPI schema (whose `format: int32` and name rules the
 * schema files do not carry): object names per kind, label keys and values wherever labels or label
 * selectors appear, annotation keys and size, port names, container, volume, environment variable and
 * ConfigMap key names, integer ranges, resource quantities (requests not above limits), and the 1 MiB
 * object size. The rules themselves are lib/core/kubernetes-rules.ts, shared with the config checks.
 */
import type { KubeObject } from '../k8s/manifests';
import { containersOf, podTemplateOf, volumesOf } from '../k8s/workloads';
import {
  annotationMapProblems,
  isConfigMapKey,
  isDns1123Label,
  isEnvVarName,
  isInInt32Range,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  isValidUserId,
  MAX_OBJECT_BYTES,
  objectNameProblems,
  parseQuantity,
} from '../../lib/core/kubernetes-rules';

export interface ApiIssue {
  readonly rule: ApiRule;
  readonly message: string;
  /** The offending value, so that a finding can be traced back to the config value it came from. */
  readonly value?: string;
}

export const API_RULES = {
  'api/object-name': 'metadata.name must follow its kind\'s rule (DNS-1123 subdomain; Namespace a DNS-1123 label; Service a DNS-1035 label; CronJob at most 52 and Job at most 63 characters) and metadata.namespace must be a DNS-1123 label, or the API server refuses the object',
  'api/labels': 'label keys must be qualified names and label values at most 63 alphanumeric, "-", "_" or "." characters, starting and ending alphanumeric, in metadata and in every selector, or the API server refuses the object',
  'api/annotations': 'annotation keys must be qualified names and all annotations of an object together at most 256 KiB, or the API server refuses the object',
  'api/port-names': 'container port names and named target ports must be IANA service names (at most 15 lowercase alphanumerics and single hyphens, with a letter); Service port names DNS-1123 labels; port numbers 1-65535',
  'api/field-names': 'container and volume names must be DNS-1123 labels, environment variable names C-like (letters, digits, "_", "-", "."), ConfigMap keys alphanumerics, "-", "_" or ".", as the API server requires',
  'api/integer-range': 'integers must fit the field (replicas, ports and probe timings int32; user and group ids 0-2147483647) and every number must be finite and exact (at most 2^53), or the API server refuses or silently changes it',
  'api/resource-limits': 'resource requests and limits must be valid quantities and a request must not exceed its limit, or the API server refuses the pod',
  'api/finalizer-names': 'finalizers must be qualified names, domain-qualified with a path (example.com/cleanup), as Kubernetes\' own bare names are; the API server refuses other shapes or warns ("prefer a domain-qualified finalizer name including a path")',
  'api/object-size': `an object must stay under ${MAX_OBJECT_BYTES / (1024 * 1024)} MiB serialized; larger objects are refused (ConfigMap data is capped at 1 MiB, etcd requests at 1.5 MiB)`,
} as const;

export type ApiRule = keyof typeof API_RULES;

/** Fields that are int32 in every Kubernetes type that has them. */
const INT32_FIELDS = new Set([
  'replicas', 'minReplicas', 'maxReplicas', 'parallelism', 'completions', 'backoffLimit', 'revisionHistoryLimit',
  'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'minReadySeconds', 'progressDeadlineSeconds',
  'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold',
  'containerPort', 'hostPort', 'nodePort', 'averageUtilization', 'stabilizationWindowSeconds', 'weight', 'defaultMode', 'mode',
]);
const USER_ID_FIELDS = new Set(['runAsUser', 'runAsGroup', 'fsGroup']);

/** Finalizers Kubernetes itself sets without a domain. */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** apimachinery's ValidateFinalizerName, and the warning of the API server's finalizer check (k8s 1.27+). */
function finalizerNameProblems(name: string): string[] {
  const problems = isQualifiedName(name);
  if (problems.length || STANDARD_FINALIZERS.has(name)) return problems;
  const slash = name.indexOf('/');
  if (slash < 0 || !name.slice(0, slash).includes('.')) return ['must be domain-qualified with a path, e.g. example.com/cleanup (the API server warns: prefer a domain-qualified finalizer name including a path)'];
  return [];
}

export function checkApiRules(object: KubeObject): ApiIssue[] {
  const issues: ApiIssue[] = [];
  const add = (rule: ApiRule, message: string, value?: string) => issues.push({ rule, message, ...(value !== undefined ? { value } : {}) });
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return issues;

  const meta = object.metadata;
  if (meta && typeof meta === 'object') {
    if (typeof meta.name === 'string' && typeof object.kind === 'string') {
      const problems = objectNameProblems(object.kind, meta.name);
      if (problems.length) add('api/object-name', `metadata.name ${show(meta.name)}: ${problems.join('; ')}`, meta.name);
    }
    if (typeof meta.namespace === 'string') {
      const problems = isDns1123Label(meta.namespace);
      if (problems.length) add('api/object-name', `metadata.namespace ${show(meta.namespace)}: ${problems.join('; ')}`, meta.namespace);
    }
  }

  const finalizers = meta && typeof meta === 'object' ? (meta as { finalizers?: unknown }).finalizers : undefined;
  if (Array.isArray(finalizers)) {
    for (const finalizer of finalizers) if (typeof finalizer === 'string') for (const r of finalizerNameProblems(finalizer)) add('api/finalizer-names', `metadata.finalizers ${show(finalizer)}: ${r}`, finalizer);
  }

  walk(object, [], (value, path) => {
    const key = path[path.length - 1];
    // Kubernetes labels and annotations sit under a `metadata` (an object's, a pod template's); other
    // `labels` maps, such as a PrometheusRule's alert labels, follow other rules.
    if (typeof value === 'number') {
      if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) add('api/integer-range', `${formatPath(path)}: ${value} is not a finite number of at most 2^53`, String(value));
      else if (typeof key === 'string' && USER_ID_FIELDS.has(key)) for (const r of isValidUserId(value)) add('api/integer-range', `${formatPath(path)}: ${value} ${r}`, String(value));
      else if (typeof key === 'string' && INT32_FIELDS.has(key)) for (const r of isInInt32Range(value)) add('api/integer-range', `${formatPath(path)}: ${value} ${r}`, String(value));
      return;
    }
    if (typeof key !== 'string' || value === null || typeof value !== 'object') return;
    const inMetadata = path[path.length - 2] === 'metadata';
    if (isRecord(value) && ((key === 'labels' && inMetadata) || key === 'matchLabels' || key === 'nodeSelector' || (key === 'selector' && object.kind === 'Service' && path.length === 2))) {
      checkLabelMap(value, path, add);
    } else if (isRecord(value) && key === 'annotations' && inMetadata) {
      for (const problem of annotationMapProblems(value)) add('api/annotations', `${formatPath(path)}: ${problem}`, annotationValue(problem, value));
    } else if (Array.isArray(value) && key === 'matchExpressions') {
      const where = formatPath(path);
      value.forEach((expression, i) => {
        if (!isRecord(expression)) return;
        if (typeof expression.key === 'string') for (const r of isQualifiedName(expression.key)) add('api/labels', `${where}[${i}].key ${show(expression.key)}: ${r}`, expression.key);
        if (Array.isArray(expression.values)) for (const v of expression.values) if (typeof v === 'string') for (const r of isValidLabelValue(v)) add('api/labels', `${where}[${i}].values ${show(v)}: ${r}`, v);
      });
    }
  });

  const template = podTemplateOf(object);
  if (template) {
    for (const c of containersOf(template)) {
      const ctr = c.container;
      if (typeof ctr.name === 'string') for (const r of isDns1123Label(ctr.name)) add('api/field-names', `${c.label}: name: ${r}`, ctr.name);
      (Array.isArray(ctr.ports) ? ctr.ports : []).forEach((p: any, i: number) => {
        if (typeof p?.name === 'string') for (const r of isValidPortName(p.name)) add('api/port-names', `${c.label}.ports[${i}].name ${show(p.name)}: ${r}`, p.name);
        if (typeof p?.containerPort === 'number') for (const r of isValidPortNum(p.containerPort)) add('api/port-names', `${c.label}.ports[${i}].containerPort ${p.containerPort}: ${r}`, String(p.containerPort));
      });
      (Array.isArray(ctr.env) ? ctr.env : []).forEach((e: any, i: number) => {
        if (typeof e?.name === 'string') for (const r of isEnvVarName(e.name)) add('api/field-names', `${c.label}.env[${i}].name ${show(e.name)}: ${r}`, e.name);
      });
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
        const port = ctr[probe]?.httpGet?.port ?? ctr[probe]?.tcpSocket?.port ?? ctr[probe]?.grpc?.port;
        if (typeof port === 'string') for (const r of isValidPortName(port)) add('api/port-names', `${c.label}.${probe} port ${show(port)}: ${r}`, port);
      }
      checkResources(ctr.resources, c.label, add);
    }
    for (const v of volumesOf(template)) {
      if (typeof v.volume.name === 'string') for (const r of isDns1123Label(v.volume.name)) add('api/field-names', `${v.label}: name: ${r}`, v.volume.name);
    }
  }

  if (object.kind === 'Service' && object.apiVersion === 'v1') {
    (Array.isArray(object.spec?.ports) ? object.spec.ports : []).forEach((p: any, i: number) => {
      if (typeof p?.name === 'string') for (const r of isDns1123Label(p.name)) add('api/port-names', `spec.ports[${i}].name ${show(p.name)}: ${r}`, p.name);
      if (typeof p?.targetPort === 'string') for (const r of isValidPortName(p.targetPort)) add('api/port-names', `spec.ports[${i}].targetPort ${show(p.targetPort)}: ${r}`, p.targetPort);
      for (const field of ['port', 'targetPort', 'nodePort'] as const) {
        if (typeof p?.[field] === 'number' && !(field === 'nodePort' && p[field] === 0)) for (const r of isValidPortNum(p[field])) add('api/port-names', `spec.ports[${i}].${field} ${p[field]}: ${r}`, String(p[field]));
      }
    });
  }
  if ((object.kind === 'ConfigMap' || object.kind === 'Secret') && object.apiVersion === 'v1') {
    for (const field of object.kind === 'ConfigMap' ? ['data', 'binaryData'] : ['data', 'stringData']) {
      if (isRecord(object[field])) for (const key of Object.keys(object[field])) for (const r of isConfigMapKey(key)) add('api/field-names', `${field} key ${show(key)}: ${r}`, key);
    }
  }

  const serialized = JSON.stringify(object) ?? '';
  // Characters bound bytes from below: the exact count is needed only near the limit.
  const size = serialized.length * 3 < MAX_OBJECT_BYTES ? serialized.length : Buffer.byteLength(serialized);
  if (size > MAX_OBJECT_BYTES) {
    const largest = largestString(object);
    add('api/object-size', `the object is ${size} bytes serialized; the limit is ${MAX_OBJECT_BYTES} bytes${largest ? ` (largest value: ${largest.length} characters at ${largest.path})` : ''}`, largest?.value);
  }
  return issues;
}

type Add = (rule: ApiRule, message: string, value?: string) => void;

/**
 * Label keys and values seen valid in this process: the same few dozen recur on every object of every
 * environment, so each is checked once.
 */
const validLabelKeys = new Set<string>();
const validLabelValues = new Set<string>();

function checkLabelMap(labels: Record<string, unknown>, path: readonly (string | number)[], add: Add): void {
  for (const key of Object.keys(labels)) {
    const value = labels[key];
    if (!validLabelKeys.has(key)) {
      const problems = isQualifiedName(key);
      if (problems.length === 0) validLabelKeys.add(key);
      for (const r of problems) add('api/labels', `${formatPath(path)}: key ${show(key)}: ${r}`, key);
    }
    if (typeof value === 'string' && !validLabelValues.has(value)) {
      const problems = isValidLabelValue(value);
      if (problems.length === 0) validLabelValues.add(value);
      for (const r of problems) add('api/labels', `${formatPath(path)}[${show(key)}] value ${show(value)}: ${r}`, value);
    }
  }
}

function checkResources(resources: any, label: string, add: Add): void {
  if (!isRecord(resources)) return;
  const quantities: Record<string, Record<string, number>> = { requests: {}, limits: {} };
  for (const group of ['requests', 'limits'] as const) {
    const values = resources[group];
    if (!isRecord(values)) continue;
    for (const [resource, raw] of Object.entries(values)) {
      const text = typeof raw === 'number' ? String(raw) : raw;
      const parsed = typeof text === 'string' ? parseQuantity(text) : undefined;
      if (parsed === undefined) add('api/resource-limits', `${label}: resources.${group}.${resource} ${show(String(raw))} is not a quantity (e.g. 250m, 1, 256Mi, 1Gi)`, String(raw));
      else quantities[group][resource] = parsed;
    }
  }
  for (const [resource, request] of Object.entries(quantities.requests)) {
    const limit = quantities.limits[resource];
    if (limit !== undefined && request > limit) {
      add('api/resource-limits', `${label}: resources.requests.${resource} ${resources.requests[resource]} is above resources.limits.${resource} ${resources.limits[resource]}; a request must not exceed its limit`, String(resources.requests[resource]));
    }
  }
}

/** Depth-first over every value; `path` is one array, pushed and popped (the gate runs on every object of every synth). */
function walk(value: unknown, path: (string | number)[], visit: (value: unknown, path: (string | number)[]) => void): void {
  visit(value, path);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(value[i], path, visit);
      path.pop();
    }
  } else if (isRecord(value)) {
    for (const k of Object.keys(value)) {
      path.push(k);
      walk(value[k], path, visit);
      path.pop();
    }
  }
}

function largestString(object: unknown): { path: string; value: string; length: number } | undefined {
  let best: { path: string; value: string; length: number } | undefined;
  walk(object, [], (value, path) => {
    if (typeof value === 'string' && (!best || value.length > best.length)) best = { path: formatPath(path), value, length: value.length };
  });
  return best;
}

function annotationValue(problem: string, annotations: Record<string, unknown>): string | undefined {
  const key = Object.keys(annotations).find((k) => problem.startsWith(`annotation key ${JSON.stringify(k)}:`));
  return key;
}

function isRecord(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

function show(value: string): string {
  const quoted = JSON.stringify(value);
  return quoted.length > 82 ? `${quoted.slice(0, 80)}..." (${value.length} characters)` : quoted;
}

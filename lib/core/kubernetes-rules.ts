/**
 * The name, label and number rules the Kubernetes API server applies, implemented once for the config
 * checks (on the values the project composes from a config) and for the quality gate (on every rendered
 * object). Ported from Kubernetes 1.28, the version the shipped schemas describe:
 * - k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Label, IsDNS1123Subdomain,
 *   IsDNS1035Label, IsQualifiedName, IsValidLabelValue, IsValidPortName, IsValidPortNum, IsEnvVarName,
 *   IsConfigMapKey, IsValidUserID / IsValidGroupID (0 to math.MaxInt32 in 1.28)
 * - k8s.io/apimachinery/pkg/api/validation/objectmeta.go: ValidateAnnotations (keys are qualified names
 *   once lower-cased; all keys and values together at most 256 KiB)
 * - k8s.io/kubernetes/pkg/apis/core/validation: Namespace names are DNS-1123 labels, Service names
 *   DNS-1035 labels, Service port names DNS-1123 labels; pkg/apis/batch/validation: CronJob names at most
 *   52 characters (the controller appends an 11-character suffix to name its Jobs), Job names are also the
 *   `job-name` label value, so at most 63.
 * Each function returns the reasons a value is invalid, in the API server's words; none when it is valid.
 */

export const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
export const DNS1123_LABEL_MAX_LENGTH = 63;
export const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
export const DNS1123_SUBDOMAIN_MAX_LENGTH = 253;
export const DNS1035_LABEL_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';
export const DNS1035_LABEL_MAX_LENGTH = 63;
export const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
export const QUALIFIED_NAME_MAX_LENGTH = 63;
export const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
export const LABEL_VALUE_MAX_LENGTH = 63;
export const ENV_VAR_NAME_FMT = '[-._a-zA-Z][-._a-zA-Z0-9]*';
export const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
export const CONFIG_MAP_KEY_MAX_LENGTH = 253;
export const PORT_NAME_MAX_LENGTH = 15;
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
export const CRONJOB_NAME_MAX_LENGTH = 52;
export const INT32_MAX = 2147483647;
export const INT32_MIN = -2147483648;
/** IsValidUserID / IsValidGroupID in 1.28 (libcontainer's limit). */
export const MAX_USER_ID = INT32_MAX;
/** Kubernetes' own limit on one object (the size etcd accepts is about 1.5 MiB, ConfigMap data 1 MiB). */
export const MAX_OBJECT_BYTES = 1024 * 1024;

const anchored = (fmt: string) => new RegExp(`^${fmt}$`);
const dns1123Label = anchored(DNS1123_LABEL_FMT);
const dns1123Subdomain = anchored(DNS1123_SUBDOMAIN_FMT);
const dns1035Label = anchored(DNS1035_LABEL_FMT);
const qualifiedName = anchored(QUALIFIED_NAME_FMT);
const labelValue = anchored(LABEL_VALUE_FMT);
const envVarName = anchored(ENV_VAR_NAME_FMT);
const configMapKey = anchored(CONFIG_MAP_KEY_FMT);

const maxLen = (n: number) => `must be no more than ${n} characters`;

export function isDns1123Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_LABEL_MAX_LENGTH) errs.push(maxLen(DNS1123_LABEL_MAX_LENGTH));
  if (!dns1123Label.test(value)) {
    errs.push(
      dns1123Subdomain.test(value)
        ? 'must not contain dots'
        : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    );
  }
  return errs;
}

export function isDns1123Subdomain(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1123_SUBDOMAIN_MAX_LENGTH) errs.push(maxLen(DNS1123_SUBDOMAIN_MAX_LENGTH));
  if (!dns1123Subdomain.test(value)) {
    errs.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
  }
  return errs;
}

export function isDns1035Label(value: string): string[] {
  const errs: string[] = [];
  if (value.length > DNS1035_LABEL_MAX_LENGTH) errs.push(maxLen(DNS1035_LABEL_MAX_LENGTH));
  if (!dns1035Label.test(value)) {
    errs.push("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character");
  }
  return errs;
}

/** A label or annotation key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDns1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > QUALIFIED_NAME_MAX_LENGTH) errs.push(`name part ${maxLen(QUALIFIED_NAME_MAX_LENGTH)}`);
  if (!qualifiedName.test(name)) {
    errs.push("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  }
  return errs;
}

export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (value.length > LABEL_VALUE_MAX_LENGTH) errs.push(maxLen(LABEL_VALUE_MAX_LENGTH));
  if (!labelValue.test(value)) {
    errs.push("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
  }
  return errs;
}

/** An IANA service name (RFC 6335), as container ports and named targetPorts use. */
export function isValidPortName(port: string): string[] {
  const errs: string[] = [];
  if (port.length > PORT_NAME_MAX_LENGTH) errs.push(maxLen(PORT_NAME_MAX_LENGTH));
  if (!/^[-a-z0-9]+$/.test(port)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(port)) errs.push('must contain at least one letter (a-z)');
  if (port.includes('--')) errs.push('must not contain consecutive hyphens');
  if (port.length > 0 && (port.startsWith('-') || port.endsWith('-'))) errs.push('must not begin or end with a hyphen');
  return errs;
}

export function isValidPortNum(port: number): string[] {
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

export function isEnvVarName(value: string): string[] {
  const errs: string[] = [];
  if (!envVarName.test(value)) {
    errs.push("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit");
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (value.length > CONFIG_MAP_KEY_MAX_LENGTH) errs.push(maxLen(CONFIG_MAP_KEY_MAX_LENGTH));
  if (!configMapKey.test(value)) errs.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

export function isInInt32Range(value: number): string[] {
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? [] : [`must be an integer between ${INT32_MIN} and ${INT32_MAX}, inclusive`];
}

export function isValidUserId(value: number): string[] {
  return Number.isInteger(value) && value >= 0 && value <= MAX_USER_ID ? [] : [`must be between 0 and ${MAX_USER_ID}, inclusive`];
}

/** Problems of a label map, one `key: reason` each. */
export function labelMapProblems(labels: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const reason of isQualifiedName(key)) problems.push(`label key ${JSON.stringify(key)}: ${reason}`);
    if (typeof value !== 'string') problems.push(`label ${JSON.stringify(key)}: value must be a string`);
    else for (const reason of isValidLabelValue(value)) problems.push(`label ${JSON.stringify(key)} value ${JSON.stringify(value)}: ${reason}`);
  }
  return problems;
}

/** Problems of an annotation map: keys (checked lower-cased, as the API server does) and the total size. */
export function annotationMapProblems(annotations: Readonly<Record<string, unknown>>): string[] {
  const problems: string[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const reason of isQualifiedName(key.toLowerCase())) problems.push(`annotation key ${JSON.stringify(key)}: ${reason}`);
    total += Buffer.byteLength(key) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) problems.push(`annotations are ${total} bytes; they may total at most ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes (256 KiB)`);
  return problems;
}

/** The rule for `metadata.name` of a kind, and the reasons a name breaks it. */
export function objectNameProblems(kind: string, name: string): string[] {
  switch (kind) {
    case 'Namespace':
      return isDns1123Label(name);
    case 'Service':
      return isDns1035Label(name);
    case 'CronJob':
      return [...isDns1123Subdomain(name), ...(name.length > CRONJOB_NAME_MAX_LENGTH ? [maxLen(CRONJOB_NAME_MAX_LENGTH)] : [])];
    case 'Job':
      return [...isDns1123Subdomain(name), ...(name.length > LABEL_VALUE_MAX_LENGTH ? [`${maxLen(LABEL_VALUE_MAX_LENGTH)} (it is the job-name label value)`] : [])];
    default:
      return isDns1123Subdomain(name);
  }
}

/**
 * A DNS host name as DNS and certificate authorities accept it: a DNS-1123 subdomain whose every label
 * has at most 63 characters (RFC 1035 2.3.4; the API server checks only the 253 total), and not an IP
 * address (an Ingress host "must be a DNS name, not an IP address").
 */
export function hostNameProblems(host: string): string[] {
  const errs = isDns1123Subdomain(host);
  if (errs.length === 0) {
    const long = host.split('.').find((label) => label.length > DNS1123_LABEL_MAX_LENGTH);
    if (long) errs.push(`each dot-separated label must be no more than ${DNS1123_LABEL_MAX_LENGTH} characters (${long.length} in "${long.slice(0, 20)}...")`);
    if (/^[0-9.]+$/.test(host)) errs.push('must be a DNS name, not an IP address');
  }
  return errs;
}

const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$/;
const MULTIPLIERS: Readonly<Record<string, number>> = {
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
};

/**
 * The value of a resource quantity (k8s.io/apimachinery/pkg/api/resource: a decimal number with a binary
 * suffix Ki..Ei, a decimal suffix n, u, m, k, M..E, or an exponent), or undefined when it is not one.
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (!match) return undefined;
  const suffix = match[2] ?? '';
  const multiplier = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : MULTIPLIERS[suffix];
  return Number(match[1]) * multiplier;
}

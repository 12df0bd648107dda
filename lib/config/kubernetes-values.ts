/**
 * Config values checked as Kubernetes and their consumers will take them, including the values the
 * project composes from them: a name or label is only valid if what is built from it is. The rules come
 * from lib/core/kubernetes-rules.ts (ported from apimachinery); the gate applies the same rules to every
 * rendered object, so this file only catches early, with the key path, what is certain to fail there.
 */
import { imageVersion } from '../core/image';
import { hostNameProblems, isDns1123Subdomain, isValidLabelValue, parseQuantity } from '../core/kubernetes-rules';
import { addressOrCidrProblem, cidrProblem, isStrictSubnet, parseCidr, parseIp } from '../network/ip';
import { folderProblem, instanceName } from './environments';
import { showValue } from './messages';
import type { SemanticProblem } from './semantics';
import { EnvironmentConfig } from './types.generated';
import { DefinitionIndex, indexByDefinition } from './walk';

interface Peer {
  readonly cidr?: string;
  readonly except?: readonly string[];
  readonly namespace?: string;
}

interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

export function kubernetesValueProblems(config: EnvironmentConfig, valuesOf: DefinitionIndex = indexByDefinition(config)): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: string, message: string) => problems.push({ path, message });
  const reasons = (list: readonly string[]) => list.join('; ');

  // Composed: <appName>-<name> is the instance label of every object and selector, and the Application name.
  const instance = instanceName(config);
  const instanceProblems = [...isValidLabelValue(instance), ...isDns1123Subdomain(instance)];
  if (instanceProblems.length) {
    add('name', `with appName ${showValue(config.appName)} gives app.kubernetes.io/instance and the Argo CD Application ${showValue(instance)} (${instance.length} characters), which ${reasons([...new Set(instanceProblems)])}: shorten name or appName`);
  }
  // Composed: the Laravel image's tag (or short digest) is the app.kubernetes.io/version label of every object.
  const version = config.laravel.image.tag || config.laravel.image.digest ? imageVersion(config.laravel.image) : '';
  const versionProblems = isValidLabelValue(version);
  if (versionProblems.length) {
    add(config.laravel.image.tag !== undefined ? 'laravel.image.tag' : 'laravel.image.digest', `${showValue(version)} becomes the app.kubernetes.io/version label, which ${reasons(versionProblems)}: use a tag of at most 63 characters that starts and ends with a letter or digit`);
  }

  const hostProblems = hostNameProblems(config.laravel.host);
  if (hostProblems.length) add('laravel.host', `${showValue(config.laravel.host)} is not a DNS host name: it ${reasons(hostProblems)}`);

  for (const [path, host] of [['database.host', config.database.host], ['redis.host', config.redis.host.replace(/^(tls|rediss):\/\//, '')]] as const) {
    if (host.includes('://')) {
      add(path, `${showValue(host)} is a URL; expected a host name or an IP address${path === 'redis.host' ? ' (optionally after tls://)' : ''}`);
    } else if (!parseIp(host)) {
      const hostProblems = hostNameProblems(host);
      if (hostProblems.length) add(path, `${showValue(host)} is neither an IP address nor a DNS host name: it ${reasons(hostProblems)}`);
    }
  }

  for (const [path, cidr] of valuesOf<string>('ipv4Cidr')) {
    const problem = cidrProblem(cidr, 4);
    if (problem) add(path, `${showValue(cidr)} is not a valid IPv4 CIDR: ${problem}`);
  }
  for (const [path, peer] of valuesOf<Peer>('peer')) {
    const outer = peer.cidr && !cidrProblem(peer.cidr, 4) ? parseCidr(peer.cidr) : undefined;
    (peer.except ?? []).forEach((range, i) => {
      const inner = cidrProblem(range, 4) ? undefined : parseCidr(range);
      if (outer && inner && !isStrictSubnet(inner, outer)) add(`${path}.except[${i}]`, `${showValue(range)} must be a strict subset of cidr ${peer.cidr}`);
    });
  }

  const proxies = config.laravel.trustedProxies.split(',').map((p) => p.trim());
  proxies.forEach((proxy) => {
    const problem = proxy === '' ? 'is empty' : addressOrCidrProblem(proxy);
    if (problem) add('laravel.trustedProxies', `${showValue(proxy)} ${problem.startsWith('is ') ? problem : `is not a valid address or CIDR: ${problem}`}; expected comma-separated IP addresses or CIDRs (never *, which trusts spoofed client addresses)`);
  });

  const zone = timeZoneProblem(config.laravel.timezone);
  if (zone) add('laravel.timezone', `${showValue(config.laravel.timezone)} ${zone}`);

  for (const [path, url] of valuesOf<string>('httpUrl')) {
    const problem = urlProblem(url);
    if (problem) add(path, `${showValue(url)} ${problem}`);
  }
  for (const [path, origin] of valuesOf<string>('origin')) {
    const problem = urlProblem(origin) ?? originProblem(origin);
    if (problem) add(path, `${showValue(origin)} ${problem}`);
  }

  for (const [path, resources] of valuesOf<Resources>('resources')) {
    for (const resource of ['cpu', 'memory'] as const) {
      const request = resources.requests[resource];
      const limit = resources.limits[resource];
      if (limit === undefined) continue;
      const r = parseQuantity(request);
      const l = parseQuantity(limit);
      if (r !== undefined && l !== undefined && r > l) {
        add(`${path}.requests.${resource}`, `${request} is above the limit ${limit}; Kubernetes refuses a request greater than its limit`);
      }
    }
  }

  if (config.argocd.path !== undefined) {
    const problem = folderProblem(config.argocd.path);
    if (problem) add('argocd.path', problem);
  }
  if (config.namespace === config.argocd.argocdNamespace) {
    add('namespace', `${showValue(config.namespace)} is also argocd.argocdNamespace; the application needs its own namespace, apart from Argo CD's`);
  }
  return problems;
}

/** ICU's canonical zone names: each resolves to itself, so a name in it needs no formatter (whose first creation costs ~15 ms of ICU loading). */
let canonicalZones: ReadonlySet<string> | undefined;

const TIME_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Why a name is not an IANA time zone PHP and ICU both know, or undefined. */
export function timeZoneProblem(zone: string): string | undefined {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  return canonicalZones.has(zone) ? undefined : timeZoneProblemFromFormatter(zone);
}

/** timeZoneProblem's answer as an ICU formatter gives it, for every name (the canonical list is its shortcut). @internal */
export function timeZoneProblemFromFormatter(zone: string): string | undefined {
  if (!TIME_ZONE_NAME.test(zone)) return 'is not an IANA time zone name (e.g. Asia/Jakarta, UTC)';
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return 'is not a known IANA time zone (e.g. Asia/Jakarta, UTC)';
  }
  if (resolved.toLowerCase() === zone.toLowerCase() && resolved !== zone) return `is spelled ${JSON.stringify(resolved)} in the time zone database`;
  return undefined;
}

function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a valid URL';
  }
  if (!url.hostname) return 'has no host';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!parseIp(host) && hostNameProblems(host).length) return `has an invalid host: it ${hostNameProblems(host).join('; ')}`;
  return undefined;
}

function originProblem(text: string): string | undefined {
  const url = new URL(text);
  if (url.username || url.password) return 'has credentials; an origin is scheme://host[:port]';
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || text.endsWith('/')) {
    return 'has a path; an origin is scheme://host[:port] (browsers send no path, so this would never match)';
  }
  return undefined;
}

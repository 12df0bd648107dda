/**
 * Traces quality-gate findings back to the config: a finding whose offending value is a config value, or
 * is built from one (an image reference from repository and tag, an object name from appName and a pool
 * name), is reported as `file: key.path: message`, so the fix is made where the value comes from.
 */
import { instanceName } from '../../lib/config/environments';
import type { ConfigProblem, LoadedEnvironment } from '../../lib/config/load';
import { imageRef } from '../../lib/core/image';
import { Image } from '../../lib/config/types.generated';
import { valuesOf, walkConfig } from '../../lib/config/walk';
import { ARGOCD_CHART_ID } from '../../charts/argocd-chart';
import type { Finding } from '../validate';

export interface TracedFinding extends ConfigProblem {
  readonly finding: Finding;
}

/** The config keys a value comes from, best first: exact matches, then values it is composed of. */
export function keysForValue(config: LoadedEnvironment['config'], value: string): string[] {
  const exact: string[] = [];
  for (const [path, image] of valuesOf<Image>(config, 'image')) {
    if (image.tag || image.digest) {
      if (imageRef(image) === value) exact.push(image.tag !== undefined ? `${path}.tag` : `${path}.digest`);
    }
  }
  if (value === instanceName(config)) exact.push('name');
  const parts: string[] = [];
  walkConfig(config, ({ path, value: leaf, segments }) => {
    if (typeof leaf !== 'string' || segments.length === 0 || leaf.length < 2) return;
    if (leaf === value) exact.push(path);
    else if (value.startsWith(`${leaf}-`) || value.endsWith(`-${leaf}`)) parts.push(path);
  });
  return [...new Set(exact.length ? exact : parts)];
}

/**
 * Splits findings into those traced to a config key and the rest. Findings of one rule traced to one key
 * (the Laravel image's tag, in every container that runs it) become one problem listing the objects.
 */
export function traceFindings(findings: readonly Finding[], environments: readonly LoadedEnvironment[]): { traced: TracedFinding[]; rest: Finding[] } {
  const groups = new Map<string, { file: string; key: string; others: string[]; findings: Finding[] }>();
  const rest: Finding[] = [];
  for (const finding of findings) {
    const folder = finding.file.split('/')[0];
    // Argo CD objects are built from every environment; the others from their own.
    const candidates = folder === ARGOCD_CHART_ID ? environments : environments.filter((e) => e.config.name === folder);
    const match = finding.value === undefined ? undefined : candidates.map((e) => ({ e, keys: keysForValue(e.config, finding.value!) })).find((m) => m.keys.length > 0);
    if (!match) {
      rest.push(finding);
      continue;
    }
    const [key, ...others] = match.keys;
    const id = `${match.e.file}\0${key}\0${finding.rule}`;
    const group = groups.get(id) ?? { file: match.e.file, key, others, findings: [] };
    group.findings.push(finding);
    groups.set(id, group);
  }
  const traced: TracedFinding[] = [];
  for (const group of groups.values()) {
    const [first] = group.findings;
    const objects = [...new Set(group.findings.map((f) => `${f.kind}/${f.name}`))];
    const shown = objects.length > 3 ? `${objects.slice(0, 3).join(', ')} and ${objects.length - 3} more` : objects.join(', ');
    const also = group.others.length ? `; also from ${group.others.slice(0, 3).join(', ')}` : '';
    const message = `${first.message} (quality gate ${first.rule} on ${shown}${also})`;
    for (const finding of group.findings) traced.push({ file: group.file, path: group.key, message, finding });
  }
  return { traced, rest };
}

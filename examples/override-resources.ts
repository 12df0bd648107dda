/**
 * Example: override resources for one environment with configuration only. The snippet is YAML in the
 * shape of the environment file; it is deep-merged over the file (mappings merge, lists and scalars are
 * replaced) and the result is validated like any environment file, so a typo fails with the key path.
 */
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { EnvironmentConfig, parseEnvironment } from 'pembayaran-k8s';

/** The environment in `file` with `snippet` (YAML) merged over it, validated and with defaults filled. */
export function environmentWithOverrides(file: string, snippet: string): EnvironmentConfig {
  const base = yaml.load(fs.readFileSync(file, 'utf8'), { schema: yaml.CORE_SCHEMA });
  const overrides = yaml.load(snippet, { schema: yaml.CORE_SCHEMA });
  return parseEnvironment(`${file} + overrides`, yaml.dump(deepMerge(base, overrides)));
}

/** Bigger web and worker pods for the production sale weekend; nothing else changes. */
export const SALE_WEEKEND = `
web:
  resources:
    php:
      requests: { cpu: "1", memory: 768Mi }
      limits: { memory: 1536Mi }
    nginx:
      requests: { cpu: 100m, memory: 128Mi }
      limits: { memory: 256Mi }
  autoscaling:
    maxReplicas: 24
`;

function deepMerge(base: unknown, over: unknown): unknown {
  if (isMapping(base) && isMapping(over)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(over)) merged[key] = key in base ? deepMerge(base[key], value) : value;
    return merged;
  }
  return over === undefined ? base : over;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** How config problems show keys and values: short, unambiguous, never the whole of a huge value, never a secret. */
import { secretShape } from './secret-shapes';

/** Longest echo of a value or key in a message; a 2 MB value must not become a 2 MB error line. */
export const MAX_ECHO = 80;

/** `s`, cut to MAX_ECHO characters with an ellipsis and the full length when longer. */
export function truncate(s: string, max = MAX_ECHO): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}... (${s.length} characters)`;
}

/**
 * A value as the YAML author wrote it: `.nan` and `.inf` rather than JSON's `null`, strings quoted,
 * objects and arrays abbreviated; always short.
 */
export function showValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return '.nan';
    if (value === Infinity) return '.inf';
    if (value === -Infinity) return '-.inf';
    return String(value);
  }
  if (typeof value === 'string') {
    // A message must not become the leak it warns about.
    const shape = secretShape(value);
    return shape ? `a value that looks like ${shape} (not shown)` : truncate(JSON.stringify(value));
  }
  if (value === null || value === undefined || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `a list of ${value.length} item(s)`;
  if (typeof value === 'object') return `a mapping with keys ${truncate(Object.keys(value as object).join(', '))}`;
  return truncate(String(value));
}

/**
 * `laravel.env.APP_NAME`, `workers[0].name`, `podLabels["app.kubernetes.io/name"]`: a key path from its
 * segments. Keys that are not plain identifiers, or are longer than MAX_ECHO, are quoted (and cut, ending
 * in an ellipsis), so that a path always reads back unambiguously.
 */
export function formatKeyPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment) && segment.length <= MAX_ECHO) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment.length > MAX_ECHO ? `${segment.slice(0, MAX_ECHO)}…` : segment)}]`;
  }
  return out;
}

/** A key path as formatKeyPath writes it, for tests and tools that read messages back. */
export const KEY_PATH_PATTERN = '(?:[A-Za-z_][A-Za-z0-9_-]*|\\[(?:\\d+|"(?:[^"\\\\]|\\\\.)*")\\])(?:\\.[A-Za-z_][A-Za-z0-9_-]*|\\[(?:\\d+|"(?:[^"\\\\]|\\\\.)*")\\])*';

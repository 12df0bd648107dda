/**
 * Small PromQL helpers: building label matchers safely and a structural check of expressions. The check
 * is not a parser; it catches what hand-written rules most often get wrong (unbalanced brackets, an
 * unterminated string, an empty selector or group), so that a broken rule fails the tests, not Prometheus.
 */

/** A label matcher value as a PromQL double-quoted string. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** Escapes a literal for use inside a PromQL regular expression matcher (RE2, fully anchored). */
export function regexEscape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Label matchers: `eq('job', 'x')` is `job="x"`, `re` a regular-expression match, `ne` a negative one. */
export const eq = (label: string, value: string): string => `${label}=${quote(value)}`;
export const re = (label: string, value: string): string => `${label}=~${quote(value)}`;
export const ne = (label: string, value: string): string => `${label}!=${quote(value)}`;

/** A vector selector: `metric{m1, m2}`. */
export function sel(metric: string, ...matchers: string[]): string {
  return matchers.length ? `${metric}{${matchers.join(', ')}}` : metric;
}

/** Problems of a PromQL expression found by a structural scan; empty when none. */
export function promQlProblems(expr: string): string[] {
  const problems: string[] = [];
  const stack: Array<{ char: string; at: number }> = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === '"' || c === "'" || c === '`') {
      const start = i;
      i++;
      while (i < expr.length && expr[i] !== c) i += c !== '`' && expr[i] === '\\' ? 2 : 1;
      if (i >= expr.length) {
        problems.push(`unterminated string starting at ${start}`);
        break;
      }
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '(' || c === '[' || c === '{') {
      stack.push({ char: c, at: i });
    } else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (!open) problems.push(`"${c}" at ${i} closes nothing`);
      else if (open.char !== pairs[c]) problems.push(`"${c}" at ${i} closes "${open.char}" opened at ${open.at}`);
    }
    i++;
  }
  for (const open of stack) problems.push(`"${open.char}" opened at ${open.at} is never closed`);
  // `on()`, `by()`, `time()` and the like are the only valid empty parentheses.
  const withoutEmptyCalls = stripStrings(expr).replace(/\b(on|ignoring|by|without|group_left|group_right|time|pi)\s*\(\s*\)/g, 'fn');
  if (/\(\s*\)/.test(withoutEmptyCalls)) problems.push('empty parentheses');
  if (/\{\s*\}/.test(stripStrings(expr))) problems.push('empty label selector');
  if (/\[\s*\]/.test(stripStrings(expr))) problems.push('empty range');
  if (expr.trim() === '') problems.push('empty expression');
  return problems;
}

function stripStrings(expr: string): string {
  return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

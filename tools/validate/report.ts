/** Output formats of the validation gate: an aligned text table for people, JSON for machines. */
import type { Finding } from './index';

export const COLUMNS = ['FILE', 'KIND/NAME', 'RULE', 'MESSAGE'] as const;

/** Aligned table `file  kind/name  rule  message`, one finding per line, then a summary line. */
export function formatTable(findings: readonly Finding[], objectCount?: number): string {
  const checked = objectCount === undefined ? '' : ` in ${objectCount} object${objectCount === 1 ? '' : 's'}`;
  if (findings.length === 0) return `No findings${checked}.\n`;
  const rows = findings.map((f) => [f.file, `${f.kind}/${f.name}`, f.rule, f.message]);
  const widths = [0, 1, 2].map((i) => Math.max(COLUMNS[i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c))
      .join('  ')
      .trimEnd();
  const objects = new Set(findings.map((f) => `${f.file}\0${f.kind}\0${f.name}`)).size;
  return [
    line(COLUMNS),
    ...rows.map(line),
    '',
    `${findings.length} finding${findings.length === 1 ? '' : 's'} on ${objects} object${objects === 1 ? '' : 's'}${checked}.`,
    '',
  ].join('\n');
}

/** `{ findings: Finding[], summary: {...} }` as pretty JSON. */
export function formatJson(findings: readonly Finding[], objectCount?: number): string {
  const byRule: Record<string, number> = {};
  for (const f of findings) byRule[f.rule] = (byRule[f.rule] ?? 0) + 1;
  return `${JSON.stringify({ findings, summary: { objects: objectCount, findings: findings.length, byRule } }, null, 2)}\n`;
}

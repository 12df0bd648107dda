/**
 * The YAML writer of synth: the same bytes js-yaml's `dump` writes with DUMP_OPTIONS, in a fraction of its
 * time. js-yaml decides the style of every scalar by scanning it character by character and testing it
 * against every implicit type; most strings of a manifest are names, labels and paths whose plain style is
 * evident, so those are written directly and every other scalar is handed to js-yaml once per distinct
 * value (then re-indented for its depth). The structure (block mappings and sequences, the key order,
 * indentation, `{}` and `[]`) follows js-yaml's dumper line for line. A value outside plain JSON, or a key
 * js-yaml would write as an explicit `? ` pair, makes the whole document go through js-yaml.
 * test/tools/synth/yaml.test.ts compares both writers on generated documents and on the shipped output.
 */
import * as yaml from 'js-yaml';

/** Keys Kubernetes users expect first, by rank; the rest follow alphabetically. */
const LEADING_KEYS = new Map(['apiVersion', 'kind', 'metadata', 'name', 'namespace'].map((key, rank) => [key, rank]));

export function compareKeys(a: string, b: string): number {
  const ia = LEADING_KEYS.get(a);
  const ib = LEADING_KEYS.get(b);
  if (ia !== undefined || ib !== undefined) return (ia ?? LEADING_KEYS.size) - (ib ?? LEADING_KEYS.size);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic YAML: stable key order, no line folding, no anchors, double quotes where quoting is needed. */
export const DUMP_OPTIONS: yaml.DumpOptions = { sortKeys: compareKeys, lineWidth: -1, noRefs: true, quotingType: '"' };

/** js-yaml's indentation per level (its default). */
const INDENT = 2;

/**
 * Names, labels, paths: a letter or `/` first, then letters, digits, `.`, `_`, `/` and `-` only. js-yaml
 * writes these plain unless they read as null or a boolean (YAML 1.2, or 1.1's yes/no/on/off it still quotes).
 */
const EVIDENTLY_PLAIN = /^[A-Za-z/][A-Za-z0-9._/-]*$/;
const QUOTED_WORDS = new Set(['null', 'true', 'false', 'y', 'yes', 'n', 'no', 'on', 'off']);

/** Thrown inside the writer when a document needs js-yaml itself. */
class NeedsJsYaml extends Error {}

/** Writes one document; `scalars` caches js-yaml's rendering of strings across documents. */
export class YamlWriter {
  private readonly scalars = new Map<string, string>();

  write(document: unknown): string {
    try {
      return `${this.node(document, 0, true)}\n`;
    } catch (err) {
      if (err instanceof NeedsJsYaml) return yaml.dump(document, DUMP_OPTIONS);
      throw err;
    }
  }

  private node(value: unknown, level: number, compact: boolean): string {
    if (typeof value === 'string') return this.scalar(value, level);
    if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? String(value) : this.delegated(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (value === null) return 'null';
    if (Array.isArray(value)) return value.length === 0 ? '[]' : this.sequence(value, level, compact);
    if (typeof value === 'object' && Object.prototype.toString.call(value) === '[object Object]') {
      const keys = Object.keys(value as object);
      return keys.length === 0 ? '{}' : this.mapping(value as Record<string, unknown>, keys, level, compact);
    }
    throw new NeedsJsYaml();
  }

  private mapping(object: Record<string, unknown>, keys: string[], level: number, compact: boolean): string {
    keys.sort(compareKeys);
    let result = '';
    for (const key of keys) {
      const value = object[key];
      // js-yaml skips a pair whose value it cannot write (undefined).
      if (value === undefined) continue;
      const renderedKey = this.key(key);
      const rendered = this.node(value, level + 1, false);
      result += `${!compact || result !== '' ? newline(level) : ''}${renderedKey}${rendered.charCodeAt(0) === 10 ? ':' : ': '}${rendered}`;
    }
    return result || '{}';
  }

  private sequence(items: readonly unknown[], level: number, compact: boolean): string {
    let result = '';
    for (const item of items) {
      // js-yaml writes null for an element it cannot write.
      const rendered = item === undefined ? 'null' : this.node(item, level + 1, true);
      result += `${!compact || result !== '' ? newline(level) : ''}${rendered.charCodeAt(0) === 10 ? '-' : '- '}${rendered}`;
    }
    return result;
  }

  /** A key is written like a single-line value; a multi-line or over-long key becomes js-yaml's business. */
  private key(key: string): string {
    if (key.includes('\n')) throw new NeedsJsYaml();
    const rendered = this.scalar(key, 0);
    if (rendered.length > 1024) throw new NeedsJsYaml();
    return rendered;
  }

  private scalar(value: string, level: number): string {
    if (EVIDENTLY_PLAIN.test(value) && (value.length > 5 || !QUOTED_WORDS.has(value.toLowerCase()))) return value;
    let rendered = this.scalars.get(value);
    if (rendered === undefined) {
      rendered = literalBlock(value) ?? this.delegated(value);
      this.scalars.set(value, rendered);
    }
    // A block scalar's lines are indented for its depth: js-yaml indents level 0 and 1 alike (by INDENT).
    if (rendered.charCodeAt(0) !== 124 /* | */ || level <= 1) return rendered;
    const extra = ' '.repeat(INDENT * (level - 1));
    const [header, ...lines] = rendered.split('\n');
    return [header, ...lines.map((line) => (line === '' ? line : extra + line))].join('\n');
  }

  /** js-yaml's rendering of a scalar at the top level (no trailing newline). */
  private delegated(value: string | number): string {
    return yaml.dump(value, DUMP_OPTIONS).slice(0, -1);
  }
}

/** Multi-line text of printable ASCII: js-yaml's choice for it is always a literal block scalar. */
const PRINTABLE_ASCII_LINES = /^[\x20-\x7e\n]*$/;
/** Where js-yaml indents a line of a block scalar: before each line that is not empty. */
const LINE_WITH_TEXT = /^(?=.)/gm;

/**
 * A configuration file or script embedded in a manifest, as js-yaml writes it at the top level (its
 * writeScalar: `|`, an indentation indicator when the text starts with spaces, the chomping indicator, the
 * lines indented by INDENT), without its per-character scan; undefined for any other string.
 */
function literalBlock(value: string): string | undefined {
  if (!value.includes('\n') || !PRINTABLE_ASCII_LINES.test(value)) return undefined;
  const indicator = /^\n* /.test(value) ? String(INDENT) : '';
  const clip = value.endsWith('\n');
  const keep = clip && (value.endsWith('\n\n') || value === '\n');
  const indented = value.replace(LINE_WITH_TEXT, ' '.repeat(INDENT));
  return `|${indicator}${keep ? '+' : clip ? '' : '-'}\n${clip ? indented.slice(0, -1) : indented}`;
}

const newlines: string[] = [];
function newline(level: number): string {
  return (newlines[level] ??= `\n${' '.repeat(INDENT * level)}`);
}

/** One document as YAML, byte for byte what `yaml.dump(document, DUMP_OPTIONS)` returns. */
export function toYaml(document: unknown): string {
  return new YamlWriter().write(document);
}

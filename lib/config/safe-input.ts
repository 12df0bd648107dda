/**
 * Reading untrusted YAML without hanging or exhausting memory: only regular files (a FIFO or a device
 * would block or never end), a size cap checked before reading, and a cap on what YAML aliases expand to
 * (nine levels of nine aliases is 387 million values once walked, from a file of a few hundred bytes).
 */
import * as fs from 'fs';
import * as yaml from 'js-yaml';
import { formatKeyPath } from './messages';

/** Largest config file accepted. Kubernetes caps one object at 1 MiB too (etcd's request limit is 1.5 MiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Values (mappings, lists, scalars) a document may expand to once its aliases are followed. */
export const MAX_DOCUMENT_VALUES = 100_000;
/** Characters of strings and keys a document may expand to once its aliases are followed. */
export const MAX_DOCUMENT_CHARS = 2 * MAX_CONFIG_BYTES;
/** Nesting depth of a document; js-yaml's own default is 100. */
export const MAX_DOCUMENT_DEPTH = 50;

/** Why an input was refused: a one-line reason, without the file name (the caller adds it), and the key path when known. */
export class InputError extends Error {
  constructor(
    message: string,
    public readonly keyPath: string = '',
  ) {
    super(message);
    this.name = 'InputError';
  }
}

/** What kind of file system entry a stat describes, for messages. */
export function entryKind(stat: fs.Stats): string {
  if (stat.isFile()) return 'a regular file';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/**
 * The text of a regular file of at most `maxBytes`. Opened non-blocking and checked on the open
 * descriptor, so a FIFO is refused instead of waiting for a writer, and a file swapped after a stat is
 * still checked.
 */
export function readRegularFile(file: string, maxBytes: number = MAX_CONFIG_BYTES): string {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError(`cannot read file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) throw new InputError(`is ${entryKind(stat)}, not a regular file; refused (only regular files are read)`);
    if (stat.size > maxBytes) throw new InputError(`is ${stat.size} bytes; the limit is ${maxBytes} bytes (${formatBytes(maxBytes)})`);
    // Read one byte more than allowed: a file that grows while it is read is caught too.
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) throw new InputError(`is more than ${maxBytes} bytes (${formatBytes(maxBytes)}), the limit`);
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

export interface YamlLimits {
  readonly maxValues?: number;
  readonly maxChars?: number;
}

/** A YAML syntax error with its position, as one line. */
export function yamlSyntaxMessage(err: unknown): string {
  const e = err as yaml.YAMLException;
  const where = e.mark ? `line ${e.mark.line + 1}, column ${e.mark.column + 1}: ` : '';
  return `YAML syntax error: ${where}${e.reason ?? e.message}`;
}

/**
 * Every document of a YAML text (core schema: no custom tags), each checked to expand to at most
 * `maxValues` values and `maxChars` characters, then copied so that no two places share one object
 * (an alias would otherwise let defaults filled in at one key appear at another).
 */
export function loadYamlDocuments(text: string, file: string, limits: YamlLimits = {}): unknown[] {
  let documents: unknown[];
  try {
    // maxDepth is a js-yaml 4.1+ option its type definitions do not list yet.
    documents = yaml.loadAll(text, undefined, { filename: file, schema: yaml.CORE_SCHEMA, maxDepth: MAX_DOCUMENT_DEPTH } as yaml.LoadOptions);
  } catch (err) {
    // A tag the core schema refuses sits on one value, whose key is then known; for a broken structure
    // the line and column are the only reliable pointer.
    if (err instanceof yaml.YAMLException) throw new InputError(yamlSyntaxMessage(err), err.mark && /\btag\b/.test(err.reason ?? '') ? keyPathAtLine(text, err.mark.line) : '');
    throw err;
  }
  const budget = { values: limits.maxValues ?? MAX_DOCUMENT_VALUES, chars: limits.maxChars ?? MAX_DOCUMENT_CHARS };
  for (const document of documents) measure(document, budget);
  return documents.map((d) => structuredClone(d));
}

/**
 * The key path of a line of a block-style YAML document (`web.ingress.annotations`, `workers[1].name`),
 * read from the keys and list items above it by their indentation; empty when there is none.
 */
export function keyPathAtLine(text: string, line: number): string {
  const lines = text.split('\n').slice(0, line + 1);
  // One entry per open mapping key or list, by indentation.
  const stack: Array<{ indent: number; segment: string | number; list?: boolean }> = [];
  for (const raw of lines) {
    const match = /^(\s*)((?:- +)*)([^\s#'"{[][^:#]*?|'[^']*'|"[^"]*")?\s*:(?:\s|$)/.exec(raw);
    const item = /^(\s*)- /.exec(raw);
    if (!match && !item) continue;
    const indent = (match ?? item)![1].length;
    while (stack.length && stack[stack.length - 1].indent > indent) stack.pop();
    if (item && item[1].length === indent) {
      const top = stack[stack.length - 1];
      if (top?.list && top.indent === indent) top.segment = (top.segment as number) + 1;
      else {
        while (stack.length && stack[stack.length - 1].indent >= indent && !stack[stack.length - 1].list) stack.pop();
        stack.push({ indent, segment: 0, list: true });
      }
    }
    if (match && match[3] !== undefined) {
      const keyIndent = indent + match[2].length;
      while (stack.length && stack[stack.length - 1].indent >= keyIndent && !stack[stack.length - 1].list) stack.pop();
      stack.push({ indent: keyIndent, segment: match[3].replace(/^['"]|['"]$/g, '') });
    }
  }
  return formatKeyPath(stack.map((e) => e.segment));
}

/** One YAML document (an empty text is `undefined`); several documents are refused. */
export function loadYamlDocument(text: string, file: string, limits: YamlLimits = {}): unknown {
  const documents = loadYamlDocuments(text, file, limits);
  if (documents.length > 1) throw new InputError(`holds ${documents.length} YAML documents; an environment file holds one`);
  return documents[0];
}

/**
 * Walks a document as if its aliases were copies, and stops as soon as the budget is spent, or at an
 * alias of its own ancestor (a value that contains itself), naming the key path where that happened.
 */
function measure(root: unknown, budget: { values: number; chars: number }): void {
  const limit = `expands to more than ${budget.values} values or ${budget.chars} characters (YAML aliases count every time they are used); write the values out instead`;
  const walk = (node: unknown, segments: (string | number)[], ancestors: Set<unknown>) => {
    if (--budget.values < 0) throw new InputError(limit, formatKeyPath(segments));
    if (segments.length > MAX_DOCUMENT_DEPTH * 4) throw new InputError(`nests deeper than ${MAX_DOCUMENT_DEPTH * 4} levels through YAML aliases`, formatKeyPath(segments.slice(0, 8)));
    if (typeof node === 'string') budget.chars -= node.length;
    if (budget.chars < 0) throw new InputError(limit, formatKeyPath(segments));
    if (node === null || typeof node !== 'object') return;
    if (ancestors.has(node)) throw new InputError('is a YAML alias of a value that contains it; a config cannot contain itself', formatKeyPath(segments));
    ancestors.add(node);
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, [...segments, i], ancestors));
    else {
      for (const [key, value] of Object.entries(node)) {
        budget.chars -= key.length;
        walk(value, [...segments, key], ancestors);
      }
    }
    ancestors.delete(node);
  };
  walk(root, [], new Set());
}

import * as fs from 'fs';
import * as path from 'path';
import { ErrorObject } from 'ajv';
import { environmentChecks } from './environments';
import { legacyKeysOf, migrateLegacyKeys } from './legacy-keys';
import { formatKeyPath, showValue } from './messages';
import { entryKind, InputError, loadYamlDocument, MAX_CONFIG_BYTES, readRegularFile } from './safe-input';
import { checkSemantics, writtenRuntimeKeys } from './semantics';
import { EnvironmentInput } from './input.generated';
import { EnvironmentConfig } from './types.generated';
import { schemaNodeAt } from './walk';
// The schema compiled ahead of time (scripts/gen-config.js) with allErrors, useDefaults (ajv fills
// every documented default while it validates), strict. A test keeps it in step with schema.json.
import { validate as validateSchema } from './validate-config.generated';

/** One thing wrong with a config file: where, and what was expected. */
export interface ConfigProblem {
  readonly file: string;
  /** Dotted key path, e.g. `web.autoscaling.maxReplicas`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
}

/** Raised with every problem found in one or more config files, so that all can be fixed in one pass. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly ConfigProblem[]) {
    // A refusal without a reason would look like success to a script reading stderr: never allow it.
    if (problems.length === 0) throw new Error('internal error: a config was refused without a problem to report');
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/** A path as messages show it: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Parses and validates one environment file; throws ConfigError listing every problem. Keys of earlier
 * versions that are still read add a warning (what to write instead) to `warnings`.
 */
export function loadEnvironment(file: string, warnings: ConfigProblem[] = []): EnvironmentConfig {
  const display = displayPath(file);
  let text: string;
  try {
    text = readRegularFile(file, MAX_CONFIG_BYTES);
  } catch (err) {
    if (err instanceof InputError) throw new ConfigError([{ file: display, path: '', message: err.message }]);
    throw err;
  }
  return parseEnvironment(display, text, warnings);
}

/** Validates config text already read; `file` names it in messages. */
export function parseEnvironment(file: string, text: string, warnings: ConfigProblem[] = []): EnvironmentConfig {
  if (text.length > MAX_CONFIG_BYTES) {
    throw new ConfigError([{ file, path: '', message: `is ${text.length} characters; the limit is ${MAX_CONFIG_BYTES} bytes (1 MiB)` }]);
  }
  let document: unknown;
  try {
    document = loadYamlDocument(text, file);
  } catch (err) {
    if (err instanceof InputError) throw new ConfigError([{ file, path: err.keyPath, message: err.message }]);
    throw err;
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ file, path: '', message: `expected a mapping of settings at the top level (got ${document === undefined ? 'an empty file' : showValue(document)})` }]);
  }
  return validateDocument(file, document, warnings);
}

/** Configs that went through `validateDocument`: the stack takes them as they are. */
const RESOLVED = new WeakSet<object>();

/** Whether `config` came out of the loader or `resolveEnvironment` (defaults filled, every check passed). */
export function isResolvedEnvironment(config: unknown): config is EnvironmentConfig {
  return typeof config === 'object' && config !== null && RESOLVED.has(config);
}

/**
 * Trusts a config resolved in another thread and structured-cloned here (synth's render workers), so the
 * stack does not validate it again (tens of milliseconds per environment).
 * @internal
 */
export function trustResolvedEnvironment(config: EnvironmentConfig): EnvironmentConfig {
  RESOLVED.add(config);
  return config;
}

export interface ResolveOptions {
  /** Names the input in problem lines (`<source>: key.path: message`). @default the environment's name */
  readonly source?: string;
  /** Receives a warning per key of an earlier version that was read. @default - warnings are dropped */
  readonly warnings?: ConfigProblem[];
}

/**
 * An environment written in TypeScript (every defaulted key optional) as the resolved model: the schema's
 * defaults filled and every check the YAML loader runs (schema, legacy keys, cross-field rules), through the
 * same code. Throws ConfigError with one `key.path: message` problem per mistake. The input is not modified;
 * an already resolved config is returned as it is.
 */
export function resolveEnvironment(input: EnvironmentInput | EnvironmentConfig, options: ResolveOptions = {}): EnvironmentConfig {
  if (isResolvedEnvironment(input)) return input;
  const name = (input as { name?: unknown } | null)?.name;
  const source = options.source ?? (typeof name === 'string' && name ? name : 'environment');
  // A copy as YAML would give it: plain data, keys set to undefined left out.
  let document: unknown;
  try {
    document = JSON.parse(JSON.stringify(input) ?? 'null');
  } catch (err) {
    throw new ConfigError([{ file: source, path: '', message: `is not plain data (${(err as Error).message})` }]);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ file: source, path: '', message: `expected an object of settings (got ${showValue(document)})` }]);
  }
  return validateDocument(source, document, options.warnings ?? []);
}

/**
 * A resolved config with a change made in code (e.g. one more worker pool), checked again as a whole: the
 * defaults of the changed part are filled and every check runs, except the one about runtime-only keys the
 * file wrote, which the resolved config already passed (its defaults would read as written).
 * @internal
 */
export function resolveAmendedEnvironment(amended: EnvironmentInput, source: string): EnvironmentConfig {
  let document: object;
  try {
    document = JSON.parse(JSON.stringify(amended));
  } catch (err) {
    throw new ConfigError([{ file: source, path: '', message: `is not plain data (${(err as Error).message})` }]);
  }
  return validateDocument(source, document, [], true);
}

/** Schema (with defaults), legacy keys and cross-field rules over a parsed document: the one path YAML and TypeScript input share. */
function validateDocument(file: string, document: object, warnings: ConfigProblem[], amendsResolved = false): EnvironmentConfig {
  // What the file itself says about legacy keys, before validation fills the defaults into it.
  const legacy = legacyKeysOf(document);
  const written = amendsResolved ? new Set<string>() : writtenRuntimeKeys(document);
  const before = amendsResolved ? undefined : JSON.stringify(document);
  const validate = validateSchema as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
  if (!validate(document)) {
    throw new ConfigError(schemaProblems(file, document, validate.errors ?? []));
  }
  // A document validation filled nothing into is complete (a resolved config, copied): its runtime-only keys
  // are the defaults it was resolved with, not keys someone wrote.
  const runtimeKeys = before !== undefined && JSON.stringify(document) === before ? new Set<string>() : written;
  const config = document as EnvironmentConfig;
  const migrated = migrateLegacyKeys(config, legacy);
  warnings.push(...migrated.warnings.map((p) => ({ file, ...p })));
  const problems = [...migrated.problems, ...checkSemantics(config, runtimeKeys)].map((p) => ({ file, ...p }));
  if (problems.length > 0) throw new ConfigError(problems);
  RESOLVED.add(config);
  return config;
}

/** An environment with the file it came from. */
export interface LoadedEnvironment {
  readonly file: string;
  readonly config: EnvironmentConfig;
}

/**
 * Loads several environments and checks them against each other (names, namespaces, Argo CD
 * Applications and folders must not collide); every problem of every file is reported at once.
 * `onLoaded` is told each environment in file order as soon as it is read and valid, as long as every file
 * before it was: synth starts rendering them while the rest are read (the run still fails, writing
 * nothing, if a later file or the checks across files find a problem).
 */
export function loadEnvironmentFiles(files: readonly string[], warnings: ConfigProblem[] = [], onLoaded?: (config: EnvironmentConfig) => void): LoadedEnvironment[] {
  const problems: ConfigProblem[] = [];
  const loaded: LoadedEnvironment[] = [];
  for (const file of files) {
    try {
      const config = loadEnvironment(file, warnings);
      loaded.push({ file: displayPath(file), config });
      if (problems.length === 0) onLoaded?.(config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  problems.push(...environmentChecks(loaded));
  if (problems.length > 0) throw new ConfigError(problems);
  // Every file read is an environment, or the run has already failed: none is dropped on the way.
  if (loaded.length !== files.length) throw new Error(`internal error: ${files.length} config files read but ${loaded.length} environments loaded`);
  return loaded;
}

/** Loads several environments and checks that they do not collide; warnings go to `warnings`. */
export function loadEnvironments(files: readonly string[], warnings: ConfigProblem[] = []): EnvironmentConfig[] {
  return loadEnvironmentFiles(files, warnings).map((e) => e.config);
}

/**
 * The environment files of a folder: every .yaml or .yml entry, sorted. Refuses a missing folder, a
 * folder without environment files (synthesizing nothing would delete every environment downstream),
 * and entries that are not regular files (a FIFO would hang the read; skipping it would drop an environment).
 */
export function findEnvironmentFiles(dir: string): string[] {
  const display = displayPath(dir);
  let entries: string[];
  try {
    const stat = fs.statSync(dir);
    if (!stat.isDirectory()) throw new ConfigError([{ file: display, path: '', message: `is ${entryKind(stat)}, not a folder of environment files` }]);
    entries = fs.readdirSync(dir);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such folder' : `cannot read the folder (${code ?? (err as Error).message})`;
    throw new ConfigError([{ file: display, path: '', message: `${reason}; environment files (<name>.yaml) are read from it` }]);
  }
  const files = entries.filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => path.join(dir, f));
  if (files.length === 0) {
    throw new ConfigError([{ file: display, path: '', message: `no environment files (*.yaml, *.yml) in ${display}/; refusing to synthesize nothing (that would delete every environment)` }]);
  }
  const problems: ConfigProblem[] = [];
  for (const file of files) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) problems.push({ file: displayPath(file), path: '', message: 'cannot read file (a broken symbolic link)' });
    else if (!stat.isFile()) problems.push({ file: displayPath(file), path: '', message: `is ${entryKind(stat)}, not a regular file; refused (environment files must be regular files)` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return files;
}

function schemaProblems(file: string, document: unknown, errors: readonly ErrorObject[]): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  const add = (problem: ConfigProblem) => {
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  };
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const branchesOf = (alt: ErrorObject) => errors.filter((e) => e !== alt && e.schemaPath.startsWith(`${alt.schemaPath}/`) && e.instancePath.startsWith(alt.instancePath));
  // Alternatives whose branches only disagree about which keys are required (a peer with both or neither
  // of cidr and namespace) are reported as one problem at the alternative; otherwise the branch errors say more.
  const collapsed = alternatives.filter((alt) => branchesOf(alt).every((b) => b.keyword === 'required' && b.instancePath === alt.instancePath));
  const hidden = new Set(collapsed.flatMap(branchesOf));
  for (const error of errors) {
    if (hidden.has(error) || error.keyword === 'if') continue;
    // A propertyNames failure comes twice: from the inner keyword (carrying propertyName) and from propertyNames itself.
    if ((error as ErrorObject & { propertyName?: string }).propertyName !== undefined) continue;
    if ((error.keyword === 'oneOf' || error.keyword === 'anyOf') && !collapsed.includes(error)) continue;
    add({ file, path: keyPath(error), message: describe(error, valueAt(document, error.instancePath)) });
  }
  // ajv never fails without an error, but a refusal must always say why.
  if (problems.length === 0) add({ file, path: errors[0] ? keyPath(errors[0]) : '', message: errors[0] ? describe(errors[0], valueAt(document, errors[0].instancePath)) : 'does not match the schema' });
  return problems;
}

function pointerSegments(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function keyPath(error: ErrorObject): string {
  const segments = pointerSegments(error.instancePath);
  if (error.keyword === 'additionalProperties') segments.push(error.params.additionalProperty);
  if (error.keyword === 'required') segments.push(error.params.missingProperty);
  if (error.keyword === 'propertyNames') segments.push(error.params.propertyName);
  if (error.keyword === 'dependencies') segments.push(error.params.property);
  return formatKeyPath(segments);
}

/** The offending value, found from the error's JSON pointer. */
function valueAt(document: unknown, pointer: string): unknown {
  return pointerSegments(pointer).reduce<any>((node, s) => (node !== null && typeof node === 'object' ? node[s] : undefined), document);
}

function describe(error: ErrorObject, data: unknown): string {
  const p = error.params as Record<string, any>;
  const got = (v: unknown) => (v === undefined ? '' : ` (got ${showValue(v)})`);
  // The schema of the value in error, found from the value's path: ajv's schemaPath is relative to a
  // definition when the validator compiled it as a function of its own.
  const node = schemaNodeAt(pointerSegments(error.instancePath));
  const expected = (fallback: string) => `expected ${lowerFirst(node?.description ?? fallback)}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(node?.properties ?? {});
      const hint = closest(p.additionalProperty, allowed);
      return `unknown key${hint ? `; did you mean "${hint}"?` : ''} (expected one of: ${allowed.join(', ')})`;
    }
    case 'required':
      return 'is required';
    case 'enum':
      return `expected one of ${p.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}${got(data)}`;
    case 'type':
      return `expected ${p.type}${got(data)}`;
    case 'pattern':
      return `${expected(`a value matching ${p.pattern}`)}${got(data)}`;
    case 'propertyNames': {
      const names = node?.propertyNames;
      return `${names?.description ? `expected ${lowerFirst(names.description)}` : 'is not an allowed key'} (got ${showValue(p.propertyName)})`;
    }
    case 'not':
      return `${node?.not?.description ?? 'is not allowed'}${got(data)}`;
    case 'dependencies':
      return `needs ${p.missingProperty} beside it${node?.description ? `; ${lowerFirst(node.description)}` : ''}`;
    case 'oneOf':
    case 'anyOf': {
      const present = Array.isArray(p.passingSchemas) ? ' (it matches more than one)' : ' (it matches none)';
      return `${expected('exactly one of the alternatives')}${present}`;
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `expected a number ${p.comparison} ${p.limit}${got(data)}`;
    case 'minItems':
      return `expected at least ${p.limit} item(s)`;
    case 'maxItems':
      return `expected at most ${p.limit} item(s)`;
    case 'minLength':
      return `expected at least ${p.limit} character(s)${got(data)}`;
    case 'maxLength':
      return `expected at most ${p.limit} characters${got(data)}`;
    default:
      return `${error.message ?? 'invalid'}${got(data)}`;
  }
}

function lowerFirst(text: string): string {
  const trimmed = text.replace(/\.$/, '');
  // "A network peer" -> "a network peer"; acronyms and names (DNS-1123, IngressClass) stay as written.
  return /^[A-Z][a-z]*(\s|$)/.test(trimmed) ? trimmed[0].toLowerCase() + trimmed.slice(1) : trimmed;
}

/** The allowed key nearest to a typo, if it is near enough to be a likely intent. */
function closest(typo: string, candidates: readonly string[]): string | undefined {
  if (typo.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(typo.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(typo.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}


import * as fs from 'fs';
import * as path from 'path';
import { ErrorObject } from 'ajv';
import * as yaml from 'js-yaml';
import schema from './schema.json';
import { legacyKeysOf, migrateLegacyKeys } from './legacy-keys';
import { checkSemantics } from './semantics';
import { EnvironmentConfig } from './types.generated';
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
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(problem: ConfigProblem): string {
  return problem.path ? `${problem.file}: ${problem.path}: ${problem.message}` : `${problem.file}: ${problem.message}`;
}

/**
 * Parses and validates one environment file; throws ConfigError listing every problem. Keys of earlier
 * versions that are still read add a warning (what to write instead) to `warnings`.
 */
export function loadEnvironment(file: string, warnings: ConfigProblem[] = []): EnvironmentConfig {
  const display = path.relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file: display, path: '', message: `cannot read file (${(err as NodeJS.ErrnoException).code})` }]);
  }
  return parseEnvironment(display, text, warnings);
}

/** Validates config text already read; `file` names it in messages. */
export function parseEnvironment(file: string, text: string, warnings: ConfigProblem[] = []): EnvironmentConfig {
  let document: unknown;
  try {
    document = yaml.load(text, { filename: file, schema: yaml.CORE_SCHEMA });
  } catch (err) {
    const mark = (err as yaml.YAMLException).mark;
    const where = mark ? `line ${mark.line + 1}, column ${mark.column + 1}: ` : '';
    throw new ConfigError([{ file, path: '', message: `YAML syntax error: ${where}${(err as yaml.YAMLException).reason}` }]);
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new ConfigError([{ file, path: '', message: 'expected a mapping of settings at the top level' }]);
  }
  const legacy = legacyKeysOf(document);
  const validate = validateSchema as ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
  if (!validate(document)) {
    throw new ConfigError(schemaProblems(file, document, validate.errors ?? []));
  }
  const config = document as EnvironmentConfig;
  const migrated = migrateLegacyKeys(config, legacy);
  warnings.push(...migrated.warnings.map((p) => ({ file, ...p })));
  const problems = [...migrated.problems, ...checkSemantics(config)].map((p) => ({ file, ...p }));
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Loads several environments and checks that their output folders do not collide; warnings go to `warnings`. */
export function loadEnvironments(files: readonly string[], warnings: ConfigProblem[] = []): EnvironmentConfig[] {
  const problems: ConfigProblem[] = [];
  const configs: EnvironmentConfig[] = [];
  const owners = new Map<string, string>();
  for (const file of files) {
    try {
      const config = loadEnvironment(file, warnings);
      const owner = owners.get(config.name);
      if (owner) {
        problems.push({ file, path: 'name', message: `"${config.name}" is already used by ${owner}; each environment needs its own name` });
      }
      owners.set(config.name, file);
      configs.push(config);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return configs;
}

/** The environment files of a folder: every .yaml or .yml file, sorted. */
export function findEnvironmentFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

function schemaProblems(file: string, document: unknown, errors: readonly ErrorObject[]): ConfigProblem[] {
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const error of errors) {
    // oneOf and anyOf repeat their branches' errors; the branch errors say more.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const problem = { file, path: keyPath(error), message: describe(error, valueAt(document, error.instancePath)) };
    const key = `${problem.path}\u0000${problem.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      problems.push(problem);
    }
  }
  return problems;
}

function keyPath(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') segments.push(error.params.additionalProperty);
  if (error.keyword === 'required') segments.push(error.params.missingProperty);
  if (error.keyword === 'propertyNames') segments.push(error.params.propertyName);
  return segments.reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

/** The offending value, found from the error's JSON pointer. */
function valueAt(document: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<any>((node, s) => node?.[s.replace(/~1/g, '/').replace(/~0/g, '~')], document);
}

function describe(error: ErrorObject, data: unknown): string {
  const p = error.params as Record<string, any>;
  const got = (v: unknown) => (v === undefined ? '' : ` (got ${JSON.stringify(v)})`);
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(propertiesAt(error.schemaPath) ?? {});
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
      return `expected ${schemaAt(error.schemaPath)?.description ?? `a value matching ${p.pattern}`}${got(data)}`;
    case 'propertyNames':
      return 'expected an environment variable name (A-Z, 0-9, _)';
    case 'minimum':
    case 'maximum':
      return `expected a number ${p.comparison} ${p.limit}${got(data)}`;
    case 'minItems':
      return `expected at least ${p.limit} item(s)`;
    case 'maxLength':
      return `expected at most ${p.limit} characters${got(data)}`;
    default:
      return `${error.message ?? 'invalid'}${got(data)}`;
  }
}

/** The schema object that holds the keyword an error came from. */
function schemaAt(schemaPath: string): any {
  let node: any = schema;
  for (const segment of schemaPath.replace(/^#\//, '').split('/').slice(0, -1)) {
    node = node?.[segment.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node;
}

/** The `properties` of the schema object an additionalProperties error came from. */
function propertiesAt(schemaPath: string): Record<string, unknown> | undefined {
  return schemaAt(schemaPath)?.properties;
}

/** The allowed key nearest to a typo, if it is near enough to be a likely intent. */
function closest(typo: string, candidates: readonly string[]): string | undefined {
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

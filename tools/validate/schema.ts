/**
 * Strict schema validation: built-in kinds against the Kubernetes 1.28 definitions, custom resources
 * against the openAPIV3Schema of a served CRD version (see schemas/PROVENANCE.md for how the committed
 * schema files were derived). The kinds the project emits use validators precompiled at development time
 * (schemas/validators.generated.js, ajv standalone code written by scripts/gen-validators.js from the schema
 * files next to it); any other kind is compiled lazily, once per apiVersion/kind, on one Ajv instance created
 * on first need.
 */
import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { KubeObject } from '../k8s/manifests';
import SHARED_AJV_OPTIONS from '../../schemas/ajv-options.json';

/** A finding without its file, kind and name (the caller adds those). */
export interface SchemaIssue {
  readonly rule: SchemaRule;
  readonly message: string;
  /** The offending scalar, when the error is about one (lets synth name the config key it came from). */
  readonly value?: string;
}

export type SchemaRule = 'schema/invalid' | 'schema/unknown-field' | 'schema/unknown-kind' | 'schema/unserved-version';

export const SCHEMA_RULES: Readonly<Record<SchemaRule, string>> = {
  'schema/invalid':
    'the object must match the Kubernetes 1.28 API schema (built-in kinds) or its CRD openAPIV3Schema (custom resources), or the API server rejects it',
  'schema/unknown-field':
    'fields the schema does not declare are rejected (kubeconform strict): the API server would drop them silently, so a typo would go unnoticed',
  'schema/unknown-kind':
    'every object must be of a kind known to the shipped schemas (k8s 1.28 or a pinned CRD); unknown kinds are failures, not skips',
  'schema/unserved-version':
    'custom resources must use a version the CRD serves; a cluster running these CRDs rejects unserved versions (e.g. external-secrets.io/v1beta1)',
};

interface SchemaIndex {
  readonly k8s: { readonly file: string; readonly id: string; readonly kinds: Record<string, Record<string, string>> };
  readonly crds: Record<string, Record<string, { readonly file: string; readonly scope: string }>>;
  readonly unserved: Record<string, string[]>;
}

/** Finds the committed schemas/ folder from source (tools/validate) and compiled (build/tools/validate) locations. */
export function findSchemasDir(start: string = __dirname): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'schemas', 'index.json'))) return path.join(dir, 'schemas');
    if (path.dirname(dir) === dir) throw new Error(`schemas/index.json not found above ${start}`);
  }
}

/**
 * Options of the run-time Ajv instance, from schemas/ajv-options.json, which scripts/gen-validators.js
 * shares (adding standalone code generation and one optimisation pass, which changes no result) so both
 * kinds of validators report alike. Measured: `inlineRefs: false` (there) and no code optimisation (here)
 * compile ~40% faster.
 */
export const AJV_OPTIONS: Readonly<Options> = { ...SHARED_AJV_OPTIONS, code: { optimize: false } };

/** The precompiled validators in a schemas folder, by `${apiVersion} ${kind}` (see scripts/gen-validators.js). */
export const PRECOMPILED_FILE = 'validators.generated.js';

export interface SchemaValidatorOptions {
  /**
   * Use the schemas folder's precompiled validators (PRECOMPILED_FILE) for the kinds they cover, when the file
   * exists. Default true; false compiles every kind at run time (tests compare both).
   */
  readonly precompiled?: boolean;
}

export class SchemaValidator {
  private readonly dir: string;
  private readonly index: SchemaIndex;
  private readonly precompiled: Readonly<Record<string, ValidateFunction>>;
  private ajvInstance: Ajv | undefined;
  private readonly validators = new Map<string, ValidateFunction | undefined>();
  private k8sLoaded = false;

  constructor(schemasDir: string = findSchemasDir(), options: SchemaValidatorOptions = {}) {
    this.dir = schemasDir;
    this.index = JSON.parse(fs.readFileSync(path.join(schemasDir, 'index.json'), 'utf8'));
    this.precompiled = options.precompiled === false ? {} : loadPrecompiled(schemasDir);
  }

  private get ajv(): Ajv {
    // Loaded on first need only: the kinds the project emits are precompiled, so synth never loads the compiler.
    this.ajvInstance ??= new (require('ajv').default as typeof Ajv)(AJV_OPTIONS);
    return this.ajvInstance;
  }

  validate(object: unknown): SchemaIssue[] {
    if (!isRecord(object)) return [{ rule: 'schema/invalid', message: 'document is not an object (a YAML mapping)' }];
    const { apiVersion, kind } = object;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !apiVersion || !kind) {
      return [{ rule: 'schema/unknown-kind', message: 'apiVersion and kind must both be set (non-empty strings)' }];
    }
    const validate = this.validatorFor(apiVersion, kind);
    if (!validate) return [this.unknown(apiVersion, kind)];
    if (validate(object)) return [];
    return formatErrors(validate.errors ?? [], object).map((e) => ({
      rule: e.unknownField ? 'schema/unknown-field' : 'schema/invalid',
      message: e.message,
      ...(e.value !== undefined ? { value: e.value } : {}),
    }));
  }

  private unknown(apiVersion: string, kind: string): SchemaIssue {
    if (this.index.unserved[apiVersion]?.includes(kind)) {
      const group = apiVersion.split('/')[0];
      const served = Object.keys(this.index.crds).filter((v) => v.startsWith(`${group}/`) && this.index.crds[v][kind]);
      return {
        rule: 'schema/unserved-version',
        message: `${apiVersion} ${kind} is not served by the CRD (served: ${served.join(', ') || 'none'})`,
      };
    }
    const otherVersions = [
      ...Object.keys(this.index.k8s.kinds).filter((v) => this.index.k8s.kinds[v][kind]),
      ...Object.keys(this.index.crds).filter((v) => this.index.crds[v][kind]),
    ];
    return {
      rule: 'schema/unknown-kind',
      message: `unknown apiVersion/kind ${apiVersion} ${kind}${otherVersions.length ? ` (known versions of ${kind}: ${otherVersions.join(', ')})` : ' (no shipped schema: add its CRD to the reference and run npm run gen:schemas)'}`,
    };
  }

  private validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
    const key = `${apiVersion} ${kind}`;
    if (this.validators.has(key)) return this.validators.get(key);
    let validate: ValidateFunction | undefined;
    const builtin = own(this.index.k8s.kinds, apiVersion) ? own(this.index.k8s.kinds[apiVersion], kind) : undefined;
    const crd = own(this.index.crds, apiVersion) ? own(this.index.crds[apiVersion], kind) : undefined;
    const precompiled = builtin || crd ? own(this.precompiled, key) : undefined;
    if (precompiled) {
      validate = precompiled;
    } else if (builtin) {
      this.loadK8s();
      validate = this.ajv.getSchema(`${this.index.k8s.id}#/definitions/${builtin}`);
    } else if (crd) {
      this.loadK8s(); // CR metadata refers to ObjectMeta
      const schema = JSON.parse(fs.readFileSync(path.join(this.dir, crd.file), 'utf8'));
      if (!this.ajv.getSchema(schema.$id)) this.ajv.addSchema(schema);
      validate = this.ajv.getSchema(schema.$id);
    }
    this.validators.set(key, validate);
    return validate;
  }

  private loadK8s(): void {
    if (this.k8sLoaded) return;
    this.ajv.addSchema(JSON.parse(fs.readFileSync(path.join(this.dir, this.index.k8s.file), 'utf8')));
    this.k8sLoaded = true;
  }
}

/**
 * Set in the bundles scripts/run.js executes (scripts/bundle-inject.js): the precompiled validators of the
 * project's schemas folder, compiled with the program. Undefined under tsc output and ts-jest.
 */
declare const BUNDLED_PRECOMPILED_VALIDATORS: Readonly<Record<string, ValidateFunction>> | undefined;

function loadPrecompiled(schemasDir: string): Readonly<Record<string, ValidateFunction>> {
  if (typeof BUNDLED_PRECOMPILED_VALIDATORS !== 'undefined' && path.resolve(schemasDir) === findSchemasDir()) return BUNDLED_PRECOMPILED_VALIDATORS;
  const file = path.resolve(schemasDir, PRECOMPILED_FILE);
  return fs.existsSync(file) ? require(file) : {};
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function isRecord(v: unknown): v is KubeObject & Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `/spec/template/spec/containers/0/securityContext` -> `spec.template.spec.containers[0].securityContext`. */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** A value in a message: JSON, cut to about 80 characters (a huge value must not become a huge line). */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}... (${text.length} characters)` : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

interface Formatted {
  readonly message: string;
  readonly unknownField: boolean;
  readonly value?: string;
}

/** Turns Ajv errors into one readable line each; alternatives (oneOf/anyOf) are collapsed into one message. */
export function formatErrors(errors: readonly ErrorObject[], data?: unknown): Formatted[] {
  const alternatives = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const isBranchError = (e: ErrorObject) =>
    alternatives.some((a) => a !== e && e.schemaPath.startsWith(`${a.schemaPath}/`) && e.instancePath.startsWith(a.instancePath));
  const out: Formatted[] = [];
  const seen = new Set<string>();
  const push = (f: Formatted) => {
    if (!seen.has(f.message)) {
      seen.add(f.message);
      out.push(f);
    }
  };
  for (const e of errors) {
    if (isBranchError(e)) continue;
    const where = pointerToPath(e.instancePath);
    const at = (msg: string) => (where ? `${where}: ${msg}` : msg);
    const got = e.data !== undefined ? e.data : lookup(data, e.instancePath);
    switch (e.keyword) {
      case 'additionalProperties':
        push({ unknownField: true, message: at(`unknown field ${show((e.params as { additionalProperty: string }).additionalProperty)}`) });
        break;
      case 'required':
        push({ unknownField: false, message: at(`missing required field "${(e.params as { missingProperty: string }).missingProperty}"`) });
        break;
      case 'type':
        push({ unknownField: false, message: at(`must be ${[(e.params as { type: string | string[] }).type].flat().join(' or ')}, got ${describe(got)}`) });
        break;
      case 'enum':
        push({
          unknownField: false,
          message: at(`must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}, got ${show(got)}`),
          ...(typeof got === 'string' ? { value: got } : {}),
        });
        break;
      case 'oneOf':
      case 'anyOf': {
        const branches = errors.filter((b) => b !== e && b.schemaPath.startsWith(`${e.schemaPath}/`));
        if (branches.length && branches.every((b) => b.keyword === 'type' && b.instancePath === e.instancePath)) {
          const types = [...new Set(branches.flatMap((b) => [(b.params as { type: string | string[] }).type].flat()))];
          push({ unknownField: false, message: at(`must be ${types.join(' or ')}, got ${describe(got)}`) });
        } else if (branches.length) {
          const sub = formatErrors(branches.filter((b) => b.keyword !== e.keyword || b.schemaPath !== e.schemaPath)).map((f) => f.message);
          push({ unknownField: false, message: at(`must match one of the alternatives: ${sub.join(' | ')}`) });
        } else {
          push({ unknownField: false, message: at(e.message ?? e.keyword) });
        }
        break;
      }
      default:
        push({
          unknownField: false,
          message: at(`${e.message ?? e.keyword}${got !== undefined && typeof got !== 'object' ? ` (got ${show(got)})` : ''}`),
          ...(typeof got === 'string' || typeof got === 'number' ? { value: String(got) } : {}),
        });
    }
  }
  return out;
}

function lookup(data: unknown, pointer: string): unknown {
  if (data === undefined) return undefined;
  let cur: any = data;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

/**
 * The validation gate: strict schema, Pod Security Standards (restricted) and the project's production
 * policy over in-memory manifests. `npm run validate` runs it over dist/; synth calls `validateManifests`
 * on the rendered objects before writing them.
 */
import type { Manifest } from '../k8s/manifests';
import { API_RULES, checkApiRules } from './api-rules';
import { checkPodSecurity, POD_SECURITY_RULES } from './pod-security';
import { checkProductionPolicy, PRODUCTION_POLICY_RULES } from './production-policy';
import { SCHEMA_RULES, SchemaValidator } from './schema';

export interface Finding {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly rule: string;
  readonly message: string;
  /** The offending value (a name, a label, an image), when the rule has one; it lets synth name the config key it came from. */
  readonly value?: string;
}

/** Every rule id with the one-line reason it exists. */
export const RULES: Readonly<Record<string, string>> = {
  ...SCHEMA_RULES,
  ...POD_SECURITY_RULES,
  ...PRODUCTION_POLICY_RULES,
  ...API_RULES,
};

let shared: SchemaValidator | undefined;

/** The process-wide schema validator (compiled validators are cached per apiVersion/kind). */
function schemaValidator(): SchemaValidator {
  return (shared ??= new SchemaValidator());
}

/** All findings for the given objects, sorted by file, kind, name, rule and message. */
export function validateManifests(manifests: readonly Manifest[]): Finding[] {
  const findings: Finding[] = [];
  const validator = schemaValidator();
  const label = (m: Manifest) => {
    const o: any = m.object;
    const isObj = typeof o === 'object' && o !== null && !Array.isArray(o);
    return {
      file: m.file,
      kind: isObj && typeof o.kind === 'string' && o.kind ? o.kind : '<no kind>',
      name: isObj && typeof o.metadata?.name === 'string' && o.metadata.name ? o.metadata.name : '<unnamed>',
    };
  };
  for (const m of manifests) {
    for (const issue of validator.validate(m.object)) findings.push({ ...label(m), ...issue });
    if (typeof m.object === 'object' && m.object !== null) {
      for (const issue of checkPodSecurity(m.object)) findings.push({ ...label(m), ...issue });
      for (const issue of checkApiRules(m.object)) findings.push({ ...label(m), ...issue });
    }
  }
  for (const issue of checkProductionPolicy(manifests)) {
    findings.push({ ...label(issue.manifest), rule: issue.rule, message: issue.message, ...(issue.value !== undefined ? { value: issue.value } : {}) });
  }
  return sortFindings(findings);
}

export function sortFindings(findings: Finding[]): Finding[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return findings.sort((a, b) => cmp(a.file, b.file) || cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.rule, b.rule) || cmp(a.message, b.message));
}

export { formatJson, formatTable } from './report';

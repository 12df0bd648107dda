/**
 * What External Secrets Operator writes into the Secret for an ExternalSecret, for a store of JSON secrets:
 * `data` (one property each), `dataFrom.extract` (all properties of a key) with regexp rewrites, then the
 * v2 template with `mergePolicy: Replace` (only templated keys stay) and `missingkey=error`. Only the
 * features the generator uses are modelled; anything else throws, so a new feature needs a new model.
 * @see https://external-secrets.io/latest/guides/datafrom-rewrite/ and /guides/templating/
 */
export type Store = Readonly<Record<string, Readonly<Record<string, string>>>>;

/** Provider calls ESO makes for one refresh, by remote key. */
export interface EsoResult {
  readonly secret: Record<string, string>;
  readonly providerCalls: number;
}

export function resolveExternalSecret(externalSecret: any, store: Store): EsoResult {
  const spec = externalSecret.spec;
  const data: Record<string, string> = {};
  let providerCalls = 0;
  const remote = (key: string) => {
    providerCalls++;
    const value = store[key];
    if (!value) throw new Error(`store has no secret ${key}`);
    return value;
  };
  for (const entry of spec.data ?? []) {
    const value = remote(entry.remoteRef.key)[entry.remoteRef.property];
    if (value === undefined) throw new Error(`secret ${entry.remoteRef.key} has no property ${entry.remoteRef.property}`);
    data[entry.secretKey] = value;
  }
  for (const from of spec.dataFrom ?? []) {
    if (!from.extract) throw new Error('only dataFrom.extract is modelled');
    let extracted: Record<string, string> = { ...remote(from.extract.key) };
    for (const rewrite of from.rewrite ?? []) {
      if (!rewrite.regexp) throw new Error('only regexp rewrites are modelled');
      // Go's ReplaceAllString takes ${1}; JavaScript's replace takes $1.
      const source = new RegExp(rewrite.regexp.source);
      const target = rewrite.regexp.target.replace(/\$\{(\d+)\}/g, '$$$1');
      extracted = Object.fromEntries(Object.entries(extracted).map(([k, v]) => [k.replace(source, target), v]));
    }
    Object.assign(data, extracted);
  }
  const template = spec.target?.template;
  if (!template) return { secret: data, providerCalls };
  if (template.engineVersion !== 'v2' || template.mergePolicy !== 'Replace') throw new Error('only v2 templates with mergePolicy Replace are modelled');
  const secret: Record<string, string> = {};
  for (const [key, text] of Object.entries<string>(template.data ?? {})) {
    if (/\{\{/.test(text.replace(/\{\{ \.[A-Za-z_][A-Za-z0-9_]* \}\}/g, ''))) throw new Error(`template ${key} uses more than {{ .name }}: ${text}`);
    secret[key] = text.replace(/\{\{ \.([A-Za-z_][A-Za-z0-9_]*) \}\}/g, (_, name: string) => {
      if (!(name in data)) throw new Error(`template ${key}: map has no entry for key "${name}"`);
      return data[name];
    });
  }
  return { secret, providerCalls };
}

/** Keys of the Secret an ExternalSecret writes (without resolving values). */
export function secretKeysOf(externalSecret: any): string[] {
  const template = externalSecret.spec.target?.template;
  if (template?.data) return Object.keys(template.data).sort();
  return (externalSecret.spec.data ?? []).map((d: any) => d.secretKey).sort();
}

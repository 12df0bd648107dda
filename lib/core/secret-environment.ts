import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecDataFromExtractConversionStrategy,
  ExternalSecretSpecDataFromExtractDecodingStrategy,
  ExternalSecretSpecDataFromExtractMetadataPolicy,
  ExternalSecretSpecDataRemoteRefConversionStrategy,
  ExternalSecretSpecDataRemoteRefDecodingStrategy,
  ExternalSecretSpecDataRemoteRefMetadataPolicy,
  ExternalSecretSpecRefreshPolicy,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
  ExternalSecretSpecTargetTemplateEngineVersion,
  ExternalSecretSpecTargetTemplateMergePolicy,
} from '../../imports/external-secrets.io';
import { EnvFromSource, PodSpec } from '../../imports/k8s';
import { AppContext } from './app-context';
import { SyncWave } from './sync-waves';

/** Where one variable's value lives in the secret manager. */
export interface RemoteSecretRef {
  readonly key: string;
  readonly property: string;
}

export interface SecretStoreRef {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
}

/** How ESO reads the store: one call per variable, or one per remote key (`dataFrom.extract`). */
export type SecretFetch = 'perKey' | 'extract';

/** Properties a Go template can name as `.Name`; others are read per key even with `extract`. */
const TEMPLATE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretEnvironmentProps {
  readonly context: AppContext;
  /** Component the secret belongs to, e.g. `laravel`; names the ExternalSecret and its Secret `<app>-<component>`. */
  readonly component: string;
  readonly store: SecretStoreRef;
  /** How often ESO re-reads the store, e.g. `1h`. */
  readonly refreshInterval: string;
  /** Environment variable name → its remote reference. */
  readonly variables: Readonly<Record<string, RemoteSecretRef>>;
  /** @default 'perKey' */
  readonly fetch?: SecretFetch;
}

/**
 * Secret environment variables of one component, synced from the secret manager by External Secrets
 * Operator. Only references are written: no Secret object and no secret value ever reaches the output.
 * Fields the ESO API server would default are written out so that Argo CD sees no drift.
 * @see https://external-secrets.io/latest/api/externalsecret/
 */
export class SecretEnvironment extends Construct {
  /** Name of the Kubernetes Secret ESO writes. */
  public readonly secretName: string;
  public readonly variableNames: readonly string[];

  constructor(scope: Construct, id: string, props: SecretEnvironmentProps) {
    super(scope, id);
    const { context } = props;
    this.secretName = context.name(props.component);
    this.variableNames = Object.keys(props.variables).sort();

    new ExternalSecret(this, 'Resource', {
      metadata: context.metadata(this.secretName, props.component, { wave: SyncWave.FOUNDATION }),
      spec: {
        refreshInterval: props.refreshInterval,
        refreshPolicy: ExternalSecretSpecRefreshPolicy.PERIODIC,
        secretStoreRef: {
          kind: props.store.kind as ExternalSecretSpecSecretStoreRefKind,
          name: props.store.name,
        },
        target: {
          name: this.secretName,
          creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
          // Keep the last good Secret if the store entry disappears: pods keep starting.
          deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
          ...(props.fetch === 'extract' ? { template: extractTemplate(this.variableNames, props.variables) } : {}),
        },
        ...(props.fetch === 'extract' ? extractedData(this.variableNames, props.variables) : { data: this.variableNames.map((v) => dataEntry(v, props.variables[v])) }),
      },
    });
  }

  /** All variables as container environment. */
  get envFrom(): EnvFromSource {
    return { secretRef: { name: this.secretName } };
  }
}

/** Resolves `NAME -> {key?, property?}` config entries against the environment's default remote key. */
export function resolveRemoteRefs(
  names: readonly string[],
  overrides: Readonly<Record<string, { key?: string; property?: string }>>,
  defaultKey: string,
): Record<string, RemoteSecretRef> {
  const refs: Record<string, RemoteSecretRef> = {};
  for (const name of [...new Set([...names, ...Object.keys(overrides)])].sort()) {
    refs[name] = { key: overrides[name]?.key ?? defaultKey, property: overrides[name]?.property ?? name };
  }
  return refs;
}

const REF_DEFAULTS = {
  conversionStrategy: ExternalSecretSpecDataRemoteRefConversionStrategy.DEFAULT,
  decodingStrategy: ExternalSecretSpecDataRemoteRefDecodingStrategy.NONE,
  metadataPolicy: ExternalSecretSpecDataRemoteRefMetadataPolicy.NONE,
};

function dataEntry(secretKey: string, ref: RemoteSecretRef) {
  return { secretKey, remoteRef: { key: ref.key, property: ref.property, ...REF_DEFAULTS } };
}

/** Remote keys read with one extract each, sorted, and the key prefix each is rewritten into. */
function extractPrefixes(variables: Readonly<Record<string, RemoteSecretRef>>): Map<string, string> {
  const keys = [...new Set(Object.values(variables).filter((r) => TEMPLATE_IDENTIFIER.test(r.property)).map((r) => r.key))].sort();
  return new Map(keys.map((key, i) => [key, `key${i}_`]));
}

/** Name a variable's value has in ESO's data map before the template: `<prefix><property>` or, read per key, `perkey_<variable>`. */
function sourceName(variable: string, ref: RemoteSecretRef, prefixes: Map<string, string>): string {
  return TEMPLATE_IDENTIFIER.test(ref.property) ? `${prefixes.get(ref.key)}${ref.property}` : `perkey_${variable}`;
}

/**
 * One `dataFrom.extract` per remote key, its properties rewritten under the key's own prefix (two remote
 * keys may hold the same property name), plus per-key `data` for properties a template cannot name.
 * @see https://external-secrets.io/latest/guides/datafrom-rewrite/
 */
function extractedData(names: readonly string[], variables: Readonly<Record<string, RemoteSecretRef>>) {
  const prefixes = extractPrefixes(variables);
  const perKey = names.filter((v) => !TEMPLATE_IDENTIFIER.test(variables[v].property));
  return {
    ...(perKey.length ? { data: perKey.map((v) => dataEntry(sourceName(v, variables[v], prefixes), variables[v])) } : {}),
    dataFrom: [...prefixes].map(([key, prefix]) => ({
      extract: {
        key,
        conversionStrategy: ExternalSecretSpecDataFromExtractConversionStrategy.DEFAULT,
        decodingStrategy: ExternalSecretSpecDataFromExtractDecodingStrategy.NONE,
        metadataPolicy: ExternalSecretSpecDataFromExtractMetadataPolicy.NONE,
      },
      rewrite: [{ regexp: { source: '^(.*)$', target: `${prefix}\${1}` } }],
    })),
  };
}

/**
 * The Secret keeps exactly the listed variables: `mergePolicy: Replace` drops everything else the extract
 * brought (other components' credentials under the same remote key). A missing property fails the sync,
 * as a missing per-key property does: ESO renders templates with `missingkey=error`.
 * @see https://external-secrets.io/latest/guides/templating/
 */
function extractTemplate(names: readonly string[], variables: Readonly<Record<string, RemoteSecretRef>>) {
  const prefixes = extractPrefixes(variables);
  return {
    engineVersion: ExternalSecretSpecTargetTemplateEngineVersion.V2,
    mergePolicy: ExternalSecretSpecTargetTemplateMergePolicy.REPLACE,
    type: 'Opaque',
    data: Object.fromEntries(names.map((v) => [v, `{{ .${sourceName(v, variables[v], prefixes)} }}`])),
  };
}

/** Names of the Secrets a pod reads: env, envFrom and volumes of all its containers. */
export function secretNamesOf(spec: PodSpec): string[] {
  const names = new Set<string>();
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const from of c.envFrom ?? []) if (from.secretRef?.name) names.add(from.secretRef.name);
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef?.name) names.add(e.valueFrom.secretKeyRef.name);
  }
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) names.add(v.secret.secretName);
    for (const source of v.projected?.sources ?? []) if (source.secret?.name) names.add(source.secret.name);
  }
  return [...names].sort();
}

import { Construct } from 'constructs';
import {
  ExternalSecret,
  ExternalSecretSpecDataRemoteRefConversionStrategy,
  ExternalSecretSpecDataRemoteRefDecodingStrategy,
  ExternalSecretSpecDataRemoteRefMetadataPolicy,
  ExternalSecretSpecRefreshPolicy,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets.io';
import { EnvFromSource } from '../../imports/k8s';
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

export interface SecretEnvironmentProps {
  readonly context: AppContext;
  /** Component the secret belongs to, e.g. `laravel`; names the ExternalSecret and its Secret `<app>-<component>`. */
  readonly component: string;
  readonly store: SecretStoreRef;
  /** How often ESO re-reads the store, e.g. `1h`. */
  readonly refreshInterval: string;
  /** Environment variable name → its remote reference. */
  readonly variables: Readonly<Record<string, RemoteSecretRef>>;
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
        },
        data: this.variableNames.map((variable) => ({
          secretKey: variable,
          remoteRef: {
            key: props.variables[variable].key,
            property: props.variables[variable].property,
            conversionStrategy: ExternalSecretSpecDataRemoteRefConversionStrategy.DEFAULT,
            decodingStrategy: ExternalSecretSpecDataRemoteRefDecodingStrategy.NONE,
            metadataPolicy: ExternalSecretSpecDataRemoteRefMetadataPolicy.NONE,
          },
        })),
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

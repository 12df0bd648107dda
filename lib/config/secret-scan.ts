/**
 * Plain-text secrets in a config, wherever they are: every string of the resolved config is scanned
 * (not a list of fields, so new keys are covered), and the names of environment variables too. Values
 * are never echoed: the message says what the value looks like and where it is.
 */
import { isSecretName, secretShape } from './secret-shapes';
import { walkConfig } from './walk';

export { hasUrlCredentials, isSecretName, secretShape } from './secret-shapes';

export interface SecretFinding {
  readonly path: string;
  readonly message: string;
}

const MOVE = 'move it to the secret manager and list it under secretEnv instead';

/** Every plain-text secret of a config: secret-shaped strings anywhere, and env variables with secret names. */
export function scanSecrets(config: unknown): SecretFinding[] {
  const findings: SecretFinding[] = [];
  walkConfig(config, ({ path, value, parentDefinition, segments }) => {
    const inEnvMap = parentDefinition === 'envMap' && segments.length > 0;
    if (typeof value !== 'string') return;
    const shape = secretShape(value);
    if (shape) {
      findings.push({ path, message: `looks like a secret in plain text (${shape}); ${MOVE}` });
    } else if (inEnvMap && isSecretName(String(segments[segments.length - 1]))) {
      findings.push({ path, message: `looks like a secret in plain text (its name says it holds a credential); ${MOVE}` });
    }
  });
  return findings;
}

/** What a credential looks like: in a URL, by a known token shape, or by the name of a variable holding it. */

/** Variable names that hold credentials: anywhere in the name, or `*_KEY` (APP_KEY, STRIPE_KEY). */
const SECRET_NAME = /PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|PRIVATE|CREDENTIAL|DSN|API_?KEY|ACCESS_KEY|(^|_)KEY$/;
/** Short words that name a credential only as a whole part of the name (DB_PASS, MAIL_PW; not PASSPORT). */
const SECRET_NAME_PARTS = new Set(['PASS', 'PWD', 'PW', 'PSK']);

/** Shapes of well-known credentials, whatever the key they sit under. */
const TOKEN_SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/, 'a PEM private key'],
  [/^base64:[A-Za-z0-9+/=]{20,}$/, 'a Laravel APP_KEY'],
  [/\b(sk|rk)_(live|test)_[0-9A-Za-z]{10,}/, 'a Stripe secret key'],
  [/\bwhsec_[0-9A-Za-z]{20,}/, 'a webhook signing secret'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[0-9A-Za-z]{36,}/, 'a GitHub token'],
  [/\bgithub_pat_[0-9A-Za-z_]{22,}/, 'a GitHub token'],
  [/\bglpat-[0-9A-Za-z_-]{20,}/, 'a GitLab token'],
  [/\bxox[abposr]-[0-9A-Za-z-]{10,}/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/T[0-9A-Z]+\/B[0-9A-Z]+\/[0-9A-Za-z]+/, 'a Slack webhook URL'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\b(SB-)?Mid-(server|client)-[0-9A-Za-z_-]{16,}/, 'a Midtrans key'],
  [/\bxnd_(production|development)_[0-9A-Za-z]{20,}/, 'a Xendit key'],
  [/\beyJ[0-9A-Za-z_-]{10,}\.eyJ[0-9A-Za-z_-]{10,}\.[0-9A-Za-z_-]{10,}/, 'a JSON Web Token'],
];

/** Whether an environment variable name says it holds a credential. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return SECRET_NAME.test(upper) || upper.split('_').some((part) => SECRET_NAME_PARTS.has(part));
}

/**
 * Whether a URL in `text` carries a password: `scheme://user:password@host` or `scheme://:password@host`,
 * also when the password contains `/`. `scheme://user@host` (ssh://git@...) names no secret, and
 * `https://host:8443/path@x` is a port followed by a path.
 */
export function hasUrlCredentials(text: string): boolean {
  // Found from each "://" (a scheme regex run over the whole string would be quadratic on long values).
  for (let at = text.indexOf('://'); at > 0; at = text.indexOf('://', at + 3)) {
    if (!/[A-Za-z0-9+.-]/.test(text[at - 1])) continue;
    const rest = text.slice(at + 3, at + 3 + 2048);
    const end = rest.search(/[@\s]/);
    if (end < 0 || rest[end] !== '@') continue;
    const userinfo = rest.slice(0, end);
    const colon = userinfo.indexOf(':');
    if (colon < 0) continue;
    const user = userinfo.slice(0, colon);
    const password = userinfo.slice(colon + 1);
    if (/[/?#]/.test(user)) continue;
    if (password === '' || /^\d+(\/|$)/.test(password)) continue;
    return true;
  }
  return false;
}

/** What a string looks like if it holds a credential, or undefined. */
export function secretShape(value: string): string | undefined {
  if (hasUrlCredentials(value)) return 'a URL with a password (user:password@)';
  for (const [shape, what] of TOKEN_SHAPES) if (shape.test(value)) return what;
  return undefined;
}


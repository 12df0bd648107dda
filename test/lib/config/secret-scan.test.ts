import { hasUrlCredentials, isSecretName, scanSecrets, secretShape } from '../../../lib/config/secret-scan';
import { showValue } from '../../../lib/config/messages';
import { shippedConfig, SHIPPED_ENVIRONMENTS } from '../../helpers';

describe('secret scan', () => {
  test('the shipped configs have no finding', () => {
    for (const name of SHIPPED_ENVIRONMENTS) expect(scanSecrets(shippedConfig(name))).toEqual([]);
  });

  test('URLs with a password are found, also with / in the password; URLs without one are not', () => {
    for (const url of ['mysql://root:pw@mysql.internal/db', 'redis://:pw@redis:6379', 'tls://:pw@redis', 'mysql://app:pa/ss@h/db', 'https://u:p@host', 'postgres://u:p%40ss@h:5432/db', 'see https://a:b@c.example.com for it']) {
      expect({ url, found: hasUrlCredentials(url) }).toEqual({ url, found: true });
    }
    for (const url of ['https://git.example.com/platform/gitops.git', 'ssh://git@github.com/org/repo.git', 'git@github.com:org/repo.git', 'http://minio.storage.svc.cluster.local:9000', 'https://host:8443/path@x', 'https://hooks.example.com/pay?email=a:b@c', 'https://user@host/path', 'mailto:ops@example.com', 'x'.repeat(100000)]) {
      expect({ url, found: hasUrlCredentials(url) }).toEqual({ url, found: false });
    }
  });

  test('known token shapes are found wherever they are', () => {
    for (const value of ['sk_live_51HabcdefghijklmnopQRST', 'rk_test_abcdefghijklmnop', 'AKIAIOSFODNN7EXAMPLE', `ghp_${'a'.repeat(36)}`, 'xoxb-1234567890-abcdefghij', '-----BEGIN OPENSSH PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----', 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'Mid-server-abcdefghijklmnopqrstu', 'xnd_production_abcdefghijklmnopqrstuvwx', 'glpat-abcdefghijklmnopqrst']) {
      expect({ value, shape: secretShape(value) !== undefined }).toEqual({ value, shape: true });
    }
    for (const value of ['pembayaran/production', 'prod/mysql/credentials', 'password', 'sk_live', 'AKIA', 'ghp_short', 'billing@example.com', 'pk_live_51Habcdefghijklmnop', '-----BEGIN CERTIFICATE-----', 'Asia/Jakarta']) {
      expect({ value, shape: secretShape(value) }).toEqual({ value, shape: undefined });
    }
  });

  test('variable names that hold credentials, and words that only contain them', () => {
    for (const name of ['DB_PASSWORD', 'DB_PASS', 'MAIL_PASS', 'MAIL_PASSWORD', 'REDIS_PWD', 'APP_KEY', 'STRIPE_KEY', 'STRIPE_SECRET', 'GITHUB_TOKEN', 'SENTRY_DSN', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'PRIVATE_KEY_PATH', 'GOOGLE_API_KEY', 'OAUTH_CREDENTIALS']) {
      expect({ name, secret: isSecretName(name) }).toEqual({ name, secret: true });
    }
    for (const name of ['PASSPORT_ENABLED', 'BYPASS_CACHE', 'COMPASS_MODE', 'MAIL_FROM_ADDRESS', 'APP_NAME', 'KEYCLOAK_URL', 'SESSION_SECURE_COOKIE', 'LOG_LEVEL']) {
      expect({ name, secret: isSecretName(name) }).toEqual({ name, secret: false });
    }
  });

  test('every string of the config is scanned, including keys added later (not a list of fields)', () => {
    const config = shippedConfig('production') as any;
    config.someFutureSection = { nested: [{ url: 'https://u:hunter2@x.example.com' }] };
    expect(scanSecrets(config)).toEqual([{ path: 'someFutureSection.nested[0].url', message: expect.stringMatching(/^looks like a secret in plain text \(a URL with a password/) }]);
  });

  test('a message never echoes a secret-shaped value', () => {
    expect(showValue('mysql://root:hunter2@h')).toBe('a value that looks like a URL with a password (user:password@) (not shown)');
    expect(showValue('info')).toBe('"info"');
  });
});

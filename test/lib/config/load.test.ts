import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { formatProblem, parseEnvironment } from '../../../lib/config/load';
import { cronProblem } from '../../../lib/config/semantics';
import { rejectionsOf, ROOT, withChanges } from '../../helpers';

function problemsOf(text: string, file = 'config/test.yaml'): string[] {
  return rejectionsOf(file, text).map(formatProblem);
}

describe('environment config', () => {
  test('the shipped environments load and get documented defaults', () => {
    const config = parseEnvironment('config/production.yaml', fs.readFileSync(path.join(ROOT, 'config/production.yaml'), 'utf8'));
    expect(config.appName).toBe('pembayaran');
    expect(config.podSecurity).toEqual({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(config.web.phpFpm.maxChildren).toBe(16);
    expect(config.scheduler.schedule).toBe('* * * * *');
    expect(config.workers[0].tries).toBe(3);
  });

  test('an unknown key is an error naming the file, the key path and the expected keys', () => {
    const lines = problemsOf(withChanges('production', (d) => (d.web.replicaz = 3)));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\/test\.yaml: web\.replicaz: unknown key; did you mean "replicas"\? \(expected one of: replicas, /);
  });

  test('a wrong type names the key, the expectation and the value', () => {
    const lines = problemsOf(withChanges('production', (d) => (d.web.replicas = 'three')));
    expect(lines).toEqual(['config/test.yaml: web.replicas: expected integer (got "three")']);
  });

  test('every problem gets its own line', () => {
    const lines = problemsOf(
      withChanges('production', (d) => {
        d.web.replicas = 0;
        d.laravel.logLevel = 'verbose';
        delete d.database.host;
      }),
    );
    expect(lines).toHaveLength(3);
    expect(lines).toContain('config/test.yaml: database.host: is required');
    expect(lines.some((l) => l.startsWith('config/test.yaml: laravel.logLevel: expected one of "debug", "info"'))).toBe(true);
    expect(lines).toContain('config/test.yaml: web.replicas: expected a number >= 1 (got 0)');
  });

  test('a YAML syntax error gives the line', () => {
    const lines = problemsOf('name: production\ntier: [production\nnamespace: x\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\/test\.yaml: YAML syntax error: line \d+, column \d+: /);
  });

  test('a missing image tag is refused in every tier', () => {
    for (const tier of ['production', 'staging']) {
      const lines = problemsOf(
        withChanges('staging', (d) => {
          d.tier = tier;
          delete d.fastapi.image.tag;
        }),
      );
      expect(lines).toEqual([expect.stringMatching(/^config\/test\.yaml: fastapi\.image: image ghcr\.io\/example\/pembayaran-notification has no tag or digest; pin it/)]);
    }
  });

  test('production refuses latest, debug, plain HTTP and debug logging, each with the reason', () => {
    const lines = problemsOf(
      withChanges('production', (d) => {
        d.laravel.image.tag = 'latest';
        d.laravel.debug = true;
        d.laravel.url = 'http://pembayaran.example.com';
        d.laravel.logLevel = 'debug';
      }),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringContaining('laravel.image.tag: "latest" is not a pinned version'),
        expect.stringContaining('laravel.debug: is true; APP_DEBUG shows stack traces'),
        expect.stringContaining('laravel.url: is http://pembayaran.example.com; production must be served over HTTPS'),
        expect.stringContaining('laravel.logLevel: is "debug"'),
      ]),
    );
    expect(lines).toHaveLength(4);
  });

  test("an Ingress timeout annotation at or below nginx's breaks the request-timeout chain and is refused", () => {
    const onIngress = (annotations: Record<string, Record<string, string>>, requestTimeoutSeconds?: number) =>
      withChanges('production', (d) => {
        const { gateway: _gateway, ...edge } = d.web.edge;
        d.web.edge = { ...edge, kind: 'ingress', ingress: annotations };
        if (requestTimeoutSeconds) d.web.requestTimeoutSeconds = requestTimeoutSeconds;
      });
    const lines = problemsOf(
      onIngress({ annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '60' }, webhookAnnotations: { 'nginx.ingress.kubernetes.io/proxy-send-timeout': '70' } }),
    );
    expect(lines).toEqual([
      expect.stringMatching(/^config\/test\.yaml: web\.edge\.ingress\.annotations\.nginx\.ingress\.kubernetes\.io\/proxy-read-timeout: is "60"; the edge must wait longer than nginx \(fastcgi_read_timeout 70 s, from web\.requestTimeoutSeconds 60\).*remove it \(default 75\) or set more than 70$/),
      expect.stringContaining('web.edge.ingress.webhookAnnotations.nginx.ingress.kubernetes.io/proxy-send-timeout: is "70"'),
    ]);
    expect(() => parseEnvironment('config/production.yaml', onIngress({ annotations: { 'nginx.ingress.kubernetes.io/proxy-read-timeout': '31' } }, 20))).not.toThrow();
  });

  test('an nginx memory limit that cannot hold as many requests as php-fpm has children is refused', () => {
    const lines = problemsOf(
      withChanges('production', (d) => {
        d.web.resources = { ...d.web.resources, nginx: { requests: { cpu: '50m', memory: '16Mi' }, limits: { memory: '24Mi' } } };
      }),
    );
    expect(lines).toEqual([expect.stringMatching(/web\.resources\.nginx\.limits\.memory: is 24Mi; nginx can hold only \d+ requests in progress in it \(up to 636 KiB each\), fewer than web\.phpFpm\.maxChildren \(16\): raise it$/)]);
  });

  test('staging may debug and use latest (the gate still flags latest)', () => {
    const text = withChanges('staging', (d) => {
      d.laravel.debug = true;
      d.laravel.image.tag = 'latest';
    });
    expect(() => parseEnvironment('config/staging.yaml', text)).not.toThrow();
  });

  test('a digest pins an image', () => {
    const text = withChanges('production', (d) => {
      d.laravel.image = { repository: 'ghcr.io/example/pembayaran', digest: `sha256:${'a'.repeat(64)}` };
    });
    expect(() => parseEnvironment('config/production.yaml', text)).not.toThrow();
  });

  test('plaintext secret values are refused in every tier', () => {
    const lines = problemsOf(
      withChanges('staging', (d) => {
        d.laravel.env = { DB_PASSWORD: 'hunter2', FEATURE_FLAG: 'on', CALLBACK: 'base64:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
      }),
    );
    expect(lines).toEqual([
      'config/test.yaml: laravel.env.DB_PASSWORD: looks like a secret in plain text (its name says it holds a credential); move it to the secret manager and list it under secretEnv instead',
      'config/test.yaml: laravel.env.CALLBACK: looks like a secret in plain text (a Laravel APP_KEY); move it to the secret manager and list it under secretEnv instead',
    ]);
  });

  test('the scheduler schedule is validated', () => {
    const lines = problemsOf(withChanges('production', (d) => (d.scheduler = { schedule: '*/0 * * *' })));
    expect(lines).toEqual(['config/test.yaml: scheduler.schedule: "*/0 * * *" is not a valid cron schedule: expected 5 fields (minute hour day-of-month month day-of-week), found 4']);
    expect(cronProblem('* * * * *')).toBeUndefined();
    expect(cronProblem('*/5 1-3 * JAN,MAR mon-fri')).toBeUndefined();
    expect(cronProblem('@hourly')).toBeUndefined();
    expect(cronProblem('61 * * * *')).toMatch(/minute "61" is outside 0-59/);
    expect(cronProblem('*/0 * * * *')).toMatch(/step must be at least 1/);
    expect(cronProblem('5-1 * * * *')).toMatch(/runs backwards/);
  });

  test('worker pool names must be unique', () => {
    const lines = problemsOf(withChanges('production', (d) => d.workers.push({ name: 'default' })));
    expect(lines).toEqual(['config/test.yaml: workers[2].name: "default" is used by another pool; pool names must be unique']);
  });

  test('the TypeScript model, the precompiled validator and the config reference are generated from the current schema', () => {
    expect(() => execFileSync('node', [path.join(ROOT, 'scripts/gen-config.js'), '--check'], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});

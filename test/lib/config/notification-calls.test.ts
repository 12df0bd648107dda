/**
 * Calls out of a job: the budgets form an ordered chain, checked with the key path in the message, and the
 * idempotency key's header and retention reach Laravel, FastAPI and the WA gateway under configurable names.
 */
import * as path from 'path';
import { formatProblem, parseEnvironment } from '../../../lib/config/load';
import { gatewayRetryBudgetSeconds, retryDelays } from '../../../lib/notifications/call-budgets';
import { container, find, objectsOf, podSpecOf, rejectionsOf, ROOT, shippedConfig, shippedObjects, withChanges } from '../../helpers';

const problemsOf = (env: string, change: (doc: any) => void) => rejectionsOf(`config/${env}.yaml`, withChanges(env, change)).map(formatProblem);
const accepted = (env: string, change: (doc: any) => void) => parseEnvironment(path.join(ROOT, 'config', `${env}.yaml`), withChanges(env, change));
const envOf = (c: any) => Object.fromEntries((c.env ?? []).filter((e: any) => e.value !== undefined).map((e: any) => [e.name, e.value]));

describe('the budget chain: gateway retry budget < FastAPI wait < job wait < job timeout < retry_after', () => {
  test('the gateway retry budget counts every attempt and every delay (doubling, capped)', () => {
    expect(retryDelays({ attempts: 5, backoffSeconds: 5, maxBackoffSeconds: 300, attemptTimeoutSeconds: 10 })).toEqual([5, 10, 20, 40]);
    expect(retryDelays({ attempts: 6, backoffSeconds: 5, maxBackoffSeconds: 30, attemptTimeoutSeconds: 10 })).toEqual([5, 10, 20, 30, 30]);
    expect(gatewayRetryBudgetSeconds({ attempts: 5, backoffSeconds: 5, maxBackoffSeconds: 300, attemptTimeoutSeconds: 10 })).toBe(125);
    // The shipped defaults: 3 attempts of 10 s, 5 + 10 s between them.
    expect(gatewayRetryBudgetSeconds(shippedConfig('production').waGateway.retry)).toBe(45);
  });

  test('the issue\'s setup (5 sends, back-off to 300 s, a 90 s job) is refused at the FastAPI timeout and at the job timeout', () => {
    expect(
      problemsOf('production', (d) => {
        d.waGateway.retry = { attempts: 5, backoffSeconds: 5, maxBackoffSeconds: 300 };
        d.notificationCalls = { requestTimeoutSeconds: 120 };
      }),
    ).toEqual([
      'config/production.yaml: notificationCalls.requestTimeoutSeconds: is 120; FastAPI waits 115 s for the WA gateway, which may retry a send inline for up to 125 s (waGateway.retry: 5 attempts of up to 10 s, delays 5 + 10 + 20 + 40 s): FastAPI would give up while the gateway still sends, the job would retry and the customer get the message again: set more than 130, or shorten waGateway.retry',
      'config/production.yaml: workers[0].timeout: is 90; its jobs call FastAPI and wait up to 120 s (notificationCalls.requestTimeoutSeconds): the worker would kill a job still waiting and its retry would send the message again: set at least 125, lower notificationCalls.requestTimeoutSeconds, or leave the pool out of notificationCalls.pools',
      'config/production.yaml: workers[1].timeout: is 120; its jobs call FastAPI and wait up to 120 s (notificationCalls.requestTimeoutSeconds): the worker would kill a job still waiting and its retry would send the message again: set at least 125, lower notificationCalls.requestTimeoutSeconds, or leave the pool out of notificationCalls.pools',
    ]);
  });

  test('only the pools that call FastAPI are held to it; an unknown pool name is refused', () => {
    expect(() => accepted('production', (d) => (d.notificationCalls = { requestTimeoutSeconds: 100, pools: ['payments'] }))).not.toThrow();
    expect(problemsOf('production', (d) => (d.notificationCalls = { pools: ['notify'] }))).toEqual([
      'config/production.yaml: notificationCalls.pools[0]: "notify" is not a worker pool (workers[].name: default, payments)',
    ]);
  });

  test('the last link, job timeout < retry_after, is the worker pool rule', () => {
    expect(problemsOf('production', (d) => (d.workers[0].retryAfter = 100))[0]).toMatch(/^config\/production.yaml: workers\[0\].retryAfter: is 100; /);
  });

  test('the idempotency keys must outlive every try of a calling job', () => {
    expect(problemsOf('production', (d) => (d.notificationCalls = { idempotency: { ttlSeconds: 600 } }))).toEqual([
      'config/production.yaml: notificationCalls.idempotency.ttlSeconds: is 600; a job of pool default may retry its send for up to 390 s (tries 3 x (retryAfter 120 + backoff 10)), pool payments for up to 800 s (tries 5 x (retryAfter 150 + backoff 10)): a key forgotten before that lets a late retry send the message again: set at least 800',
    ]);
  });

  test('the variable names are configurable, distinct, and not set by hand', () => {
    expect(problemsOf('staging', (d) => (d.notificationCalls = { env: { idempotencyTtl: 'IDEMPOTENCY_HEADER' } }))).toEqual([
      'config/staging.yaml: notificationCalls.env.idempotencyTtl: is IDEMPOTENCY_HEADER, the name notificationCalls.env.idempotencyHeader uses; each setting needs a variable of its own',
    ]);
    expect(problemsOf('staging', (d) => (d.fastapi.env = { WA_GATEWAY_TIMEOUT_SECONDS: '300' }))).toEqual([
      'config/staging.yaml: fastapi.env.WA_GATEWAY_TIMEOUT_SECONDS: is set from notificationCalls.requestTimeoutSeconds (less 5 s); remove it and set that instead (notificationCalls.env.gatewayTimeout renames the variable)',
    ]);
    expect(problemsOf('staging', (d) => (d.waGateway.env = { SEND_ATTEMPT_TIMEOUT_SECONDS: '30' }))).toEqual([
      'config/staging.yaml: waGateway.env.SEND_ATTEMPT_TIMEOUT_SECONDS: is set from waGateway.retry.attemptTimeoutSeconds; remove it and set that instead',
    ]);
  });
});

describe('the settings reach each side of the call', () => {
  test.each(['production', 'staging'])('%s: Laravel, FastAPI and the gateway read the timeouts and the idempotency header', (env) => {
    const objects = shippedObjects(env);
    expect(find(objects, 'ConfigMap', 'pembayaran-laravel').data).toMatchObject({ NOTIFICATION_SERVICE_TIMEOUT: '55', IDEMPOTENCY_HEADER: 'Idempotency-Key' });
    expect(envOf(container(podSpecOf(find(objects, 'Deployment', 'pembayaran-fastapi')), 'uvicorn'))).toMatchObject({
      WA_GATEWAY_TIMEOUT_SECONDS: '50',
      IDEMPOTENCY_HEADER: 'Idempotency-Key',
      IDEMPOTENCY_TTL_SECONDS: '86400',
    });
    expect(envOf(container(podSpecOf(find(objects, 'Deployment', 'pembayaran-wa-gateway')), 'gateway'))).toMatchObject({
      SEND_RETRY_ATTEMPTS: '3',
      SEND_ATTEMPT_TIMEOUT_SECONDS: '10',
      IDEMPOTENCY_HEADER: 'Idempotency-Key',
      IDEMPOTENCY_TTL_SECONDS: '86400',
    });
  });

  test('renamed variables and another header are rendered under the new names', () => {
    const objects = objectsOf(
      accepted('staging', (d) => (d.notificationCalls = { idempotency: { header: 'X-Request-Key' }, env: { requestTimeout: 'FASTAPI_TIMEOUT', idempotencyHeader: 'SEND_KEY_HEADER' } })),
    );
    const data = find(objects, 'ConfigMap', 'pembayaran-laravel').data;
    expect(data).toMatchObject({ FASTAPI_TIMEOUT: '55', SEND_KEY_HEADER: 'X-Request-Key' });
    expect(data.NOTIFICATION_SERVICE_TIMEOUT).toBeUndefined();
    expect(envOf(container(podSpecOf(find(objects, 'Deployment', 'pembayaran-fastapi')), 'uvicorn'))).toMatchObject({ SEND_KEY_HEADER: 'X-Request-Key' });
  });
});

/**
 * The budgets of a call out of a queued job: the job calls FastAPI, FastAPI calls the WA gateway, the gateway
 * may retry a send inline. Each waiter must outlast what it waits for, or it gives up while the work goes on
 * and the retry above it sends the message again:
 *
 *   gateway retry budget < FastAPI's wait for the gateway < the job's wait for FastAPI < job timeout < retry_after
 *
 * Used by the constructs to render the variables and by the config checks (lib/config/semantics.ts).
 */

/** Seconds between two links of the chain: connection set-up, the response, a busy event loop. */
export const CALL_CHAIN_MARGIN_SECONDS = 5;

/** The WA gateway's send retry policy (waGateway.retry). */
export interface SendRetryPolicy {
  readonly attempts: number;
  readonly backoffSeconds: number;
  readonly maxBackoffSeconds: number;
  readonly attemptTimeoutSeconds: number;
}

/** The delays between a send's attempts: backoffSeconds doubling, capped at maxBackoffSeconds. */
export function retryDelays(retry: SendRetryPolicy): number[] {
  return Array.from({ length: retry.attempts - 1 }, (_, i) => Math.min(retry.backoffSeconds * 2 ** i, retry.maxBackoffSeconds));
}

/** The longest a send can take inside the gateway: every attempt up to its timeout, and every delay. */
export function gatewayRetryBudgetSeconds(retry: SendRetryPolicy): number {
  return retry.attempts * retry.attemptTimeoutSeconds + retryDelays(retry).reduce((a, b) => a + b, 0);
}

/** How long FastAPI waits for the gateway: the job's wait for FastAPI less the margin. */
export function fastapiGatewayTimeoutSeconds(requestTimeoutSeconds: number): number {
  return requestTimeoutSeconds - CALL_CHAIN_MARGIN_SECONDS;
}

/** The smallest job timeout that outlasts the job's wait for FastAPI. */
export function minimumJobTimeout(requestTimeoutSeconds: number): number {
  return requestTimeoutSeconds + CALL_CHAIN_MARGIN_SECONDS;
}

/**
 * How long a job's sends may be retried with the same idempotency key: every try of the job, each up to
 * retry_after (a job past its timeout is released after retry_after) plus its back-off.
 */
export function idempotencyWindowSeconds(pool: { readonly tries: number; readonly backoff: number }, retryAfter: number): number {
  return pool.tries * (retryAfter + pool.backoff);
}

/** The `notificationCalls` config section. */
export interface NotificationCallSettings {
  readonly requestTimeoutSeconds: number;
  readonly idempotency: { readonly header: string; readonly ttlSeconds: number };
  readonly env: { readonly requestTimeout: string; readonly gatewayTimeout: string; readonly idempotencyHeader: string; readonly idempotencyTtl: string };
}

/** The variables each side of the call reads, under the configured names (README: What the images must provide). */
export function notificationCallVariables(calls: NotificationCallSettings): {
  readonly laravel: Record<string, string>;
  readonly fastapi: Record<string, string>;
  readonly waGateway: Record<string, string>;
} {
  const { env, idempotency } = calls;
  return {
    laravel: { [env.requestTimeout]: String(calls.requestTimeoutSeconds), [env.idempotencyHeader]: idempotency.header },
    fastapi: {
      [env.gatewayTimeout]: String(fastapiGatewayTimeoutSeconds(calls.requestTimeoutSeconds)),
      [env.idempotencyHeader]: idempotency.header,
      [env.idempotencyTtl]: String(idempotency.ttlSeconds),
    },
    waGateway: { [env.idempotencyHeader]: idempotency.header, [env.idempotencyTtl]: String(idempotency.ttlSeconds) },
  };
}

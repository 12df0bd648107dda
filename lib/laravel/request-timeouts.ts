/** Seconds between one layer's request timeout and the next one out. */
export const REQUEST_TIMEOUT_STEP_SECONDS = 5;

/**
 * The timeout of each layer a web request crosses, innermost first. Each layer gives up a step after the
 * one inside it, so the inner layer's own handling runs first: PHP's time limit raises an error Laravel
 * reports, php-fpm then kills a stuck child, nginx answers 504 only for what php-fpm could not end, and
 * the edge never cuts a response nginx is still sending. Equal timeouts race, and the app's handling
 * never runs.
 */
export interface RequestTimeoutChain {
  /** PHP's `max_execution_time`: the longest a request may take (`web.requestTimeoutSeconds`). */
  readonly application: number;
  /** php-fpm `request_terminate_timeout` (and the master's `process_control_timeout`). */
  readonly phpFpm: number;
  /** nginx `fastcgi_read_timeout`. */
  readonly nginx: number;
  /** The edge's (Ingress or Gateway) backend request timeout. */
  readonly edge: number;
}

export function requestTimeoutChain(requestTimeoutSeconds: number): RequestTimeoutChain {
  const step = REQUEST_TIMEOUT_STEP_SECONDS;
  return {
    application: requestTimeoutSeconds,
    phpFpm: requestTimeoutSeconds + step,
    nginx: requestTimeoutSeconds + 2 * step,
    edge: requestTimeoutSeconds + 3 * step,
  };
}

import { PipelineError } from '@spotify-pipeline/shared/errors';
import { retry, type RetryOptions } from '@spotify-pipeline/shared/retry';

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  $fault?: 'client' | 'server';
}

const THROTTLE_NAMES = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded']);
/** Server-side trouble or a lost race with another writer: a later attempt can succeed. */
const TRANSIENT_NAMES = new Set([
  'InternalServiceException',
  'OperationTimeoutException',
  'ConcurrentModificationException',
  'ServiceUnavailableException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
]);

export const errorName = (err: unknown): string => {
  const e = (err ?? {}) as AwsLikeError;
  return e.name ?? e.code ?? 'Error';
};

/** Whether an Athena error code (thrown, or a per-entry ErrorCode of a batch call) is worth retrying. */
export function isTransientAwsCode(name: string): boolean {
  return THROTTLE_NAMES.has(name) || TRANSIENT_NAMES.has(name);
}

/**
 * Sorts an Athena SDK error at the adapter boundary: throttling and server trouble are
 * retriable, everything else (access denied, invalid input, limits) is not — retrying those only
 * delays the page to the operator.
 */
export function classifyAwsError(err: unknown, operation: string): PipelineError {
  if (err instanceof PipelineError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = errorName(err);
  const status = e.$metadata?.httpStatusCode;
  const message = `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  const details = { name, status };
  if (THROTTLE_NAMES.has(name) || status === 429) {
    return new PipelineError('CATALOG_THROTTLED', message, { cause: err, retriable: true, details });
  }
  // A modelled service exception says whose fault it was; an error without one never got an
  // answer from the service (socket, DNS, timeout) and may well succeed next time.
  const transient = TRANSIENT_NAMES.has(name) || e.$fault === 'server' || (status !== undefined && status >= 500) || (e.$fault === undefined && (status === undefined || e.$retryable !== undefined));
  return new PipelineError('CATALOG_UNAVAILABLE', message, { cause: err, retriable: transient, details });
}

/**
 * One Athena call: errors classified at this boundary, then retried with the shared
 * backoff only when the classification says a later attempt can succeed.
 */
export function callAws<T>(operation: string, fn: () => Promise<T>, retryOptions: Partial<RetryOptions> = {}): Promise<T> {
  return retry(async () => {
    try {
      return await fn();
    } catch (err) {
      throw classifyAwsError(err, operation);
    }
  }, retryOptions);
}

import { PipelineError } from '../errors/index.js';

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const THROTTLE_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const DENIED_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken']);
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NoSuchBucket', 'NotFound']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/**
 * Sorts an S3 SDK error into retriable (server down, 5xx, throttling, network) and fatal
 * (credentials, missing bucket, bad request), the way Kafka Connect's S3 sink does at its boundary.
 */
export function classifyS3Error(err: unknown, operation: string): PipelineError {
  if (err instanceof PipelineError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  const details = { name, status };
  if (THROTTLE_NAMES.has(name) || status === 429 || status === 503) {
    return new PipelineError('S3_THROTTLED', message, { cause: err, retriable: true, details });
  }
  if (DENIED_NAMES.has(name) || status === 403) {
    return new PipelineError('S3_ACCESS_DENIED', message, { cause: err, retriable: false, details });
  }
  if (NOT_FOUND_NAMES.has(name) || status === 404) {
    return new PipelineError('S3_NOT_FOUND', message, { cause: err, retriable: false, details });
  }
  if ((status !== undefined && status >= 500) || NETWORK_CODES.has(e.code ?? '') || NETWORK_CODES.has(name) || name === 'TimeoutError' || e.$retryable) {
    return new PipelineError('S3_UNAVAILABLE', message, { cause: err, retriable: true, details });
  }
  if (status !== undefined && status >= 400) {
    return new PipelineError('S3_CLIENT_ERROR', message, { cause: err, retriable: false, details });
  }
  // No HTTP status at all: the request never got an answer (socket closed, DNS, refused).
  return new PipelineError('S3_UNAVAILABLE', message, { cause: err, retriable: true, details });
}

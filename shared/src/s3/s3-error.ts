import { PipelineError } from '../errors/index.js';

interface AwsLikeError {
  name?: string;
  /** Set by the SDK from the error body of a NoSuchBucket answer. */
  BucketName?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const THROTTLE_NAMES = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const DENIED_NAMES = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'ExpiredToken']);
const NOT_FOUND_NAMES = new Set(['NoSuchKey', 'NotFound']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET']);

/**
 * Sorts an S3 SDK error into retriable (server down, 5xx, throttling, network) and fatal
 * (credentials, missing bucket, bad request), the way Kafka Connect's S3 sink does at its boundary.
 * A missing bucket is not a missing object (S3_NOT_FOUND, which the ETL dead-letters as one
 * manifest's problem): it is S3_BUCKET_NOT_FOUND, a configuration error that fails every request
 * alike, so the loops exit on it with a line naming the bucket (isFatal) instead of dead-lettering
 * every manifest. `bucket` names it when the SDK's error does not (a HEAD has no body).
 */
export function classifyS3Error(err: unknown, operation: string, bucket?: string): PipelineError {
  if (err instanceof PipelineError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const name = e.name ?? e.code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `${operation} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
  const details = { name, status };
  if (name === 'NoSuchBucket') {
    const missing = e.BucketName ?? bucket;
    return new PipelineError(
      'S3_BUCKET_NOT_FOUND',
      `${operation} failed: S3 bucket ${missing ?? '(unnamed)'} does not exist (NoSuchBucket): create it, or correct the setting that names it (STORAGE_STAGING_BUCKET or STORAGE_LAKE_BUCKET)`,
      { cause: err, retriable: false, details: { ...details, bucket: missing } },
    );
  }
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

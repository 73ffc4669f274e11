/**
 * One error type for the whole pipeline. Adapters (Kafka, S3, Glue, parsers) classify what they
 * see into a code from this closed list and say whether a retry can help; callers branch on the
 * code and the flag, never on message text.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'KAFKA_UNAVAILABLE',
  'KAFKA_FENCED',
  'KAFKA_TRANSACTION_FAILED',
  'KAFKA_PRODUCE_FAILED',
  'KAFKA_ADMIN_FAILED',
  'S3_UNAVAILABLE',
  'S3_THROTTLED',
  'S3_ACCESS_DENIED',
  'S3_NOT_FOUND',
  'S3_BUCKET_NOT_FOUND',
  'S3_CLIENT_ERROR',
  'RECORD_NOT_JSON',
  'RECORD_TOO_LARGE',
  'RECORD_INVALID',
  'RECORD_SCHEMA_BREAKING',
  'CHECKSUM_MISMATCH',
  'LOCAL_DISK_FULL',
  'LOCAL_OUT_OF_MEMORY',
  'LOCAL_IO_FAILED',
  'CATALOG_UNAVAILABLE',
  'CATALOG_THROTTLED',
  'CATALOG_CONFLICT',
  'CATALOG_COMMIT_UNKNOWN',
  'CATALOG_NOT_FOUND',
  'CATALOG_ACCESS_DENIED',
  'CATALOG_CLIENT_ERROR',
  'QUERY_FAILED',
  'SHUTDOWN',
  'TIMEOUT',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface PipelineErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  details?: Record<string, unknown>;
}

export class PipelineError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: PipelineErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PipelineError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details ?? {};
  }
}

export function isPipelineError(err: unknown): err is PipelineError {
  return err instanceof PipelineError;
}

/** Retriable unless classified otherwise: an unclassified error is a bug, and bugs do not heal. */
export function isRetriable(err: unknown): boolean {
  return isPipelineError(err) && err.retriable;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

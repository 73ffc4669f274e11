import { isPipelineError, type ErrorCode } from '@spotify-pipeline/shared/errors';

/**
 * Whether a staged object can never be processed, whatever the retries: then its manifest goes to
 * the DLQ with the reason and the batch commits past it, instead of failing the batch forever (a
 * missing object — the staging bucket's expiry when the ETL lags —, a corrupt or truncated gzip, a
 * checksum that never matches, lines the Parquet engine refuses as a whole). Anything else is
 * transient (retry the same input) or fatal (permissions, configuration): not this function's call.
 * Returns the DLQ error code, or undefined when the object is not poison.
 */
export function poisonCode(err: unknown, phase: 'prepare' | 'write'): ErrorCode | undefined {
  if (!isPipelineError(err)) return undefined;
  // A checksum mismatch is retriable at first (a replay may be rewriting the key); the prepare
  // wrapper gives it CHECKSUM_ATTEMPTS, so one that reaches here has outlived them.
  if (phase === 'prepare' && err.code === 'CHECKSUM_MISMATCH') return err.code;
  if (err.retriable) return undefined;
  // A missing object only: a missing bucket (S3_BUCKET_NOT_FOUND) is fatal, or every manifest would be dead-lettered.
  if (phase === 'prepare' && err.code === 'S3_NOT_FOUND') return err.code;
  if (err.code === 'RECORD_INVALID' || err.code === 'RECORD_TOO_LARGE') return err.code;
  return undefined;
}

/** How many times a checksum mismatch is retried before the object counts as corrupt (a torn download heals, a torn object does not). */
export const CHECKSUM_ATTEMPTS = 3;

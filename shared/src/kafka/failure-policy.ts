import { isPipelineError, type ErrorCode } from '../errors/index.js';
import { backoffDelayMs } from '../retry/index.js';

/**
 * The failure policy of every consumer loop, in one place. Errors arrive classified at the adapter
 * boundaries; a loop only asks which of three kinds it holds:
 * - fatal: what no retry heals and no input isolation applies to (permissions, configuration such
 *   as a bucket that does not exist, a producer fenced by a newer instance of itself) → exit
 *   non-zero with one line;
 * - poison: one input that can never be processed → the stage dead-letters or quarantines it and
 *   moves on (decided where the input is known: a line, a record, a staged object, a manifest);
 * - transient: everything else → rewind to the committed offsets, back off (growing, capped),
 *   retry the same input, show it in readiness and metrics, never exit for it.
 */
const FATAL_CODES: ReadonlySet<ErrorCode> = new Set(['CONFIG_INVALID', 'S3_ACCESS_DENIED', 'S3_BUCKET_NOT_FOUND', 'CATALOG_ACCESS_DENIED', 'KAFKA_FENCED', 'SHUTDOWN']);

export function isFatal(err: unknown): boolean {
  return isPipelineError(err) && FATAL_CODES.has(err.code);
}

/** Failures in a row of a loop, and how long to wait before the next try. */
export class FailureStreak {
  private count = 0;

  constructor(
    private readonly baseDelayMs = 1_000,
    private readonly maxDelayMs = 60_000,
    private readonly random: () => number = Math.random,
  ) {}

  get failures(): number {
    return this.count;
  }

  /** Records a failure; returns the backoff before the retry (full jitter, doubling, capped). */
  failed(): number {
    this.count++;
    return backoffDelayMs(this.count, this.baseDelayMs, this.maxDelayMs, this.random);
  }

  succeeded(): void {
    this.count = 0;
  }
}

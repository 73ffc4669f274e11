import type { ErrorCode } from '@spotify-pipeline/shared/errors';

/**
 * Why the ETL rejected a line. Each reason is a quarantine prefix (`reason=<code>`) and maps to the
 * DLQ `error.code` header, so an operator can replay one class of records after a fix.
 */
export const REJECT_REASONS = {
  /** The line is not JSON at all (truncated, binary, a log line). */
  not_json: 'RECORD_NOT_JSON',
  /** JSON, but not an object (an array, a string, null). */
  not_object: 'RECORD_INVALID',
  /** Every field has its type, but a value breaks a rule of the contract (pattern, range, version). */
  schema_invalid: 'RECORD_INVALID',
  /** A required field is missing or a known field changed type: never coerced, never guessed. */
  breaking_change: 'RECORD_SCHEMA_BREAKING',
  /** An unknown field the lake cannot hold as a new column (nested value, bad name, clash). */
  unsupported_field: 'RECORD_SCHEMA_BREAKING',
  /** The staged object's format is one this worker does not read. */
  unsupported_format: 'RECORD_INVALID',
  /** A key appears twice in the object: JSON.parse keeps the last, DuckDB refuses the whole file. */
  duplicate_key: 'RECORD_INVALID',
  /** A string holds a lone UTF-16 surrogate (`"\ud83d"`, half an emoji): not text, refused by every Parquet writer. */
  invalid_text: 'RECORD_INVALID',
  /** A number no column type holds exactly: an integer beyond ±2^53, or an infinite double (`1e999`). */
  number_out_of_range: 'RECORD_INVALID',
  /** `ts` outside the accepted window (ETL_EVENT_TIME_MAX_PAST_MS / _MAX_FUTURE_MS): a broken clock, not history. */
  event_time_out_of_range: 'RECORD_INVALID',
  /**
   * An identity partition field took more distinct values in one staged object than its table spec
   * allows (max_distinct_per_object): each value is a file, so the excess is quarantined, not written.
   */
  too_many_partition_values: 'RECORD_INVALID',
  /** Valid by every rule here, yet the Parquet engine refused the line (found by bisecting the object). */
  engine_rejected: 'RECORD_INVALID',
} as const satisfies Record<string, ErrorCode>;

export type RejectReason = keyof typeof REJECT_REASONS;

export const REJECT_REASON_CODES = Object.keys(REJECT_REASONS) as RejectReason[];

import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import type { SourceRecord } from './source-record.js';

export type RecordVerdict =
  | { ok: true; json: Buffer }
  | { ok: false; code: Extract<ErrorCode, 'RECORD_NOT_JSON' | 'RECORD_TOO_LARGE'>; reason: string };

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;

/**
 * Decides whether a record can be one NDJSON line. The sink stages values byte for byte and leaves
 * schema validation to the ETL, but a value that is not a JSON object would break every reader of
 * the object, so it goes to the DLQ instead of poisoning the batch.
 */
export function checkRecord(record: SourceRecord, maxRecordBytes: number): RecordVerdict {
  const value = record.value;
  if (value === null || value.length === 0) return { ok: false, code: 'RECORD_NOT_JSON', reason: 'empty value (tombstone)' };
  if (value.length > maxRecordBytes) {
    return { ok: false, code: 'RECORD_TOO_LARGE', reason: `value is ${value.length} bytes, the limit is ${maxRecordBytes}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, code: 'RECORD_NOT_JSON', reason: `not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, code: 'RECORD_NOT_JSON', reason: 'JSON value is not an object' };
  }
  // A pretty-printed value holds line breaks that would split it across NDJSON lines: stage the
  // same object compacted (the one case where bytes change; JSON strings cannot hold raw newlines).
  if (value[0] !== OPEN_BRACE || value.includes(NEWLINE)) return { ok: true, json: Buffer.from(JSON.stringify(parsed)) };
  return { ok: true, json: value };
}

import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import { scanJsonObject } from './json-object-scan.js';
import type { SourceRecord } from './source-record.js';

export type RecordVerdict =
  | { ok: true; json: Buffer }
  | { ok: false; code: Extract<ErrorCode, 'RECORD_NOT_JSON' | 'RECORD_TOO_LARGE'>; reason: string };

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
  const scan = scanJsonObject(value);
  if (!scan.ok) return { ok: false, code: 'RECORD_NOT_JSON', reason: REASONS[scan.reason] ?? `not JSON: ${parseError(value)}` };
  if (scan.compact) return { ok: true, json: value };
  // A pretty-printed value holds line breaks that would split it across NDJSON lines: stage the
  // same object compacted (the one case where bytes change; JSON strings cannot hold raw newlines).
  return { ok: true, json: Buffer.from(JSON.stringify(JSON.parse(value.toString('utf8')))) };
}

/** Why a scan failed, in the DLQ's words (`not_json` gets JSON.parse's own message). */
const REASONS: Partial<Record<'not_json' | 'not_object' | 'not_utf8', string>> = {
  not_object: 'JSON value is not an object',
  // JSON text is UTF-8 (RFC 8259 §8.1): bad bytes would turn into U+FFFD downstream, a silent change of the data.
  not_utf8: 'not valid UTF-8 (JSON text must be UTF-8, RFC 8259 §8.1)',
};

/** JSON.parse's own words for what is wrong: only computed for the rare record that goes to the DLQ. */
function parseError(value: Buffer): string {
  try {
    JSON.parse(value.toString('utf8'));
    return 'rejected by the JSON scanner';
  } catch (err) {
    return (err as Error).message;
  }
}

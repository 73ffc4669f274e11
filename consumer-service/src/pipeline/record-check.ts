import { isUtf8 } from 'node:buffer';
import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import { type CanonicalLineMatcher, listeningEventCanonicalForm, listeningEventCanonicalMatcher } from '@spotify-pipeline/shared/schemas';
import { scanJsonObject } from './json-object-scan.js';
import type { SourceRecord } from './source-record.js';

export type RecordVerdict =
  /** `canonical`: `json` is the value as it came, and in the canonical form the matcher names (see `checkRecord`). */
  | { ok: true; json: Buffer; canonical: boolean }
  | { ok: false; code: Extract<ErrorCode, 'RECORD_NOT_JSON' | 'RECORD_TOO_LARGE' | 'RECORD_INVALID'>; reason: string };

/**
 * A canonical form as the sink uses it: the fingerprint a manifest vouches with and the matcher that
 * decides it, made together so that a batch never vouches for a form other than the one checked.
 */
export interface CanonicalForm {
  fingerprint: string;
  matcher: CanonicalLineMatcher;
  /** The matcher's prefix as bytes: a value that does not start with them is not decoded to be matched. */
  prefix: Buffer;
}

/** The ListeningEvent form (shared/schemas): built once per consumer, the expression is compiled here. */
export function listeningEventForm(): CanonicalForm {
  const matcher = listeningEventCanonicalMatcher();
  return { fingerprint: listeningEventCanonicalForm(), matcher, prefix: Buffer.from(matcher.prefix) };
}

/** The latest instant a JavaScript Date (and so an ISO date in a staging key) can hold: 9999-12-31T23:59:59.999Z. */
const LATEST_TIMESTAMP_MS = 253_402_300_799_999;

/**
 * Decides whether a record can be one NDJSON line. The sink stages values byte for byte and leaves
 * schema validation to the ETL, but a value that is not a JSON object would break every reader of
 * the object, so it goes to the DLQ instead of poisoning the batch.
 *
 * `canonical`: the canonical form (listeningEventForm, built once per consumer). A value in that form is a compact JSON object by construction, so it skips the scan;
 * its verdict says `canonical: true`, which lets the object's manifest vouch for every line
 * (partition-batch.ts). Any other value takes the scan, and is never called canonical.
 */
export function checkRecord(record: SourceRecord, maxRecordBytes: number, canonical?: CanonicalForm): RecordVerdict {
  const value = record.value;
  if (value === null || value.length === 0) return { ok: false, code: 'RECORD_NOT_JSON', reason: 'empty value (tombstone)' };
  // The staging key names the first record's hour; a timestamp no date can hold threw a RangeError
  // there and stopped the sink (-1 is Kafka's "no timestamp" and stays allowed).
  if (!Number.isInteger(record.timestamp) || record.timestamp < -1 || record.timestamp > LATEST_TIMESTAMP_MS) {
    return { ok: false, code: 'RECORD_INVALID', reason: `Kafka timestamp ${record.timestamp} is outside what a date can hold (-1 or 0 to ${LATEST_TIMESTAMP_MS})` };
  }
  if (value.length > maxRecordBytes) {
    return { ok: false, code: 'RECORD_TOO_LARGE', reason: `value is ${value.length} bytes, the limit is ${maxRecordBytes}` };
  }
  // The prefix first: records of other shapes (users' own topics) are not decoded for nothing. Then
  // isUtf8: toString would turn bad bytes into U+FFFD, which the expression admits, so the text
  // matched would not be the bytes staged.
  if (canonical && startsWith(value, canonical.prefix) && isUtf8(value) && canonical.matcher.match(value.toString('utf8')) !== undefined) {
    return { ok: true, json: value, canonical: true };
  }
  const scan = scanJsonObject(value);
  if (!scan.ok) return { ok: false, code: 'RECORD_NOT_JSON', reason: REASONS[scan.reason] ?? `not JSON: ${parseError(value)}` };
  if (scan.compact) return { ok: true, json: value, canonical: false };
  // A pretty-printed value holds line breaks that would split it across NDJSON lines: stage the
  // same object compacted (the one case where bytes change; JSON strings cannot hold raw newlines).
  // Never canonical: the form is compact, so this value did not match it as it came.
  return { ok: true, json: Buffer.from(JSON.stringify(JSON.parse(value.toString('utf8')))), canonical: false };
}

function startsWith(value: Buffer, prefix: Buffer): boolean {
  return value.length >= prefix.length && value.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
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

import { PipelineError } from '@spotify-pipeline/shared/errors';
import { recordColumnsOf, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import type { TextProblem } from './nested-json-text.js';
import { isoInstant, type Instant } from './record-formats.js';

/**
 * A record's event time as the lake will hold it, computed in JS exactly as the SQL computes it
 * (spec-table-sql.ts, eventTime): the preparer cuts rows into hours by `ts`, DuckDB writes each
 * row's hour from its TIMESTAMP, and the two must never disagree.
 *
 * - iso: the instant with its offset, µs truncated as DuckDB's TIMESTAMPTZ reads them;
 * - epoch_ms / epoch_s of an integer field: × 1,000 or × 1,000,000 to µs in integer arithmetic;
 * - of a number (double) field: `round(value * scale)` as DuckDB computes it: the product in
 *   doubles, then round half away from zero (C's round()). 3599999.9996 ms is 3,600,000,000 µs,
 *   the next hour, where Math.floor of the ms would stay in the first.
 * `ts` is the floor of the µs to whole ms, so its hour (and day) is DuckDB's.
 */

export interface EventTime {
  /** `new Date(ms).toISOString()`: UTC, ms precision (floored). */
  ts: string;
  /** Epoch µs, as the lake column holds it (a bigint beyond 2^53). */
  micros: number | bigint;
}

export type EventTimeReader = (value: unknown) => EventTime | TextProblem;

/** The instants a JS Date holds (±100,000,000 days around 1970); a BIGINT of µs holds them all. */
const MAX_MS = 8.64e15;
const MAX_MICROS = MAX_MS * 1000;

/** C's round(): half away from zero. Math.round alone rounds -2.5 to -2. */
const roundHalfAwayFromZero = (x: number): number => (x < 0 ? -Math.round(-x) : Math.round(x));

/** ⌊µs / 1000⌋ of a whole number of µs, exactly (the double quotient may round up to the next ms near 2^53). */
function floorMs(micros: number): number {
  if (Number.isSafeInteger(micros)) {
    const rest = ((micros % 1000) + 1000) % 1000;
    return (micros - rest) / 1000;
  }
  const big = BigInt(micros);
  const q = big / 1000n;
  return Number(big < 0n && q * 1000n !== big ? q - 1n : q);
}

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value.slice(0, 48)) : String(value).slice(0, 48));

const instantTime = ({ ms, micros }: Instant): EventTime => ({ ts: new Date(ms).toISOString(), micros });

/** The reader of a spec's event time; undefined for a table without one. */
export function eventTimeReader(spec: ResolvedTableSpec): EventTimeReader | undefined {
  const eventTime = spec.eventTime;
  if (!eventTime) return undefined;
  const field = eventTime.path.join('.');
  if (eventTime.format === 'iso') {
    return (value) => {
      const instant = typeof value === 'string' ? isoInstant(value) : undefined;
      if (instant) return instantTime(instant);
      return { reason: 'schema_invalid', message: `event time ${field} is ${shown(value)}, not an ISO-8601 instant with a zone (YYYY-MM-DDTHH:MM:SS[.fraction] then Z or ±HH:MM)` };
    };
  }
  // The SQL reads the field as DOUBLE or BIGINT by the contract's type of it (resolve-spec made the column a timestamp).
  const recordType = recordColumnsOf(spec.recordSchema).columns.find((c) => c.path.join('\u0000') === eventTime.path.join('\u0000'))?.type;
  if (!recordType) throw new PipelineError('INTERNAL', `event time ${field} of table ${spec.table} is not a field of its contract`);
  const scale = eventTime.format === 'epoch_ms' ? 1_000 : 1_000_000;
  const outOfRange = (value: number): TextProblem => ({
    reason: 'event_time_out_of_range',
    message: `event time ${field} is ${shown(value)} (${eventTime.format}), beyond ±${MAX_MS} ms around 1970, the range of timestamps`,
  });
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return { reason: 'schema_invalid', message: `event time ${field} is ${shown(value)}, not a finite number (${eventTime.format})` };
    if (recordType === 'double') {
      const micros = roundHalfAwayFromZero(value * scale);
      if (Math.abs(micros) > MAX_MICROS) return outOfRange(value);
      return { ts: new Date(floorMs(micros)).toISOString(), micros: Number.isSafeInteger(micros) ? micros : BigInt(micros) };
    }
    // An integer field: whole ms or s, so the product is exact (ms within ±8.64e15 < 2^53).
    if (!Number.isInteger(value)) return { reason: 'schema_invalid', message: `event time ${field} is ${shown(value)}, not a whole number (${eventTime.format})` };
    const ms = eventTime.format === 'epoch_ms' ? value : value * 1000;
    if (Math.abs(ms) > MAX_MS) return outOfRange(value);
    const micros = ms * 1000;
    return { ts: new Date(ms).toISOString(), micros: Number.isSafeInteger(micros) ? micros : BigInt(ms) * 1000n };
  };
}

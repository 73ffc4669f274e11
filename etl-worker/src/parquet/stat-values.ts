import type { IcebergPrimitive } from '@spotify-pipeline/shared/iceberg';

/** A column bound as Iceberg serialises it (see serializeBound): the JS value of its type. */
export type BoundValue = bigint | number | string | boolean;

/**
 * Strings longer than this (UTF-8 bytes) get no bounds: a file's bound must be exact or at least
 * safe, and a truncated upper bound is not (engines would skip files holding matching rows).
 */
export const MAX_STRING_BOUND_BYTES = 64;

const INTEGER = /^-?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
const DAY_MS = 86_400_000;

/** Date.UTC maps years 0..99 to 1900..1999: such a date is refused rather than shifted. */
function utcMs(year: string, month: string, day: string, h = '0', m = '0', s = '0'): number | undefined {
  const y = Number(year);
  if (y < 100) return undefined;
  const ms = Date.UTC(y, Number(month) - 1, Number(day), Number(h), Number(m), Number(s));
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * DuckDB's text of a Parquet min/max statistic (`parquet_metadata().stats_min_value`) as the value
 * of the column's Iceberg type, or undefined when it cannot be read exactly (then the file gets no
 * bound for the column: a missing bound costs a scan, a wrong one loses rows). DuckDB prints
 * doubles in shortest round-trip form, TIMESTAMP as `YYYY-MM-DD HH:MM:SS[.ffffff]`, DATE as
 * `YYYY-MM-DD`, booleans as `true`/`false`.
 */
export function parseStatValue(type: IcebergPrimitive, text: string): BoundValue | undefined {
  switch (type) {
    case 'long':
      return INTEGER.test(text) ? BigInt(text) : undefined;
    case 'int': {
      const value = INTEGER.test(text) ? Number(text) : NaN;
      return Number.isSafeInteger(value) && value >= -(2 ** 31) && value < 2 ** 31 ? value : undefined;
    }
    case 'double':
    case 'float': {
      const value = Number(text);
      // NaN is never a bound (Iceberg spec); DuckDB omits statistics of chunks holding one anyway.
      return text.trim() !== '' && !Number.isNaN(value) ? value : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'string':
      return text;
    case 'date': {
      const m = DATE.exec(text);
      const ms = m ? utcMs(m[1]!, m[2]!, m[3]!) : undefined;
      return ms === undefined ? undefined : Math.floor(ms / DAY_MS);
    }
    case 'timestamp': {
      // Microseconds without a zone, as DuckDB's TIMESTAMP stores them; the lake's times are UTC.
      const m = TIMESTAMP.exec(text);
      const ms = m ? utcMs(m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!) : undefined;
      return ms === undefined ? undefined : BigInt(ms) * 1000n + BigInt((m![7] ?? '').padEnd(6, '0'));
    }
    default:
      // timestamptz prints in the session's zone, uuid/binary/time are not written by the lake.
      return undefined;
  }
}

/** Orders two values of one Iceberg type as Iceberg does (strings by UTF-8 bytes, not UTF-16 units). */
export function compareBounds(a: BoundValue, b: BoundValue): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  return Number(a) - Number(b);
}

/**
 * The bounds to publish for a column, or undefined for none: strings longer than
 * MAX_STRING_BOUND_BYTES lose both bounds, and a zero of a floating type is widened to -0.0 below
 * and +0.0 above, since engines order -0.0 before +0.0 and Parquet statistics may hold either.
 */
export function publishableBounds(type: IcebergPrimitive, lower: BoundValue, upper: BoundValue): { lower: BoundValue; upper: BoundValue } | undefined {
  if (type === 'string' && (Buffer.byteLength(lower as string) > MAX_STRING_BOUND_BYTES || Buffer.byteLength(upper as string) > MAX_STRING_BOUND_BYTES)) return undefined;
  if (type === 'double' || type === 'float') {
    return { lower: lower === 0 ? -0 : lower, upper: upper === 0 ? 0 : upper };
  }
  return { lower, upper };
}

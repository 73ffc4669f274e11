/**
 * The string formats a table spec's contract may use (json-schema-columns.ts: date-time, date,
 * email, uri, uuid), checked as the lake reads them. ajv-formats is not a dependency: each check is
 * one documented rule, and the two that become lake values (date-time, date) accept only what DuckDB
 * parses to the same instant or day.
 */

/**
 * RFC 3339 `date-time` as DuckDB's TIMESTAMPTZ reads it: `YYYY-MM-DDTHH:MM:SS[.fraction]`, then
 * `Z` or `±HH:MM`. Stricter than RFC 3339 where DuckDB is: upper-case `T` and `Z` only, no leap
 * second (`:60`). Any number of fraction digits: DuckDB keeps the first six (µs), JS the first three.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** RFC 3339 `full-date`. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The "fast" e-mail rule of ajv-formats: dot-separated atoms of RFC 5322 characters, `@`, a DNS name. */
const EMAIL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
/** An absolute URI (RFC 3986 §4.3): a scheme (a letter, then letters, digits, `+`, `-`, `.`), `:`, then no space or control character. */
const URI = /^[a-z][a-z0-9+.-]*:[^\s\u0000-\u001f\u007f]*$/i;
/** RFC 9562 (4122) text form: 8-4-4-4-12 hexadecimal digits, any version, either case, no `urn:uuid:` prefix. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar day of the proleptic Gregorian calendar (DuckDB's and JS's): Date.parse would roll 2023-02-29 into March. */
function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!);
}

/** An instant: epoch ms (floored, as JS holds it) and epoch µs (as DuckDB's TIMESTAMP holds it; a bigint beyond 2^53). */
export interface Instant {
  ms: number;
  micros: number | bigint;
}

/**
 * The last string read and its instant: the contract's format check and the event-time reader
 * read the same `ts` one after the other (a pure function, so a stale entry is never wrong).
 */
let last: { text: string; instant: Instant | undefined } = { text: '', instant: undefined };

/** The instant a `date-time` string names, or undefined when it is not one (see DATE_TIME). */
export function isoInstant(text: string): Instant | undefined {
  if (text !== last.text) last = { text, instant: readInstant(text) };
  return last.instant;
}

function readInstant(text: string): Instant | undefined {
  const m = DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second, fraction, offsetHours, offsetMinutes] = m;
  if (!isCalendarDay(Number(year), Number(month), Number(day)) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
  if (offsetHours !== undefined && (Number(offsetHours) > 23 || Number(offsetMinutes) > 59)) return undefined;
  // Date.parse truncates the fraction to ms: the floor of the instant, as the fraction only adds.
  const ms = Date.parse(text);
  if (!Number.isFinite(ms)) return undefined;
  // DuckDB truncates the fraction to µs: digits 4 to 6 are the µs within the ms.
  const subMs = fraction !== undefined && fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, '0')) : 0;
  const micros = ms * 1000 + subMs;
  return { ms, micros: Number.isSafeInteger(micros) ? micros : BigInt(ms) * 1000n + BigInt(subMs) };
}

export const isDateTime = (text: string): boolean => isoInstant(text) !== undefined;

export function isDate(text: string): boolean {
  const m = DATE.exec(text);
  return m !== null && isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Format name → check, for ajv.addFormat: every format a spec's contract may name (json-schema-columns.ts, FORMATS). */
export const RECORD_FORMATS: Readonly<Record<string, (text: string) => boolean>> = {
  'date-time': isDateTime,
  date: isDate,
  email: (text) => EMAIL.test(text),
  uri: (text) => URI.test(text),
  uuid: (text) => UUID.test(text),
};

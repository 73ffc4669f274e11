import type { SimulatedPlay } from './simulated-play.js';

/**
 * The simulator's event encoder, the producer's hot path: writes a play's JSON straight into the
 * batch buffer as UTF-8 bytes, fields in contract order, byte-for-byte what JSON.stringify(play.event)
 * would give (the unit tests compare them over many thousands of plays).
 *
 * Why bytes and not a string: a template string of ~650 characters is a rope of ~40 pieces that
 * Buffer.write must first flatten (a copy, two-byte whenever a name has an accent) and then transcode;
 * measured, that cost more than generating the play itself (≈4 µs of the worker's ≈6.8 µs per event).
 * Here the content fields (the only names that can need escaping or non-ASCII) come pre-encoded per
 * track or episode (`contentBytes`, then a constant tail of null fields) and are copied natively; every other string the simulator
 * writes is drawn from safe alphabets (base36 ids, ISO timestamps, vocabularies, country codes) and is
 * copied a character per byte. Should one ever hold a character that JSON escapes or that is not
 * ASCII, that string alone falls back to JSON.stringify, so the output stays valid JSON regardless.
 */

const QUOTE = 0x22;

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

const SCHEMA_VERSION_AND_EVENT_ID = ascii('{"schema_version":1,"event_id":');
const TS = ascii(',"ts":');
const USER_ID = ascii(',"user_id":');
const PLATFORM = ascii(',"platform":');
const MS_PLAYED = ascii(',"ms_played":');
const CONN_COUNTRY = ascii(',"conn_country":');
const COMMA = ascii(',');
const REASON_START = ascii(',"reason_start":');
const REASON_END = ascii(',"reason_end":');
const SHUFFLE = ascii(',"shuffle":');
const SKIPPED = ascii(',"skipped":');
const OFFLINE = ascii(',"offline":');
const OFFLINE_TIMESTAMP = ascii(',"offline_timestamp":');
const INCOGNITO_MODE = ascii(',"incognito_mode":');
const SESSION_ID = ascii(',"session_id":');
const CLOSE = ascii('}');
const TRUE = ascii('true');
const FALSE = ascii('false');
const NULL = ascii('null');

/** Every constant byte of an event: keys, colons, commas, braces, and the longest literal per value. */
const FIXED_BYTES =
  [SCHEMA_VERSION_AND_EVENT_ID, TS, USER_ID, PLATFORM, MS_PLAYED, CONN_COUNTRY, COMMA, REASON_START, REASON_END, SHUFFLE, SKIPPED, OFFLINE, OFFLINE_TIMESTAMP, INCOGNITO_MODE, SESSION_ID, CLOSE].reduce((sum, part) => sum + part.length, 0) +
  4 * FALSE.length +
  2 * 24; // two numbers (JSON.stringify of any number is at most 24 characters)

/** Bytes `writeSimulatedPlay` may need at most for this play (a string escaped by JSON takes ≤ 6 bytes a character). */
export function encodedSizeBound(play: SimulatedPlay): number {
  const session = play.session;
  const strings =
    session.eventIdPrefix.length + 11 + 24 + session.user.id.length + session.platform.length + session.user.country.length + play.reasonStart.length + play.outcome.reasonEnd.length + session.sessionId.length;
  return FIXED_BYTES + play.contentBytes.length + play.contentTail.length + 6 * strings + 2 * 8;
}

/**
 * Writes the play's JSON at `at`; returns the offset after it. `out` must have `encodedSizeBound(play)`
 * bytes of room. Reads the play's fields, not `play.event`, which would build the event object.
 */
export function writeSimulatedPlay(play: SimulatedPlay, out: Uint8Array, at: number): number {
  const session = play.session;
  const outcome = play.outcome;
  let o = eventId(out, copy(out, at, SCHEMA_VERSION_AND_EVENT_ID), session.eventIdPrefix, play.eventNumber);
  o = isoTime(out, copy(out, o, TS), play.eventTimeMs);
  o = quoted(out, copy(out, o, USER_ID), session.user.id);
  o = quoted(out, copy(out, o, PLATFORM), session.platform);
  o = integer(out, copy(out, o, MS_PLAYED), outcome.msPlayed);
  o = quoted(out, copy(out, o, CONN_COUNTRY), session.user.country);
  o = copy(out, o, COMMA);
  out.set(play.contentBytes, o);
  o += play.contentBytes.length;
  out.set(play.contentTail, o);
  o += play.contentTail.length;
  o = quoted(out, copy(out, o, REASON_START), play.reasonStart);
  o = quoted(out, copy(out, o, REASON_END), outcome.reasonEnd);
  o = flag(out, copy(out, o, SHUFFLE), play.shuffle);
  o = flag(out, copy(out, o, SKIPPED), outcome.skipped);
  o = flag(out, copy(out, o, OFFLINE), session.offline);
  o = integer(out, copy(out, o, OFFLINE_TIMESTAMP), play.playStartMs);
  o = flag(out, copy(out, o, INCOGNITO_MODE), session.incognito);
  o = quoted(out, copy(out, o, SESSION_ID), session.sessionId);
  return copy(out, o, CLOSE);
}

/** One play's JSON in its own buffer (tests, and callers outside the batch loop). */
export function encodeSimulatedPlay(play: SimulatedPlay): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeBound(play));
  return out.subarray(0, writeSimulatedPlay(play, out, 0));
}

/** Short constants: a loop beats a native call for a few dozen bytes. */
function copy(out: Uint8Array, at: number, part: Uint8Array): number {
  const length = part.length;
  for (let i = 0; i < length; i++) out[at + i] = part[i]!;
  return at + length;
}

function quoted(out: Uint8Array, at: number, text: string | null): number {
  if (text === null) return copy(out, at, NULL);
  let o = at;
  out[o++] = QUOTE;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    // Control characters, '"', '\\' and anything beyond ASCII need JSON's rules or UTF-8.
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === 0x5c) return at + Buffer.from(out.buffer, out.byteOffset, out.length).write(JSON.stringify(text), at);
    out[o++] = c;
  }
  out[o++] = QUOTE;
  return o;
}

/**
 * `ts` written from the play's event time (`ts` is its ISO form, see SimulatedPlay), so no ISO string
 * is made per event. "YYYY-MM-DDTHH:MM:" comes from a small cache of recent minutes; seconds and
 * millis are digits.
 */
const MINUTE_SLOTS = 256;
const PREFIX_BYTES = 17;
const slotMinute = new Float64Array(MINUTE_SLOTS).fill(Number.NaN);
const slotPrefix = new Uint8Array(MINUTE_SLOTS * PREFIX_BYTES);

function isoTime(out: Uint8Array, at: number, ms: number): number {
  // Only whole milliseconds of years 0000–9999 have the 24-character form; anything else as Date writes it.
  if (!Number.isInteger(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) return quoted(out, at, new Date(ms).toISOString());
  const minute = Math.floor(ms / 60_000);
  const slot = minute & (MINUTE_SLOTS - 1);
  const base = slot * PREFIX_BYTES;
  if (slotMinute[slot] !== minute) {
    slotMinute[slot] = minute;
    const prefix = new Date(minute * 60_000).toISOString();
    for (let i = 0; i < PREFIX_BYTES; i++) slotPrefix[base + i] = prefix.charCodeAt(i);
  }
  let o = at;
  out[o++] = QUOTE;
  for (let i = 0; i < PREFIX_BYTES; i++) out[o++] = slotPrefix[base + i]!;
  const withinMinute = ms - minute * 60_000;
  const seconds = Math.floor(withinMinute / 1000);
  const millis = withinMinute - seconds * 1000;
  out[o++] = 0x30 + Math.floor(seconds / 10);
  out[o++] = 0x30 + (seconds % 10);
  out[o++] = 0x2e; // '.'
  out[o++] = 0x30 + Math.floor(millis / 100);
  out[o++] = 0x30 + (Math.floor(millis / 10) % 10);
  out[o++] = 0x30 + (millis % 10);
  out[o++] = 0x5a; // 'Z'
  out[o++] = QUOTE;
  return o;
}

/** `event_id`: the run's prefix, then the event number in base 36 (as Number#toString(36) writes it). */
function eventId(out: Uint8Array, at: number, prefix: string, eventNumber: number): number {
  if (!(eventNumber >= 0 && Number.isSafeInteger(eventNumber))) return quoted(out, at, prefix + eventNumber.toString(36));
  let o = at;
  out[o++] = QUOTE;
  const length = prefix.length;
  for (let i = 0; i < length; i++) {
    const c = prefix.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === 0x5c) return quoted(out, at, prefix + eventNumber.toString(36));
    out[o++] = c;
  }
  let digits = 1;
  for (let power = 36; power <= eventNumber; power *= 36) digits++;
  let rest = eventNumber;
  for (let i = o + digits - 1; i >= o; i--) {
    const next = Math.floor(rest / 36);
    const digit = rest - next * 36;
    out[i] = digit < 10 ? 0x30 + digit : 0x57 + digit; // '0'–'9', then 'a'–'z'
    rest = next;
  }
  o += digits;
  out[o++] = QUOTE;
  return o;
}

function flag(out: Uint8Array, at: number, value: boolean | null): number {
  return copy(out, at, value === null ? NULL : value ? TRUE : FALSE);
}

/** Non-negative safe integers digit by digit; anything else (null, negative, fractional) as JSON.stringify writes it. */
function integer(out: Uint8Array, at: number, value: number | null): number {
  if (value === null) return copy(out, at, NULL);
  if (!(value >= 0 && Number.isSafeInteger(value))) {
    const text = JSON.stringify(value);
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
    return at + text.length;
  }
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = Math.floor(rest / 10);
    out[i] = 0x30 + (rest - next * 10);
    rest = next;
  }
  return at + digits;
}

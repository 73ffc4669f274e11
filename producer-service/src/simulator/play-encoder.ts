import type { SimulatedPlay } from './simulated-play.js';

/**
 * The simulator's event encoder, the producer's hot path: writes a play's JSON straight into the
 * batch buffer as UTF-8 bytes, fields in contract order, byte-for-byte what JSON.stringify(play.event)
 * would give (the unit tests compare them over many thousands of plays).
 *
 * Why bytes and not a string: a template string of ~650 characters is a rope of ~40 pieces that
 * Buffer.write must first flatten (a copy, two-byte whenever a name has an accent) and then transcode;
 * measured, that cost more than generating the play itself.
 *
 * An event is a handful of byte segments with numbers between them. Everything that is a string is
 * encoded by JSON.stringify once, never per event: the content fields per track or episode
 * (`contentBytes`), the fields constant for a session when its first play is written
 * (`SessionSegments`), the reasons per vocabulary word, the run's id prefix per run. So any
 * character is escaped as JSON.stringify escapes it, and per event only digits are computed.
 */

/** A slice of Node's shared pool for short strings: no backing store of its own per segment. */
const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const json = JSON.stringify;

const TS = utf8('","ts":"');

/**
 * A session's constant fields as bytes, made once on its first play (a session has about 14), each
 * part running from one varying field to the next. JSON.stringify writes every string in them, so
 * any character is escaped exactly as in `JSON.stringify(play.event)`.
 */
export interface SessionSegments {
  /** After `ts`: `","user_id":…,"platform":…,"ms_played":` */
  user: Uint8Array;
  /** After ms_played: `,"conn_country":…,` (the content fields follow) */
  country: Uint8Array;
  /** After reason_end, for a play not skipped: `,"shuffle":…,"skipped":false,"offline":…,"offline_timestamp":` */
  played: Uint8Array;
  /** The same for a skipped play (`"skipped":true`). */
  skipped: Uint8Array;
  /** After offline_timestamp: `,"incognito_mode":…,"session_id":…}` */
  close: Uint8Array;
  /** The largest event of the session without its content, varying parts at their longest. */
  boundWithoutContent: number;
}

function sessionSegments(play: SimulatedPlay): SessionSegments {
  const session = play.session;
  const afterSkipped = (skipped: boolean): string => `,"shuffle":${json(play.shuffle)},"skipped":${skipped},"offline":${json(session.offline)},"offline_timestamp":`;
  const parts = [
    `","user_id":${json(session.user.id)},"platform":${json(session.platform)},"ms_played":`,
    `,"conn_country":${json(session.user.country)},`,
    afterSkipped(false),
    afterSkipped(true),
    `,"incognito_mode":${json(session.incognito)},"session_id":${json(session.sessionId)}}`,
  ];
  // One UTF-8 write for the session, then views: a session has about 14 plays to spread it over.
  const joined = parts.join('');
  const bytes = Buffer.from(joined, 'utf8');
  const oneBytePerChar = bytes.length === joined.length;
  let at = 0;
  const [user, country, played, skipped, close] = parts.map((part) => bytes.subarray(at, (at += oneBytePerChar ? part.length : Buffer.byteLength(part)))) as [Buffer, Buffer, Buffer, Buffer, Buffer];
  // The number fields at their longest (JSON.stringify of a number is at most 24 characters), ts at its widest.
  const varying = eventIdHead(session.eventIdPrefix).length + 24 + TS.length + ISO_MAX + 24 + 24;
  return { user, country, played, skipped, close, boundWithoutContent: varying + user.length + country.length + Math.max(played.length, skipped.length) + close.length };
}

function segmentsOf(play: SimulatedPlay): SessionSegments {
  const session = play.session;
  return (session.segments ??= sessionSegments(play));
}

/** `{"schema_version":1,"event_id":"` and the run's id prefix (the same for every event of a run). */
let headPrefix: string | undefined;
let headBytes: Uint8Array = new Uint8Array(0);
function eventIdHead(prefix: string): Uint8Array {
  if (prefix !== headPrefix) {
    // The closing quote of the id is written after its number: drop it from the JSON of the prefix.
    const quotedPrefix = json(prefix);
    headBytes = utf8(`{"schema_version":1,"event_id":${quotedPrefix.slice(0, -1)}`);
    headPrefix = prefix;
  }
  return headBytes;
}

/** The content tail (null fields after a track's or episode's own), then reason_start and the reason_end key. */
const reasonStartSegments = new Map<Uint8Array, Map<string, Uint8Array>>();
function reasonStartSegment(tail: Uint8Array, reason: string): Uint8Array {
  let byReason = reasonStartSegments.get(tail);
  if (!byReason) reasonStartSegments.set(tail, (byReason = new Map()));
  let segment = byReason.get(reason);
  if (!segment) {
    segment = Buffer.concat([tail, utf8(`,"reason_start":${json(reason)},"reason_end":`)]);
    byReason.set(reason, segment);
  }
  return segment;
}

const reasonEndSegments = new Map<string, Uint8Array>();
function reasonEndSegment(reason: string): Uint8Array {
  let segment = reasonEndSegments.get(reason);
  if (!segment) reasonEndSegments.set(reason, (segment = utf8(json(reason))));
  return segment;
}

const REASON_KEYS_BYTES = ',"reason_start":,"reason_end":'.length;

/** Bytes `writeSimulatedPlay` may need at most for this play (a string JSON escapes takes ≤ 6 bytes a character). */
export function encodedSizeBound(play: SimulatedPlay): number {
  const reasons = REASON_KEYS_BYTES + 6 * (play.reasonStart.length + play.outcome.reasonEnd.length) + 4;
  return segmentsOf(play).boundWithoutContent + play.contentBytes.length + play.contentTail.length + reasons;
}

/**
 * Writes the play's JSON at `at`; returns the offset after it. `out` must have `encodedSizeBound(play)`
 * bytes of room. Reads the play's fields, not `play.event`, which would build the event object.
 */
export function writeSimulatedPlay(play: SimulatedPlay, out: Uint8Array, at: number): number {
  const segments = segmentsOf(play);
  const outcome = play.outcome;
  let o = base36(out, copy(out, at, eventIdHead(play.session.eventIdPrefix)), play.eventNumber);
  o = isoTime(out, o, play.eventTimeMs);
  o = integer(out, copy(out, o, segments.user), outcome.msPlayed);
  o = copy(out, o, segments.country);
  o = copy(out, o, play.contentBytes);
  o = copy(out, o, reasonStartSegment(play.contentTail, play.reasonStart));
  o = copy(out, o, reasonEndSegment(outcome.reasonEnd));
  o = integer(out, copy(out, o, outcome.skipped ? segments.skipped : segments.played), play.playStartMs);
  return copy(out, o, segments.close);
}

/** One play's JSON in its own buffer (tests, and callers outside the batch loop). */
export function encodeSimulatedPlay(play: SimulatedPlay): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeBound(play));
  return out.subarray(0, writeSimulatedPlay(play, out, 0));
}

/**
 * One native copy per segment: measured on this machine, TypedArray#set costs 20–40 ns whatever the
 * length up to 300 bytes, a JavaScript byte loop about 3 ns per byte (already 65 ns for 20 bytes).
 */
function copy(out: Uint8Array, at: number, part: Uint8Array): number {
  out.set(part, at);
  return at + part.length;
}

/**
 * `","ts":"` and `ts`, written from the play's event time (`ts` is its ISO form, see SimulatedPlay),
 * so no ISO string is made per event: the key and "YYYY-MM-DDTHH:MM:" come from a small cache of
 * recent minutes, seconds and millis are digits. The closing quote is in the next segment.
 */
const MINUTE_SLOTS = 256;
const PREFIX_CHARS = 17;
/** ISO form of the widest dates (±YYYYYY-...): what `encodedSizeBound` allows for `ts`. */
const ISO_MAX = 27;
const slotMinute = new Float64Array(MINUTE_SLOTS).fill(Number.NaN);
const slotPrefix = Array.from({ length: MINUTE_SLOTS }, () => new Uint8Array(TS.length + PREFIX_CHARS));

function isoTime(out: Uint8Array, at: number, ms: number): number {
  // Only whole milliseconds of years 0000–9999 have the 24-character form; anything else as Date writes it.
  if (!Number.isInteger(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) return ascii(out, copy(out, at, TS), new Date(ms).toISOString());
  const minute = Math.floor(ms / 60_000);
  const slot = minute & (MINUTE_SLOTS - 1);
  const prefix = slotPrefix[slot]!;
  if (slotMinute[slot] !== minute) {
    slotMinute[slot] = minute;
    prefix.set(TS, 0);
    ascii(prefix, TS.length, new Date(minute * 60_000).toISOString().slice(0, PREFIX_CHARS));
  }
  let o = copy(out, at, prefix);
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
  return o;
}

/** The event number in base 36, as Number#toString(36) writes it. */
function base36(out: Uint8Array, at: number, value: number): number {
  if (!(value >= 0 && Number.isSafeInteger(value))) return ascii(out, at, value.toString(36));
  let digits = 1;
  for (let power = 36; power <= value; power *= 36) digits++;
  let rest = value;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = Math.floor(rest / 36);
    const digit = rest - next * 36;
    out[i] = digit < 10 ? 0x30 + digit : 0x57 + digit; // '0'–'9', then 'a'–'z'
    rest = next;
  }
  return at + digits;
}

/** Non-negative safe integers digit by digit; anything else (negative, fractional) as JSON.stringify writes it. */
function integer(out: Uint8Array, at: number, value: number): number {
  if (!(value >= 0 && Number.isSafeInteger(value))) return ascii(out, at, json(value));
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

/** Text known to be ASCII without characters JSON escapes (numbers, ISO dates). */
function ascii(out: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  return at + text.length;
}

import type { EncodablePlay, SessionSegments } from './encodable-play.js';
import { eventIdHead, sessionSegments, TS_KEY } from './session-segments.js';

/**
 * The simulator's event encoder, the producer's hot path: writes a play's JSON straight into the
 * batch buffer as UTF-8 bytes, fields in contract order, byte-for-byte what JSON.stringify(play.event)
 * would give (the unit tests compare them over many thousands of plays, in both realism modes).
 *
 * Why bytes and not a string: a template string of ~650 characters is a rope of ~40 pieces that
 * Buffer.write must first flatten (a copy, two-byte whenever a name has an accent) and then transcode;
 * measured, that cost more than generating the play itself.
 *
 * An event is a handful of byte segments with numbers between them. Everything that is a string is
 * encoded by JSON.stringify once, never per event: the content fields of episodes and chapters
 * (content-bytes.ts), the catalog's words and artist names (the play writes a track's content from
 * those, simulator/virtual-catalog.ts), the fields constant for a session when its first play is
 * written (session-segments.ts), the reasons per vocabulary word, the run's id prefix per run. So any
 * character is escaped as JSON.stringify escapes it, and per event only digits are computed.
 */

const json = JSON.stringify;
const NULL = Buffer.from('null');

function segmentsOf(play: EncodablePlay): SessionSegments {
  const session = play.session;
  return (session.segments ??= sessionSegments(session, eventIdHeadOf(session.eventIdPrefix).length));
}

/** The head for the run's id prefix (the same for every event of a run). */
let headPrefix: string | undefined;
let headBytes: Uint8Array = new Uint8Array(0);
function eventIdHeadOf(prefix: string): Uint8Array {
  if (prefix !== headPrefix) {
    headBytes = eventIdHead(prefix);
    headPrefix = prefix;
  }
  return headBytes;
}

/**
 * The content tail (null fields after a track's, episode's or chapter's own), then reason_start,
 * the reason_end key and reason_end's value: one copy per event for all of them. The tails are a
 * few constants and the reasons a small vocabulary, so this holds a few hundred segments.
 */
const reasonSegments = new Map<Uint8Array, Map<string | null, Map<string | null, Uint8Array>>>();
function reasonsSegment(tail: Uint8Array, start: string | null, end: string | null): Uint8Array {
  let byStart = reasonSegments.get(tail);
  if (!byStart) reasonSegments.set(tail, (byStart = new Map()));
  let byEnd = byStart.get(start);
  if (!byEnd) byStart.set(start, (byEnd = new Map()));
  let segment = byEnd.get(end);
  if (!segment) {
    // Unbounded only for reasons outside the vocabulary (tests with odd strings): start over past a few thousand.
    if (byEnd.size >= 4_096) byEnd.clear();
    segment = Buffer.concat([tail, Buffer.from(`,"reason_start":${json(start)},"reason_end":${json(end)}`)]);
    byEnd.set(end, segment);
  }
  return segment;
}

const REASON_KEYS_BYTES = ',"reason_start":,"reason_end":'.length;

/** Bytes `writePlay` may need at most for this play (a string JSON escapes takes ≤ 6 bytes a character). */
export function encodedSizeBound(play: EncodablePlay): number {
  const reasons = REASON_KEYS_BYTES + 6 * ((play.reasonStart?.length ?? 4) + (play.reasonEnd?.length ?? 4)) + 4;
  return segmentsOf(play).boundWithoutContent + play.contentBound + play.contentTail.length + reasons;
}

/**
 * Writes the play's JSON at `at`; returns the offset after it. `out` must have `encodedSizeBound(play)`
 * bytes of room. Reads the play's fields, never an event object.
 */
export function writePlay(play: EncodablePlay, out: Uint8Array, at: number): number {
  const segments = segmentsOf(play);
  const session = play.session;
  let o = base36(out, copy(out, at, eventIdHeadOf(session.eventIdPrefix)), play.eventNumber);
  o = isoTime(out, o, play.eventTimeMs, session.wholeSecondTimes);
  o = integer(out, copy(out, o, segments.user), play.msPlayed);
  o = copy(out, o, segments.country);
  o = play.writeContent(out, o);
  o = copy(out, o, reasonsSegment(play.contentTail, play.reasonStart, play.reasonEnd));
  const skipped = play.skipped;
  o = copy(out, o, skipped === false ? segments.notSkipped : skipped ? segments.skipped : segments.skippedNull);
  const offlineTimestamp = play.offlineTimestamp;
  o = offlineTimestamp === null ? copy(out, o, NULL) : integer(out, o, offlineTimestamp);
  o = copy(out, o, segments.close);
  return play.writeArtistTail(out, o);
}

/** One play's JSON in its own buffer (tests, and callers outside the batch loop). */
export function encodePlay(play: EncodablePlay): Buffer {
  const out = Buffer.allocUnsafe(encodedSizeBound(play));
  return out.subarray(0, writePlay(play, out, 0));
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
 * `","ts":"` and `ts`, written from the play's event time, so no ISO string is made per event: the
 * key and "YYYY-MM-DDTHH:MM:" come from a small cache of recent minutes, seconds and millis are
 * digits. The closing quote is in the next segment. Whole seconds (export realism) end at `SSZ`.
 */
const MINUTE_SLOTS = 256;
const PREFIX_CHARS = 17;
const slotMinute = new Float64Array(MINUTE_SLOTS).fill(Number.NaN);
const slotPrefix = Array.from({ length: MINUTE_SLOTS }, () => new Uint8Array(TS_KEY.length + PREFIX_CHARS));

function isoTime(out: Uint8Array, at: number, ms: number, wholeSeconds: boolean): number {
  // Only whole milliseconds of years 0000–9999 have the 24-character form; anything else as Date writes it.
  if (!Number.isInteger(ms) || ms < -62_167_219_200_000 || ms > 253_402_300_799_999) {
    const iso = new Date(ms).toISOString();
    return ascii(out, copy(out, at, TS_KEY), wholeSeconds ? `${iso.slice(0, -5)}Z` : iso);
  }
  const minute = Math.floor(ms / 60_000);
  const slot = minute & (MINUTE_SLOTS - 1);
  const prefix = slotPrefix[slot]!;
  if (slotMinute[slot] !== minute) {
    slotMinute[slot] = minute;
    prefix.set(TS_KEY, 0);
    ascii(prefix, TS_KEY.length, new Date(minute * 60_000).toISOString().slice(0, PREFIX_CHARS));
  }
  let o = copy(out, at, prefix);
  const withinMinute = ms - minute * 60_000;
  const seconds = Math.floor(withinMinute / 1000);
  out[o++] = 0x30 + Math.floor(seconds / 10);
  out[o++] = 0x30 + (seconds % 10);
  if (!wholeSeconds) {
    const millis = withinMinute - seconds * 1000;
    out[o++] = 0x2e; // '.'
    out[o++] = 0x30 + Math.floor(millis / 100);
    out[o++] = 0x30 + (Math.floor(millis / 10) % 10);
    out[o++] = 0x30 + (millis % 10);
  }
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

/**
 * A byte-level JSON syntax check for record values, without building a string or an object graph.
 *
 * The sink stages values byte for byte and only has to know that each one is a JSON object that fits
 * on one NDJSON line. `JSON.parse(value.toString())` answers that too, but it decodes every value to a
 * string and materialises every field, which made it the biggest single cost of the sink's loop
 * (about 2 µs of a ~690 B event, plus the garbage). This scanner walks the bytes once and allocates
 * nothing. It follows RFC 8259's grammar exactly (the unit tests compare it with JSON.parse on
 * valid, mutated and random inputs), and checks that strings are well-formed UTF-8 (RFC 8259 §8.1:
 * JSON text is UTF-8; JSON.parse of the decoded text would silently turn bad bytes into U+FFFD).
 * The UTF-8 check costs nothing on ASCII: only bytes ≥ 0x80 leave the hot loop.
 */

export type JsonObjectScan =
  /** `compact`: no line break or leading/trailing whitespace, so the bytes can be one NDJSON line as they are. */
  | { ok: true; compact: boolean }
  | { ok: false; reason: 'not_json' | 'not_object' | 'not_utf8' };

const COMPACT: JsonObjectScan = Object.freeze({ ok: true, compact: true });
const NOT_COMPACT: JsonObjectScan = Object.freeze({ ok: true, compact: false });
const NOT_JSON: JsonObjectScan = Object.freeze({ ok: false, reason: 'not_json' });
const NOT_UTF8: JsonObjectScan = Object.freeze({ ok: false, reason: 'not_utf8' });
/** skipString's answer for a string that is valid JSON but not valid UTF-8. */
const BAD_UTF8 = -2;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const NEWLINE = 0x0a;
/** Deeper nesting than this is not a listening event; it also bounds the scanner's stack. */
const MAX_DEPTH = 512;

const IN_OBJECT = 1;
const IN_ARRAY = 2;
/** The scanner's container stack, reused: scans are synchronous, so one at a time. */
const CONTAINERS = new Uint8Array(MAX_DEPTH);

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === NEWLINE || byte === 0x0d;
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

function isHexDigit(byte: number): boolean {
  return isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/**
 * Bytes that end the plain run of a string: the closing quote, a backslash, control characters
 * (invalid raw), and every byte ≥ 0x80 (the start of a UTF-8 sequence, checked on its own).
 */
const STRING_STOP = new Uint8Array(256);
for (let byte = 0; byte < 0x20; byte++) STRING_STOP[byte] = 1;
for (let byte = 0x80; byte < 0x100; byte++) STRING_STOP[byte] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

function isContinuation(byte: number | undefined): boolean {
  return byte !== undefined && (byte & 0xc0) === 0x80;
}

/**
 * Index after the well-formed UTF-8 sequence that starts at `i` (a byte ≥ 0x80), or -1. The table of
 * Unicode 15 §3.9 (D92): no overlong forms, no surrogates, nothing above U+10FFFF.
 */
function skipUtf8Sequence(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  const second = bytes[i + 1];
  if (lead >= 0xc2 && lead <= 0xdf) return isContinuation(second) ? i + 2 : -1;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (second === undefined) return -1;
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[i + 2]) ? i + 3 : -1;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (second === undefined) return -1;
    const low = lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xf4 ? 0x8f : 0xbf;
    return second >= low && second <= high && isContinuation(bytes[i + 2]) && isContinuation(bytes[i + 3]) ? i + 4 : -1;
  }
  return -1;
}

/**
 * Index after the string that opens at `start` (a quote); -1 when it is not a valid JSON string,
 * BAD_UTF8 when it is one but holds a byte sequence that is not UTF-8.
 */
function skipString(bytes: Uint8Array, start: number): number {
  let i = start + 1;
  const end = bytes.length;
  for (;;) {
    // The hot loop: one table lookup per byte of plain text.
    while (i < end && STRING_STOP[bytes[i]!] === 0) i += 1;
    if (i >= end) return -1;
    const byte = bytes[i]!;
    if (byte === QUOTE) return i + 1;
    if (byte >= 0x80) {
      const next = skipUtf8Sequence(bytes, i);
      if (next < 0) return BAD_UTF8;
      i = next;
      continue;
    }
    if (byte !== BACKSLASH) return -1;
    const escaped = bytes[i + 1];
    if (escaped === 0x75 /* u */) {
      if (!(isHexDigit(bytes[i + 2]!) && isHexDigit(bytes[i + 3]!) && isHexDigit(bytes[i + 4]!) && isHexDigit(bytes[i + 5]!))) return -1;
      i += 6;
      continue;
    }
    // " \ / b f n r t
    if (escaped !== QUOTE && escaped !== BACKSLASH && escaped !== 0x2f && escaped !== 0x62 && escaped !== 0x66 && escaped !== 0x6e && escaped !== 0x72 && escaped !== 0x74) return -1;
    i += 2;
  }
}

/** Index after the number that starts at `start`, or -1 (grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?). */
function skipNumber(bytes: Uint8Array, start: number): number {
  let i = start;
  if (bytes[i] === MINUS) i += 1;
  if (bytes[i] === ZERO) i += 1;
  else if (isDigit(bytes[i]!)) while (isDigit(bytes[i]!)) i += 1;
  else return -1;
  if (bytes[i] === DOT) {
    i += 1;
    if (!isDigit(bytes[i]!)) return -1;
    while (isDigit(bytes[i]!)) i += 1;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i += 1;
    if (bytes[i] === PLUS || bytes[i] === MINUS) i += 1;
    if (!isDigit(bytes[i]!)) return -1;
    while (isDigit(bytes[i]!)) i += 1;
  }
  return i;
}

function skipLiteral(bytes: Uint8Array, start: number, literal: readonly number[]): number {
  for (let k = 0; k < literal.length; k++) if (bytes[start + k] !== literal[k]) return -1;
  return start + literal.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** Index after the scalar (string, number, literal) at `i`, or -1. */
function skipScalar(bytes: Uint8Array, i: number): number {
  const byte = bytes[i];
  if (byte === QUOTE) return skipString(bytes, i);
  if (byte === 0x74) return skipLiteral(bytes, i, TRUE);
  if (byte === 0x66) return skipLiteral(bytes, i, FALSE);
  if (byte === 0x6e) return skipLiteral(bytes, i, NULL);
  return skipNumber(bytes, i);
}

function skipWhitespace(bytes: Uint8Array, i: number): number {
  while (i < bytes.length && isWhitespace(bytes[i]!)) i += 1;
  return i;
}

/** Whether `bytes` is exactly one JSON value that is an object (whitespace around it allowed). */
export function scanJsonObject(bytes: Uint8Array): JsonObjectScan {
  const end = bytes.length;
  const first = skipWhitespace(bytes, 0);
  if (first === end) return NOT_JSON;
  if (bytes[first] !== OPEN_BRACE) return classifyNonObject(bytes);

  // The containers we are inside, innermost last; `justOpened`: no member or element read yet.
  const stack = CONTAINERS;
  let depth = 0;
  stack[0] = IN_OBJECT;
  let justOpened = true;
  let i = first + 1;
  for (;;) {
    i = skipWhitespace(bytes, i);
    const inObject = stack[depth] === IN_OBJECT;
    const byte = bytes[i];
    if (byte === (inObject ? CLOSE_BRACE : CLOSE_BRACKET)) {
      i += 1;
      if (depth === 0) break;
      depth -= 1;
      justOpened = false;
      continue;
    }
    if (!justOpened) {
      if (byte !== COMMA) return NOT_JSON;
      i = skipWhitespace(bytes, i + 1);
    }
    if (inObject) {
      if (bytes[i] !== QUOTE) return NOT_JSON;
      i = skipString(bytes, i);
      if (i < 0) return i === BAD_UTF8 ? NOT_UTF8 : NOT_JSON;
      i = skipWhitespace(bytes, i);
      if (bytes[i] !== COLON) return NOT_JSON;
      i = skipWhitespace(bytes, i + 1);
    }
    const value = bytes[i];
    if (value === OPEN_BRACE || value === OPEN_BRACKET) {
      depth += 1;
      if (depth >= MAX_DEPTH) return NOT_JSON;
      stack[depth] = value === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
      justOpened = true;
      i += 1;
      continue;
    }
    if (i >= end) return NOT_JSON;
    i = skipScalar(bytes, i);
    if (i < 0) return i === BAD_UTF8 ? NOT_UTF8 : NOT_JSON;
    justOpened = false;
  }
  const closedAt = i;
  if (skipWhitespace(bytes, i) !== end) return NOT_JSON;
  return first === 0 && closedAt === end && bytes.indexOf(NEWLINE) < 0 ? COMPACT : NOT_COMPACT;
}

/**
 * A value that does not start with `{`: never stageable, but whether it is JSON at all (an array,
 * a string...) decides the reason. Rare, so JSON.parse answers it.
 */
function classifyNonObject(bytes: Uint8Array): JsonObjectScan {
  try {
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
    return { ok: false, reason: 'not_object' };
  } catch {
    return { ok: false, reason: 'not_json' };
  }
}

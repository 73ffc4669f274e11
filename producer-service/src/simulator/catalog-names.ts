import { ItemRng } from './prng.js';
import { WORDS } from './vocabulary.js';

/**
 * Track and album names: one to three words of the vocabulary, drawn from the item's own stream.
 * They are written two ways from the same draws: as bytes straight into a track's content (the
 * hot path, no strings made) and as strings (events built for tests, the tracks topic).
 */
const WORDS_JSON = WORDS.map((word) => Buffer.from(JSON.stringify(word).slice(1, -1)));
const SPACE = 0x20;

/** Draws a name's words into `out` (room for 3); returns how many. */
export function drawWords(rng: ItemRng, out: Uint8Array): number {
  const count = 1 + rng.int(3);
  for (let i = 0; i < count; i++) out[i] = rng.int(WORDS.length);
  return count;
}

/** Bytes of the name inside JSON quotes (the vocabulary needs no escapes, but is not all ASCII). */
export function wordsByteLength(words: Uint8Array, count: number): number {
  let length = count - 1;
  for (let i = 0; i < count; i++) length += WORDS_JSON[words[i]!]!.length;
  return length;
}

export function writeWords(out: Uint8Array, at: number, words: Uint8Array, count: number): number {
  let o = at;
  for (let i = 0; i < count; i++) {
    if (i > 0) out[o++] = SPACE;
    const word = WORDS_JSON[words[i]!]!;
    out.set(word, o);
    o += word.length;
  }
  return o;
}

export function wordsText(words: Uint8Array, count: number): string {
  return Array.from(words.subarray(0, count), (w) => WORDS[w]!).join(' ');
}

/** The longest name in bytes: three of the longest words and two spaces. */
export const MAX_NAME_BYTES = 3 * Math.max(...WORDS_JSON.map((word) => word.length)) + 2;

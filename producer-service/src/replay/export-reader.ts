import { isUtf8 } from 'node:buffer';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { DEFAULT_SPLITTER_LIMITS, JsonArraySplitter, type ElementProblem, type SplitterLimits } from './json-array-splitter.js';

export interface SourceElement {
  /** Position in the file's array, from 0. */
  index: number;
  text: string;
  /** Set when the element cannot be mapped whatever it holds: over a cap, or bytes that are not UTF-8. */
  problem?: ElementProblem | 'INVALID_UTF8';
  /** Characters of the whole element (text may hold only a prefix of one with a problem). */
  length: number;
}

/**
 * Bytes at the end of `bytes` that start a UTF-8 sequence the chunk does not finish: checked with
 * the next chunk, so a character split across chunks is not taken for an invalid one.
 */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return needed > back ? back : 0;
  }
  return 0;
}

/**
 * Streams the elements of one export file (a JSON array) without holding the file: bytes are
 * decoded incrementally (a multi-byte character split across chunks stays whole) and split into
 * element texts. `onBytes` reports progress. A file that is not a well-formed array throws a
 * JsonArrayShapeError after the elements read so far were yielded.
 *
 * Bytes that are not UTF-8 would decode to U+FFFD and pass unnoticed; instead, an element holding a
 * U+FFFD that came from such bytes is marked INVALID_UTF8 (an element whose chunk was valid keeps a
 * U+FFFD the export really holds).
 */
export async function* readElements(stream: Readable, onBytes?: (bytes: number) => void, limits: SplitterLimits = DEFAULT_SPLITTER_LIMITS): AsyncGenerator<SourceElement> {
  const decoder = new StringDecoder('utf8');
  const splitter = new JsonArraySplitter(limits);
  let index = 0;
  let carry: Buffer = Buffer.alloc(0);
  /** Invalid bytes were seen since the last element boundary: the element under way may hold them. */
  let dirty = false;
  const emit = function* (elements: ReturnType<JsonArraySplitter['push']>): Generator<SourceElement> {
    for (const element of elements) {
      const invalid = dirty && !element.problem && element.text.includes('\uFFFD');
      yield { index: index++, text: element.text, length: element.length, problem: element.problem ?? (invalid ? 'INVALID_UTF8' : undefined) };
    }
    if (!splitter.insideElement) dirty = false;
  };
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      onBytes?.(buffer.length);
      const bytes = carry.length > 0 ? Buffer.concat([carry, buffer]) : buffer;
      const tail = incompleteTail(bytes);
      if (!isUtf8(bytes.subarray(0, bytes.length - tail))) dirty = true;
      carry = Buffer.from(bytes.subarray(bytes.length - tail));
      yield* emit(splitter.push(decoder.write(buffer)));
    }
    if (carry.length > 0) dirty = true; // the file ended inside a character
    yield* emit(splitter.push(decoder.end()));
    splitter.end();
  } finally {
    stream.destroy();
  }
}

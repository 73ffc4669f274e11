import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { JsonArraySplitter } from './json-array-splitter.js';

export interface SourceElement {
  /** Position in the file's array, from 0. */
  index: number;
  text: string;
}

/**
 * Streams the elements of one export file (a JSON array) without holding the file: bytes are
 * decoded incrementally (a multi-byte character split across chunks stays whole) and split into
 * element texts. `onBytes` reports progress. A file that is not a well-formed array throws a
 * JsonArrayShapeError after the elements read so far were yielded.
 */
export async function* readElements(stream: Readable, onBytes?: (bytes: number) => void): AsyncGenerator<SourceElement> {
  const decoder = new StringDecoder('utf8');
  const splitter = new JsonArraySplitter();
  let index = 0;
  try {
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      onBytes?.(buffer.length);
      for (const text of splitter.push(decoder.write(buffer))) yield { index: index++, text };
    }
    for (const text of splitter.push(decoder.end())) yield { index: index++, text };
    splitter.end();
  } finally {
    stream.destroy();
  }
}

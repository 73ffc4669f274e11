import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const NEWLINE = Buffer.from('\n');

/**
 * Copies a spooled (decompressed) staged object to `toPath` without the lines whose index is in
 * `dropped`; returns the lines written. Lines are counted as the reader splits them: non-empty
 * runs between newline bytes. Bytes are copied as they are, except a line that is not valid
 * UTF-8, which is written as JS decoded it (replacement characters), so DuckDB reads what was
 * validated instead of failing on the whole file.
 */
export async function copyLinesExcept(fromPath: string, toPath: string, dropped: ReadonlySet<number>): Promise<number> {
  const out = await open(toPath, 'w');
  let index = 0;
  let written = 0;
  const parts: Buffer[] = [];
  const emit = (line: Buffer): void => {
    if (line.length === 0) return;
    if (dropped.has(index++)) return;
    parts.push(isAscii(line) || isUtf8(line) ? line : Buffer.from(line.toString('utf8')), NEWLINE);
    written++;
  };
  try {
    let carry: Buffer = Buffer.alloc(0);
    for await (const chunk of createReadStream(fromPath, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let start = 0;
      for (let end = data.indexOf(10); end !== -1; end = data.indexOf(10, start)) {
        emit(data.subarray(start, end));
        start = end + 1;
      }
      carry = Buffer.from(data.subarray(start));
      if (parts.length > 0) await out.writev(parts.splice(0));
    }
    emit(carry);
    if (parts.length > 0) await out.writev(parts.splice(0));
  } finally {
    await out.close();
  }
  return written;
}

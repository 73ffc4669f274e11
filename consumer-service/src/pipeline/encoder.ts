import { createHash, type Hash } from 'node:crypto';
import { createGzip, type Gzip } from 'node:zlib';
import type { SourceRecord } from './source-record.js';

export type StagingFormat = 'ndjson' | 'ndjson-envelope';

const NEWLINE = Buffer.from('\n');
/**
 * Lines are handed to zlib in chunks of about this size: each chunk costs a thread-pool round trip
 * and two callbacks on the loop, so fewer, bigger chunks; small enough to bound memory (one pending
 * chunk per open batch).
 */
const CHUNK_BYTES = 1024 * 1024;

function headersObject(headers: SourceRecord['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const header of headers ?? []) {
    for (const [name, value] of Object.entries(header)) flat[name] = value.toString();
  }
  return flat;
}

/**
 * One NDJSON line (with its newline) for a record whose value passed `checkRecord`. `ndjson` keeps
 * the value's bytes; `ndjson-envelope` wraps them, still unparsed, with the Kafka coordinates.
 */
export function encodeLine(record: SourceRecord, json: Buffer, format: StagingFormat): Buffer[] {
  if (format === 'ndjson') return [json, NEWLINE];
  const head = JSON.stringify({
    key: record.key === null ? null : record.key.toString('utf8'),
    headers: headersObject(record.headers),
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
  });
  // `{...,"value":<raw>}`: splice the raw value in place of re-serialising it.
  return [Buffer.from(`${head.slice(0, -1)},"value":`), json, Buffer.from('}\n')];
}

export interface EncodedObject {
  body: Buffer;
  sha256: string;
}

/**
 * gzip of a batch's NDJSON, compressed while the batch fills: chunks go to zlib in the libuv
 * thread pool as they accumulate, so compression overlaps consuming and a flush only waits for
 * the tail. The consumed values are released as soon as their chunk is written, so a batch holds
 * its compressed bytes, not its records.
 *
 * Deterministic: deflate without flushes produces the same bytes however the input is chunked,
 * and zlib's default gzip header carries no mtime and no name. A replay of the same offsets
 * rewrites the same object byte for byte, with the same sha256.
 */
export class StreamingGzip {
  private readonly gzip: Gzip;
  private readonly hash: Hash = createHash('sha256');
  private readonly output: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private outputBytes = 0;
  private failure: Error | undefined;
  private readonly ended: Promise<void>;

  constructor(level: number) {
    this.gzip = createGzip({ level });
    this.gzip.on('data', (chunk: Buffer) => {
      this.output.push(chunk);
      this.outputBytes += chunk.length;
      this.hash.update(chunk);
    });
    this.ended = new Promise((resolve, reject) => {
      this.gzip.once('end', resolve);
      this.gzip.once('error', (err) => {
        this.failure = err;
        reject(err);
      });
    });
    // A dropped batch destroys the stream; the rejection must not surface as unhandled.
    this.ended.catch(() => undefined);
  }

  write(parts: Buffer[]): void {
    for (const part of parts) {
      this.pending.push(part);
      this.pendingBytes += part.length;
    }
    if (this.pendingBytes >= CHUNK_BYTES) this.writePending();
  }

  /** Bytes this batch holds in memory: lines not yet handed to zlib, queued in zlib, and compressed. */
  get heldBytes(): number {
    return this.pendingBytes + this.gzip.writableLength + this.outputBytes;
  }

  async finish(): Promise<EncodedObject> {
    this.writePending();
    this.gzip.end();
    await this.ended;
    if (this.failure) throw this.failure;
    return { body: Buffer.concat(this.output, this.outputBytes), sha256: this.hash.digest('hex') };
  }

  /** Releases the zlib handle of a batch that will never be flushed (revoked, rewound). */
  discard(): void {
    this.pending = [];
    this.gzip.destroy();
  }

  private writePending(): void {
    if (this.pendingBytes === 0) return;
    this.gzip.write(Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

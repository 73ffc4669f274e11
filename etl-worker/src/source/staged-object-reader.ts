import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';
import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';

/** Where staged objects come from: S3 in the worker, local files in the benchmark. */
export interface StagedObjectSource {
  open(manifest: StagedFileManifest): Promise<Readable>;
}

export class S3StagedObjectSource implements StagedObjectSource {
  constructor(private readonly s3: S3Client) {}

  async open(manifest: StagedFileManifest): Promise<Readable> {
    try {
      const response = await this.s3.send(new GetObjectCommand({ Bucket: manifest.bucket, Key: manifest.key }));
      return response.Body as Readable;
    } catch (err) {
      throw classifyS3Error(err, `get staged object ${manifest.key}`, manifest.bucket);
    }
  }
}

/**
 * Streams a staged object's lines to `onLines` (one call per decompressed chunk, in order) while it downloads: bytes are hashed as they arrive
 * and gunzipped on the fly, so validation overlaps the transfer. The caller must not publish
 * anything before this resolves: a sha256 mismatch (a torn or replaced object) rejects at the end.
 */
/** What a read saw of the bytes themselves. */
export interface LinesRead {
  /** False when some line is not valid UTF-8: its decoded text (with U+FFFD) is not its bytes. */
  validUtf8: boolean;
}

export async function readStagedLines(
  source: StagedObjectSource,
  manifest: StagedFileManifest,
  onLines: (lines: string[]) => void | Promise<void>,
  spoolPath?: string,
): Promise<LinesRead> {
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  const body = await source.open(manifest);
  // Large chunks and a deep buffer: gunzip (threadpool) runs ahead while lines are validated here.
  // (zlib streams pass stream options through to Transform; the typings omit them.)
  const gunzip = createGunzip({ chunkSize: 1 << 20, highWaterMark: 8 << 20 } as ZlibOptions);
  body.on('error', (err) => gunzip.destroy(err));
  body.pipe(tap).pipe(gunzip);
  // The decompressed bytes are also kept on local tmpfs: when every line is valid, DuckDB parses
  // this copy itself (in parallel) instead of a re-serialised one (the fast path; see LakeObjectWriter).
  const spool = spoolPath ? await open(spoolPath, 'w') : undefined;
  const lines = new LineDecoder();
  try {
    await eachChunk(gunzip, async (chunk) => {
      // The spool write (threadpool) runs while this chunk's lines are validated.
      const spooled = spool?.write(chunk);
      try {
        const decoded = lines.push(chunk);
        if (decoded.length > 0) await onLines(decoded);
      } finally {
        await spooled;
      }
    });
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('Z_')) throw new PipelineError('CHECKSUM_MISMATCH', `staged object ${manifest.key} is not valid gzip: ${(err as Error).message}`, { cause: err });
    // The spool is local: a full tmpfs is not an S3 outage (it was once counted as one).
    if (code === 'ENOSPC') throw localDiskFull(spoolPath, err);
    throw classifyS3Error(err, `read staged object ${manifest.key}`, manifest.bucket);
  } finally {
    await spool?.close();
  }
  const tail = lines.end();
  if (tail.length > 0) await onLines(tail);
  checkDigest(manifest, hash.digest('hex'), size);
  return { validUtf8: lines.validUtf8 };
}

/**
 * Downloads a staged object as it is (gzip) to `path`, hashing it on the way: for an object the
 * sink vouched for (every line canonical), which DuckDB reads itself, decompression included.
 * The same checks as readStagedLines: a sha256 or size mismatch rejects (retriable), and nothing
 * may be published from the file before this resolves.
 */
export async function downloadStagedObject(source: StagedObjectSource, manifest: StagedFileManifest, path: string): Promise<void> {
  const hash = createHash('sha256');
  let size = 0;
  const body = await source.open(manifest);
  const file = await open(path, 'w');
  try {
    await eachChunk(body, async (chunk) => {
      const written = file.write(chunk);
      hash.update(chunk);
      size += chunk.length;
      await written;
    });
  } catch (err) {
    if (err instanceof PipelineError) throw err;
    if ((err as { code?: string }).code === 'ENOSPC') throw localDiskFull(path, err);
    throw classifyS3Error(err, `read staged object ${manifest.key}`, manifest.bucket);
  } finally {
    await file.close();
  }
  checkDigest(manifest, hash.digest('hex'), size);
}

/** Rejects (retriable) when the bytes read are not the object the manifest describes. */
function checkDigest(manifest: StagedFileManifest, digest: string, size: number): void {
  if (digest !== manifest.sha256 || size !== manifest.size_bytes) {
    // Retriable: a sink replay may be rewriting the same key right now; a lasting mismatch exhausts the retries.
    throw new PipelineError('CHECKSUM_MISMATCH', `staged object ${manifest.key}: sha256 ${digest} (${size} B), manifest says ${manifest.sha256} (${manifest.size_bytes} B)`, {
      retriable: true,
    });
  }
}

/** Reads the lines of a spooled (decompressed, already verified) staged object, as readStagedLines delivered them. */
export async function readSpooledLines(spoolPath: string, onLines: (lines: string[]) => void | Promise<void>): Promise<LinesRead> {
  const lines = new LineDecoder();
  await eachChunk(createReadStream(spoolPath, { highWaterMark: 1 << 20 }), async (chunk) => {
    const decoded = lines.push(chunk);
    if (decoded.length > 0) await onLines(decoded);
  });
  const tail = lines.end();
  if (tail.length > 0) await onLines(tail);
  return { validUtf8: lines.validUtf8 };
}

/**
 * Splits decompressed chunks on their last newline byte and decodes whole lines only: no UTF-8
 * sequence is ever cut, and only the line cut by a chunk boundary is copied (joined with the next chunk).
 */
class LineDecoder {
  private carry: Buffer = Buffer.alloc(0);
  /** Every piece decoded so far was ASCII or valid UTF-8. */
  validUtf8 = true;

  push(chunk: Buffer): string[] {
    const lastNewline = chunk.lastIndexOf(10);
    if (lastNewline === -1) {
      this.carry = Buffer.concat([this.carry, chunk]);
      return [];
    }
    const firstNewline = this.carry.length > 0 ? chunk.indexOf(10) : -1;
    const joined = this.carry.length > 0 ? this.decode(Buffer.concat([this.carry, chunk.subarray(0, firstNewline)])) : [];
    const lines = this.decode(chunk.subarray(firstNewline + 1, lastNewline));
    this.carry = Buffer.from(chunk.subarray(lastNewline + 1));
    return joined.length > 0 ? [...joined, ...lines] : lines;
  }

  end(): string[] {
    return this.carry.length > 0 ? this.decode(this.carry) : [];
  }

  private decode(bytes: Buffer): string[] {
    return decodeLines(bytes, () => (this.validUtf8 = false));
  }
}

/**
 * Calls `onChunk` for each chunk of `stream`, one at a time, in order. Unlike `for await`, which
 * concatenates everything buffered into one new Buffer on each read (megabytes copied per chunk with
 * gunzip running ahead), each chunk is handed over as zlib produced it; the stream is paused while
 * a chunk is handled and keeps decompressing ahead up to its high-water mark.
 */
function eachChunk(stream: Readable, onChunk: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let handled: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      stream.destroy();
      reject(err);
    };
    stream.on('data', (chunk: Buffer) => {
      stream.pause();
      handled = handled.then(() => onChunk(chunk)).then(() => void (failed || stream.resume()), fail);
    });
    stream.on('end', () => void handled.then(() => failed || resolve(), fail));
    stream.on('error', fail);
  });
}

/** Text is decoded in pieces of about this size, cut at newlines: small strings die young in V8's new space. */
const DECODE_PIECE_BYTES = 64 * 1024;

/**
 * Whole lines → strings. Pure ASCII (the common case) is copied as Latin-1, several times cheaper than
 * UTF-8 decoding. A 1 MiB chunk decoded at once would be one large string that every line keeps alive
 * until a full GC; pieces of 64 KiB are collected cheaply once their lines are dropped.
 */
function decodeLines(bytes: Buffer, onInvalidUtf8: () => void): string[] {
  const lines: string[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = bytes.length;
    if (end - start > DECODE_PIECE_BYTES) {
      const cut = bytes.lastIndexOf(10, start + DECODE_PIECE_BYTES);
      end = cut > start ? cut : bytes.indexOf(10, start + DECODE_PIECE_BYTES);
      if (end === -1) end = bytes.length;
    }
    const piece = bytes.subarray(start, end);
    const ascii = isAscii(piece);
    // Checked here, where the bytes are at hand (simdutf, GB/s): see LinesRead.
    if (!ascii && !isUtf8(piece)) onInvalidUtf8();
    for (const line of splitLines(piece.toString(ascii ? 'latin1' : 'utf8'))) lines.push(line);
    start = end + 1;
  }
  return lines;
}

function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    if (end > start) lines.push(text.slice(start, end));
    start = end + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** The ETL's temp dir (ETL_TMP_DIR, tmpfs by default) is full: retried, with a message that says where to look. */
export function localDiskFull(path: string | undefined, cause: unknown): PipelineError {
  return new PipelineError('LOCAL_DISK_FULL', `no space left for ${path ?? 'a temp file'}: the ETL's temp dir (ETL_TMP_DIR, /dev/shm by default) is full; give the pod more memory-backed scratch space or lower ETL_PARALLEL_WRITES`, {
    cause,
    retriable: true,
  });
}

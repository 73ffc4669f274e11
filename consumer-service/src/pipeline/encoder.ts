import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { SourceRecord } from './source-record.js';

export type StagingFormat = 'ndjson' | 'ndjson-envelope';

const NEWLINE = Buffer.from('\n');
const gzipAsync = promisify(gzip);

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
 * gzip of the concatenated lines, in the libuv thread pool. zlib's default gzip header carries no
 * mtime and no file name, so identical records give identical bytes: a replay rewrites the same
 * object byte for byte, with the same sha256.
 */
export async function encodeObject(lines: Buffer[], level: number): Promise<EncodedObject> {
  const body = await gzipAsync(Buffer.concat(lines), { level });
  return { body, sha256: createHash('sha256').update(body).digest('hex') };
}

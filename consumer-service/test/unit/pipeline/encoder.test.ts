import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { encodeLine, StreamingGzip } from '../../../src/pipeline/encoder';
import { record } from './fixtures';

function lines(count: number): Buffer[][] {
  return Array.from({ length: count }, (_, i) => {
    const r = record(i);
    return encodeLine(r, r.value!, 'ndjson');
  });
}

async function encode(all: Buffer[][], level: number, regroup: number): Promise<{ body: Buffer; sha256: string }> {
  const gzip = new StreamingGzip(level);
  // Feed in groups of `regroup` lines: a different chunking than another run of the same records.
  for (let i = 0; i < all.length; i += regroup) gzip.write(all.slice(i, i + regroup).flat());
  return gzip.finish();
}

describe('encoder', () => {
  it('writes the raw value and a newline per record (ndjson)', () => {
    const r = record(7);
    expect(Buffer.concat(encodeLine(r, r.value!, 'ndjson')).toString()).toBe(`${r.value!.toString()}\n`);
  });

  it('wraps the unparsed value with key, headers, partition, offset and timestamp (ndjson-envelope)', () => {
    const r = record(7, { headers: [{ source: Buffer.from('sim') }] });
    const line = Buffer.concat(encodeLine(r, r.value!, 'ndjson-envelope')).toString();
    expect(line.endsWith('}\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({
      key: 'user-1',
      headers: { source: 'sim' },
      topic: 'listening-events',
      partition: 0,
      offset: 7,
      timestamp: r.timestamp,
      value: JSON.parse(r.value!.toString()),
    });
  });

  it('is deterministic: the same records give the same bytes and sha256 however they were chunked', async () => {
    const all = lines(20_000);
    const a = await encode(all, 6, 1);
    const b = await encode(all, 6, 4_999);
    expect(a.body.equals(b.body)).toBe(true);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toBe(createHash('sha256').update(a.body).digest('hex'));
    // Same bytes as a one-shot gzip of the whole NDJSON: nothing streaming-specific leaks in.
    expect(a.body.equals(gzipSync(Buffer.concat(all.flat()), { level: 6 }))).toBe(true);
  });

  it('puts no modification time in the gzip header (a replay a day later is byte-identical)', async () => {
    const { body } = await encode(lines(10), 1, 3);
    expect(body.readUInt32LE(4)).toBe(0);
    expect(gunzipSync(body).toString().split('\n').length).toBe(11);
  });

  it('counts what it holds, and a discarded stream never rejects unhandled', async () => {
    const gzip = new StreamingGzip(1);
    gzip.write(lines(10).flat());
    expect(gzip.heldBytes).toBeGreaterThan(0);
    gzip.discard();
    await new Promise((r) => setImmediate(r));
  });
});

import { gunzipSync } from 'node:zlib';
import { PartitionBatcher, type BatcherOptions } from '../../../src/pipeline/partition-batcher';
import { record } from './fixtures';

function batcher(overrides: Partial<BatcherOptions['policy']> = {}) {
  let now = 1_000_000;
  const b = new PartitionBatcher({
    policy: { maxRecords: 1_000, maxBytes: 1_000_000, maxTimeSpanMs: 3_600_000, idleMs: 5_000, intervalMs: 60_000, ...overrides },
    format: 'ndjson',
    gzipLevel: 1,
    maxRecordBytes: 200,
    now: () => now,
  });
  return { b, advance: (ms: number) => (now += ms) };
}

describe('PartitionBatcher', () => {
  it('keeps one contiguous offset range per partition and closes at max records', async () => {
    const { b } = batcher({ maxRecords: 3 });
    for (let o = 0; o < 7; o++) b.add(record(o));
    b.add(record(0, { partition: 1 }));
    const ready = b.ready();
    expect(ready.map((x) => [x.partition, x.firstOffset, x.lastOffset, x.closedBy])).toEqual([
      [0, 0, 2, 'max_records'],
      [0, 3, 5, 'max_records'],
    ]);
    const lines = gunzipSync((await ready[0]!.encode()).body).toString().trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).event_id)).toEqual(['e-0', 'e-1', 'e-2']);
    // What must not happen: the open batches (offset 6 of p0, offset 0 of p1) flushing early.
    expect(b.ready()).toEqual([]);
  });

  it('closes before a record that would pass max bytes: that record opens the next batch', () => {
    const size = record(0).value!.length + 1;
    const { b } = batcher({ maxBytes: size * 2 });
    for (let o = 0; o < 3; o++) b.add(record(o));
    const [first] = b.ready();
    expect([first!.firstOffset, first!.lastOffset, first!.closedBy]).toEqual([0, 1, 'max_bytes']);
    expect(first!.bytes).toBeLessThanOrEqual(size * 2);
  });

  it('closes on the record-time span from Kafka timestamps, late records included', () => {
    const { b } = batcher({ maxTimeSpanMs: 1_000 });
    b.add(record(0, { timestamp: 10_000 }));
    b.add(record(1, { timestamp: 10_500 }));
    b.add(record(2, { timestamp: 9_000 })); // late: widens the span to 1,500 ms
    const [first] = b.ready();
    expect([first!.lastOffset, first!.closedBy, first!.eventTimeMinMs, first!.eventTimeMaxMs]).toEqual([1, 'time_span', 10_000, 10_500]);
  });

  it('flushes an idle batch, and a busy one at the interval, by the injected clock only', () => {
    const { b, advance } = batcher({ idleMs: 5_000, intervalMs: 12_000 });
    b.add(record(0));
    advance(4_999);
    expect(b.ready()).toEqual([]);
    advance(1);
    expect(b.ready().map((x) => x.closedBy)).toEqual(['idle']);
    b.add(record(1));
    for (let i = 0; i < 3; i++) {
      advance(4_000);
      b.add(record(2 + i));
    }
    expect(b.ready().map((x) => [x.firstOffset, x.lastOffset, x.closedBy])).toEqual([[1, 4, 'interval']]);
  });

  it('keeps a dead letter inside the range without staging it', async () => {
    const { b } = batcher({ maxRecords: 3 });
    b.add(record(0));
    b.add(record(1, { value: Buffer.from('not json') }));
    b.add(record(2, { value: Buffer.from(`{"pad":"${'x'.repeat(300)}"}`) }));
    const [batch] = b.ready();
    expect([batch!.firstOffset, batch!.lastOffset, batch!.size, batch!.stagedCount]).toEqual([0, 2, 3, 1]);
    expect(batch!.deadLetters.map((d) => [d.record.offset, d.code])).toEqual([
      [1, 'RECORD_NOT_JSON'],
      [2, 'RECORD_TOO_LARGE'],
    ]);
    expect(gunzipSync((await batch!.encode()).body).toString()).toBe(`${record(0).value!.toString()}\n`);
  });

  it('drops revoked partitions entirely (open and closed), so nothing of theirs is committed', () => {
    const { b } = batcher({ maxRecords: 2 });
    for (let o = 0; o < 3; o++) b.add(record(o));
    b.add(record(0, { partition: 1 }));
    b.add(record(1, { partition: 1 }));
    b.drop(['listening-events+0']);
    expect(b.ready().map((x) => x.partition)).toEqual([1]);
    // After a drop the partition is re-read from its committed offset: earlier offsets are accepted again.
    expect(() => b.add(record(0))).not.toThrow();
  });

  it('refuses an offset that goes backwards without a rewind (it would stage records twice)', () => {
    const { b } = batcher();
    b.add(record(5));
    expect(() => b.add(record(5))).toThrow(/offset went backwards/);
  });

  it('reports held bytes and the biggest open batches for the memory cap, and closes them on demand', () => {
    const { b } = batcher();
    b.add(record(0));
    for (let o = 0; o < 5; o++) b.add(record(o, { partition: 2 }));
    const bySize = b.openBySize();
    expect(bySize.map((x) => x.id)).toEqual(['listening-events+2', 'listening-events+0']);
    expect(b.bufferedBytes).toBe(bySize[0]!.bytes + bySize[1]!.bytes);
    b.closeAll('buffer_full', ['listening-events+2']);
    expect(b.ready().map((x) => [x.partition, x.closedBy])).toEqual([[2, 'buffer_full']]);
  });
});

import type { KafkaConsumer, OutgoingRecord, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { fromKafkaHeaders, stagedFileManifestV1 } from '@spotify-pipeline/shared/schemas';
import { nextOffsets, TransactionCommitter, type FlushedBatch } from '../../../src/commit/transaction-committer';
import { PartitionBatcher } from '../../../src/pipeline/partition-batcher';
import { record } from '../pipeline/fixtures';

class FakeTxn {
  calls: string[] = [];
  produced: OutgoingRecord[] = [];
  failOn: string | undefined;
  failAbort = false;
  private step(name: string): void {
    this.calls.push(name);
    if (this.failOn === name) throw new PipelineError('KAFKA_TRANSACTION_FAILED', `${name} failed`, { retriable: true });
  }
  async begin() { this.step('begin'); }
  produce(r: OutgoingRecord) { this.produced.push(r); this.step('produce'); }
  async sendOffsets(offsets: unknown) { this.step(`sendOffsets ${JSON.stringify(offsets)}`); }
  async commit() { this.step('commit'); }
  async abort() {
    this.calls.push('abort');
    if (this.failAbort) throw new PipelineError('KAFKA_FENCED', 'fenced');
  }
}

function flushedBatches(): FlushedBatch[] {
  const b = new PartitionBatcher({
    policy: { maxRecords: 3, maxBytes: 1e9, maxTimeSpanMs: 1e9, idleMs: 1e9, intervalMs: 1e9 },
    format: 'ndjson',
    gzipLevel: 1,
    maxRecordBytes: 1_000,
    now: () => 0,
  });
  for (let o = 10; o < 16; o++) b.add(record(o, o === 11 ? { value: Buffer.from('oops') } : {}));
  for (let o = 0; o < 3; o++) b.add(record(o, { partition: 1, value: Buffer.from('nope') }));
  return b.ready().map((batch) => ({
    batch,
    object:
      batch.stagedCount === 0
        ? undefined
        : { bucket: 'staging', key: `k-${batch.partition}-${batch.firstOffset}`, body: Buffer.from('gz'), sha256: 'a'.repeat(64), recordCount: batch.stagedCount, topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset, lastOffset: batch.lastOffset },
  }));
}

function committer(txn: FakeTxn) {
  return new TransactionCommitter(txn as unknown as TransactionalProducer, () => ({}) as KafkaConsumer, { stagedFilesTopic: 'staged', dlqTopic: 'dlq', format: 'ndjson', now: () => 42 }, createLogger({ service: 'test', level: 'silent' }));
}

describe('TransactionCommitter', () => {
  it('commits manifests, dead letters and lastOffset + 1 per partition in one transaction, in that order', async () => {
    const txn = new FakeTxn();
    await committer(txn).commit(flushedBatches());
    expect(txn.calls[0]).toBe('begin');
    expect(txn.calls.slice(-2)).toEqual([`sendOffsets ${JSON.stringify([{ topic: 'listening-events', partition: 0, offset: 16 }, { topic: 'listening-events', partition: 1, offset: 3 }])}`, 'commit']);
    const manifests = txn.produced.filter((r) => r.topic === 'staged').map((r) => stagedFileManifestV1.parse(JSON.parse(r.value.toString())));
    expect(manifests.map((m) => [m.key, m.source.first_offset, m.source.last_offset, m.record_count, m.written_at_ms])).toEqual([
      ['k-0-10', 10, 12, 2, 42],
      ['k-0-13', 13, 15, 3, 42],
    ]);
    const dead = txn.produced.filter((r) => r.topic === 'dlq');
    expect(dead.map((r) => fromKafkaHeaders(r.headers as never)['source.offset'])).toEqual([11, 0, 1, 2]);
    expect(dead.every((r) => fromKafkaHeaders(r.headers as never)['failed.stage'] === 'sink')).toBe(true);
    // A range made only of dead letters commits its offsets without a manifest (no object exists).
    expect(manifests.some((m) => m.source.partition === 1)).toBe(false);
  });

  it.each(['sendOffsets', 'commit'])('aborts when %s fails and rethrows: nothing half-committed', async (failing) => {
    const txn = new FakeTxn();
    const batches = flushedBatches();
    txn.failOn = failing === 'commit' ? 'commit' : `sendOffsets ${JSON.stringify(nextOffsets(batches))}`;
    await expect(committer(txn).commit(batches)).rejects.toMatchObject({ code: 'KAFKA_TRANSACTION_FAILED' });
    expect(txn.calls.at(-1)).toBe('abort');
  });

  it('reports a producer that cannot even abort as fenced (it must be rebuilt, not reused)', async () => {
    const txn = new FakeTxn();
    txn.failOn = 'commit';
    txn.failAbort = true;
    await expect(committer(txn).commit(flushedBatches())).rejects.toMatchObject({ code: 'KAFKA_FENCED' });
  });

  it('opens no transaction for an empty round', async () => {
    const txn = new FakeTxn();
    await committer(txn).commit([]);
    expect(txn.calls).toEqual([]);
  });
});

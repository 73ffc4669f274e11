import { createIdempotentProducer, disconnect, flush } from '@spotify-pipeline/shared/kafka';
import { fromKafkaHeaders, listeningEventCanonicalForm } from '@spotify-pipeline/shared/schemas';
import { readTopic, waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { counterValues, startInProcess } from './support/in-process';
import { committedTotal, createWorld, eventValue, produceValues, recentStartMs, type SinkWorld } from './support/stack';
import { listeningEventValue } from '../fixtures/listening-event';

const PARTITIONS = 2;
const MAX_RECORD_BYTES = 2_000;

type Kind = 'good' | 'not-json' | 'truncated' | 'array' | 'oversized' | 'tombstone';
const PATTERN: Kind[] = ['good', 'good', 'not-json', 'good', 'truncated', 'good', 'array', 'good', 'oversized', 'good', 'tombstone', 'good'];

function valueOf(kind: Kind, id: string, ts: number): Buffer | null {
  switch (kind) {
    case 'good':
      // As the simulator writes them: in the canonical form, so each object's manifest vouches for its lines.
      return listeningEventValue(0, { event_id: id, ts: new Date(ts).toISOString() });
    case 'not-json':
      return Buffer.from(`event ${id} as plain text`);
    case 'truncated':
      return eventValue(id, ts).subarray(0, 20);
    case 'array':
      return Buffer.from(JSON.stringify([id]));
    case 'oversized':
      return eventValue(id, ts, MAX_RECORD_BYTES * 2);
    case 'tombstone':
      return null;
  }
}

describe('sink dead letters (real broker + S3 server)', () => {
  let world: SinkWorld;

  beforeAll(async () => {
    world = await createWorld('dlq', PARTITIONS);
  });

  it('sends malformed and oversized records to the DLQ with their reason and stages the good ones around them, vouched for', async () => {
    const rounds = 50;
    const sent: Array<{ id: string; kind: Kind; value: Buffer | null; key: string; timestamp: number }> = [];
    const startMs = recentStartMs();
    for (let r = 0; r < rounds; r++) {
      PATTERN.forEach((kind, i) => {
        const id = `dlq-event-${r}-${i}`;
        const timestamp = startMs + sent.length;
        sent.push({ id, kind, value: valueOf(kind, id, timestamp), key: id, timestamp });
      });
    }
    const producer = await createIdempotentProducer(world.kafka.settings, { clientId: 'dlq-producer' });
    await produceValues(producer, world.sourceTopic, sent as Array<{ value: Buffer; key: string; timestamp: number }>);
    await flush(producer, 30_000);
    await disconnect(producer);

    const { app, registry } = await startInProcess(world.env({ SINK_MAX_RECORD_BYTES: String(MAX_RECORD_BYTES), SINK_MAX_BATCH_RECORDS: '100' }));
    try {
      await waitUntil('all committed', async () => (await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)).reduce((a, b) => a + b, 0) === sent.length, 60_000, 250);
      const dlqCounts = await counterValues(registry, 'pipeline_consumer_service_dlq_records_total');
      expect(dlqCounts).toEqual({ RECORD_NOT_JSON: rounds * 4, RECORD_TOO_LARGE: rounds });
    } finally {
      expect(await app.close()).toBe(true);
    }

    const dlq = await readTopic(world.kafka.settings, world.dlqTopic, PARTITIONS);
    const bad = sent.filter((s) => s.kind !== 'good');
    expect(dlq.length).toBe(bad.length);
    const deadOffsets = new Set<string>();
    const byKey = new Map(bad.map((b) => [b.key, b]));
    for (const m of dlq) {
      const headers = fromKafkaHeaders(m.headers as never);
      const original = byKey.get(m.key!.toString())!;
      expect(headers['error.code']).toBe(original.kind === 'oversized' ? 'RECORD_TOO_LARGE' : 'RECORD_NOT_JSON');
      expect(headers['failed.stage']).toBe('sink');
      expect(headers['source.topic']).toBe(world.sourceTopic);
      expect(headers['error.message'].length).toBeGreaterThan(0);
      // The original bytes, untouched.
      expect(Buffer.compare(m.value ?? Buffer.alloc(0), original.value ?? Buffer.alloc(0))).toBe(0);
      deadOffsets.add(`${headers['source.partition']}:${headers['source.offset']}`);
    }
    expect(deadOffsets.size).toBe(bad.length);

    const ledger = await checkLedger({
      kafka: world.kafka.settings,
      s3: world.s3,
      bucket: world.bucket,
      sourceTopic: world.sourceTopic,
      stagedTopic: world.stagedTopic,
      partitions: PARTITIONS,
      deadLetterOffsets: deadOffsets,
    });
    expect(ledger.problems).toEqual([]);
    // Every object holds only canonical events (its dead letters are not in it): every manifest vouches.
    expect(ledger.manifests.length).toBeGreaterThan(0);
    expect(ledger.manifests.every((m) => m.canonical_form === listeningEventCanonicalForm())).toBe(true);
    expect(duplicates(ledger.stagedIds)).toEqual([]);
    expect(new Set(ledger.stagedIds)).toEqual(new Set(sent.filter((s) => s.kind === 'good').map((s) => s.id)));
  });
});

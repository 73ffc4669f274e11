import { waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { counterValues, startInProcess } from './support/in-process';
import { committedTotal, createWorld, produceEvents, type SinkWorld } from './support/stack';

const EVENTS = 200_000;
const PARTITIONS = 3;

describe('sink coverage: 200,000 events (real broker + S3 server)', () => {
  let world: SinkWorld;

  beforeAll(async () => {
    world = await createWorld('cov', PARTITIONS);
  });

  it('stages every offset exactly once: manifests tile each partition, objects hold exactly those records', async () => {
    const firstWave = Array.from({ length: EVENTS - 1_000 }, (_, i) => `cov-${i}`);
    const lastWave = Array.from({ length: 1_000 }, (_, i) => `cov-${EVENTS - 1_000 + i}`);
    await produceEvents(world.kafka.settings, world.sourceTopic, firstWave);
    const { app, registry } = await startInProcess(world.env({ SINK_MAX_BATCH_RECORDS: '25000', SINK_FLUSH_IDLE_MS: '1000' }));
    try {
      // The last wave arrives after a pause, so the idle rule (wall clock) closes its batches.
      await waitUntil('first wave committed', async () => (await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)).reduce((a, b) => a + b, 0) === firstWave.length, 120_000, 250);
      await produceEvents(world.kafka.settings, world.sourceTopic, lastWave);
      await waitUntil('all committed', async () => (await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)).reduce((a, b) => a + b, 0) === EVENTS, 120_000, 250);
      const reasons = await counterValues(registry, 'pipeline_consumer_service_batches_total');
      expect(reasons.max_records).toBeGreaterThanOrEqual(6);
      expect(reasons.idle).toBeGreaterThanOrEqual(1);
      expect((await counterValues(registry, 'pipeline_consumer_service_records_out_total'))[world.sourceTopic]).toBe(EVENTS);
    } finally {
      expect(await app.close()).toBe(true);
    }

    const ledger = await checkLedger({ kafka: world.kafka.settings, s3: world.s3, bucket: world.bucket, sourceTopic: world.sourceTopic, stagedTopic: world.stagedTopic, partitions: PARTITIONS });
    expect(ledger.problems).toEqual([]);
    expect(duplicates(ledger.stagedIds)).toEqual([]);
    expect(ledger.stagedIds.length).toBe(EVENTS);
    expect(new Set(ledger.stagedIds)).toEqual(new Set([...firstWave, ...lastWave]));
    // A clean run writes no object it does not commit.
    expect(ledger.orphanKeys).toEqual([]);
    // No committed offset beyond durable data: the group's offsets are exactly the manifests' ends.
    const committed = await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const ends = ledger.manifests.filter((m) => m.source.partition === p).map((m) => m.source.last_offset + 1);
      expect(committed[p]).toBe(Math.max(0, ...ends));
    }
  });
});

import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { committedTotal, createWorld, produceSteadily, SinkProcess, sum, TEST_CONSUMERS, type SinkWorld } from './support/stack';

const PARTITIONS = 3;
const EVENTS = 60_000;
const MIB = 1024 * 1024;
const BUFFER_CAP_BYTES = 32 * MIB;
/**
 * The cap on buffered batches plus what any Node process with librdkafka and the AWS SDK holds anyway,
 * per consumer (the cap is per consumer); with SINK_TEST_CONSUMERS > 1 plus the supervisor process.
 */
const CONSUMERS = Number(TEST_CONSUMERS);
const RSS_LIMIT_BYTES = CONSUMERS * (BUFFER_CAP_BYTES + 288 * MIB) + (CONSUMERS > 1 ? 96 * MIB : 0);

describe('sink with the S3 server down for 20 s (real broker + S3 server)', () => {
  let world: SinkWorld;
  let sink: SinkProcess | undefined;

  beforeAll(async () => {
    world = await createWorld('s3down', PARTITIONS);
  });
  afterAll(async () => {
    await sink?.kill();
  });

  it('pauses, retries, and after the restart stages everything once, with memory under the cap', async () => {
    const logFile = join(tmpdir(), `${uniqueName('s3down-sink')}.log`);
    sink = new SinkProcess(
      world.env({ SINK_MAX_BUFFERED_BYTES: String(BUFFER_CAP_BYTES), SINK_MAX_BATCH_RECORDS: '5000', SINK_UPLOAD_MAX_BACKOFF_MS: '2000' }),
      logFile,
    );
    let peakRss = 0;
    const sampler = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, sink!.rssBytes());
      } catch {
        // The process is gone; the assertions below say why.
      }
    }, 200);
    try {
      // About 3,000 events/s of ~450 bytes: over the 20 s outage more than the cap arrives.
      const producing = produceSteadily(world.kafka.settings, world.sourceTopic, 's3down', EVENTS, 300, 100, 300);
      await waitUntil('first commit', async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) > 0, 60_000, 200);
      await world.s3Endpoint.restart(20_000);
      const ids = await producing;
      await waitUntil('all committed after S3 is back', async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) === EVENTS, 120_000, 250);
      sink.child.kill('SIGTERM');
      expect(await sink.exited).toBe(0);

      const log = sink.logText();
      expect(log).toContain('"msg":"UploadRetried"');
      expect(log).toContain('"msg":"PartitionsPaused"');
      expect(log).not.toContain('ServiceFailed');
      console.log(`s3 outage: peak RSS ${(peakRss / MIB).toFixed(0)} MiB (limit ${RSS_LIMIT_BYTES / MIB} MiB), ${log.split('UploadRetried').length - 1} upload retries logged`);
      expect(peakRss).toBeGreaterThan(0);
      expect(peakRss).toBeLessThan(RSS_LIMIT_BYTES);

      const ledger = await checkLedger({ kafka: world.kafka.settings, s3: world.s3, bucket: world.bucket, sourceTopic: world.sourceTopic, stagedTopic: world.stagedTopic, partitions: PARTITIONS });
      expect(ledger.problems).toEqual([]);
      expect(duplicates(ledger.stagedIds)).toEqual([]);
      expect(new Set(ledger.stagedIds)).toEqual(new Set(ids));
      expect(ledger.stagedIds.length).toBe(EVENTS);
    } finally {
      clearInterval(sampler);
    }
  });
});

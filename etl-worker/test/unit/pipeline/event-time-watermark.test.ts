import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { planCompaction } from '../../../src/compaction/compaction-plan';
import { createEtlMetrics } from '../../../src/metrics';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { followedWatermarkMs, publishedWatermarkMs } from '../../../src/pipeline/event-time-watermark';
import { LakeObjectWriter } from '../../../src/pipeline/lake-object-writer';
import { StagedObjectPreparer } from '../../../src/pipeline/staged-object-preparer';
import { DirectoryLakeStore } from '../../../src/sink/directory-lake-store';
import { DEFAULT_EVENT_TIME_WINDOW } from '../../../src/validate/event-time-window';
import { EventValidator } from '../../../src/validate/event-validator';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';
import { MemorySource } from '../../fixtures/memory-source';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-12-07T12:30:00Z');
const YEAR_9000 = Date.parse('9000-01-01T00:00:00Z');
const REPLAYED_HOUR = Date.parse('2026-11-20T10:00:00Z');
/** The hour the clock is in, and the one before it: within the 2 h lateness, not to be compacted yet. */
const LIVE_HOURS = [{ dt: '2026-12-07', hour: '12' }, { dt: '2026-12-07', hour: '11' }];
const policy = { allowedLatenessMs: 2 * HOUR, targetBytes: 128 << 20, minFiles: 2 };
const smallFiles = (partition: { dt: string; hour: string }) => ({
  table: 'listening_events',
  partition,
  files: [0, 1, 2].map((i) => ({ key: `listening_events/data/ts_hour=${partition.dt}-${partition.hour}/f${i}.parquet`, sizeBytes: 1_000, rowCount: 10 })),
});
const closes = (watermarkMs: number, partition: { dt: string; hour: string }) => planCompaction(smallFiles(partition) as never, watermarkMs, policy) !== undefined;

describe('publishedWatermarkMs (the writer)', () => {
  it('never publishes beyond the clock, whatever the object says', () => {
    expect(publishedWatermarkMs(undefined, YEAR_9000, NOW)).toBe(NOW);
    expect(publishedWatermarkMs(NOW - HOUR, NOW + 20 * HOUR, NOW)).toBe(NOW);
    // What must not happen: the live hours closed by one bogus timestamp.
    for (const hour of LIVE_HOURS) expect(closes(publishedWatermarkMs(undefined, YEAR_9000, NOW), hour)).toBe(false);
  });

  it('passes replayed history unchanged and never lowers what it published', () => {
    expect(publishedWatermarkMs(undefined, REPLAYED_HOUR, NOW)).toBe(REPLAYED_HOUR);
    expect(publishedWatermarkMs(REPLAYED_HOUR + HOUR, REPLAYED_HOUR, NOW)).toBe(REPLAYED_HOUR + HOUR);
    // A clock stepped back does not pull a published watermark back either.
    expect(publishedWatermarkMs(NOW, NOW, NOW - 60_000)).toBe(NOW);
  });
});

describe('followedWatermarkMs (the compactor)', () => {
  const DAY = DEFAULT_EVENT_TIME_WINDOW.maxFutureMs;

  it('cuts a value a little ahead (another replica\'s clock) to its own now', () => {
    expect(followedWatermarkMs(NOW - HOUR, NOW + 5_000, NOW, DAY)).toEqual({ watermarkMs: NOW, ignored: false });
    expect(followedWatermarkMs(undefined, NOW + DAY, NOW, DAY)).toEqual({ watermarkMs: NOW, ignored: false });
  });

  it('ignores a value beyond now + the future skew, keeping the watermark it had', () => {
    expect(followedWatermarkMs(REPLAYED_HOUR, YEAR_9000, NOW, DAY)).toEqual({ watermarkMs: REPLAYED_HOUR, ignored: true });
    expect(followedWatermarkMs(undefined, NOW + DAY + 1, NOW, DAY)).toEqual({ watermarkMs: undefined, ignored: true });
  });

  it('keeps the highest value, as before, for values behind the clock', () => {
    expect(followedWatermarkMs(REPLAYED_HOUR + HOUR, REPLAYED_HOUR, NOW, DAY)).toEqual({ watermarkMs: REPLAYED_HOUR + HOUR, ignored: false });
    expect(followedWatermarkMs(REPLAYED_HOUR, REPLAYED_HOUR + HOUR, NOW, DAY)).toEqual({ watermarkMs: REPLAYED_HOUR + HOUR, ignored: false });
  });
});

describe('LakeObjectWriter watermark_ms (DuckDB, no network)', () => {
  let dir: string;
  let encoder: DuckDbEncoder;
  const source = new MemorySource();
  const metrics = createEtlMetrics(createRegistry('etl-unit-watermark', false));
  let nextOffset = 1_000;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-watermark-'));
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000 });
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  const writer = () => new LakeObjectWriter(encoder, new DirectoryLakeStore(join(dir, `lake-${nextOffset}`), 'lake'), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }), { now: () => NOW });
  const preparer = new StagedObjectPreparer(source, new EventValidator(), undefined, undefined, undefined, { window: DEFAULT_EVENT_TIME_WINDOW, now: () => NOW });

  /** One staged object of `count` events from `startMs` on partition 3, the records' Kafka timestamps `kafkaTimesMs`. */
  async function write(lakeWriter: LakeObjectWriter, startMs: number, kafkaTimesMs: number[], count = 20) {
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify(listeningEvent(nextOffset + i, {}, startMs, 600_000)));
    const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 3, firstOffset: nextOffset, lines, eventTimesMs: kafkaTimesMs });
    nextOffset += count;
    source.objects.set(manifest.key, body);
    return lakeWriter.write(await preparer.prepare(manifest));
  }

  it('one record with a Kafka timestamp in year 9000 moves the watermark to the writer\'s clock, not to 9000', async () => {
    const lakeWriter = writer();
    const outcome = await write(lakeWriter, REPLAYED_HOUR, [REPLAYED_HOUR, YEAR_9000]);
    expect(outcome.rowsOut).toBe(20);
    const watermarks = outcome.manifests.map((m) => m.watermark_ms);
    expect(watermarks.length).toBeGreaterThan(0);
    expect(new Set(watermarks)).toEqual(new Set([NOW]));
    // What must not happen: an hour still filling closed by it.
    for (const hour of LIVE_HOURS) expect(closes(NOW, hour)).toBe(false);
  });

  it('an event ts near the future bound (accepted: device clock skew) does not push the watermark past the clock', async () => {
    const ahead = NOW + DEFAULT_EVENT_TIME_WINDOW.maxFutureMs - HOUR;
    const outcome = await write(writer(), ahead, [NOW], 3);
    expect(outcome.rowsOut).toBe(3);
    // The rows are written to their own (future) hour; only the watermark is bounded.
    expect(outcome.manifests.filter((m) => m.operation === 'add').map((m) => m.event_time_max_ms)[0]).toBeGreaterThan(NOW);
    expect(outcome.manifests.every((m) => m.watermark_ms === NOW)).toBe(true);
  });

  it('replayed history keeps its own event time as the watermark (past hours close as before)', async () => {
    const lakeWriter = writer();
    const outcome = await write(lakeWriter, REPLAYED_HOUR, [REPLAYED_HOUR + 5 * HOUR]);
    expect(outcome.manifests.every((m) => m.watermark_ms === REPLAYED_HOUR + 5 * HOUR)).toBe(true);
    expect(closes(REPLAYED_HOUR + 5 * HOUR, { dt: '2026-11-20', hour: '10' })).toBe(true);
  });
});

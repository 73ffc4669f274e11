import pino from 'pino';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { ManifestFollower } from '../../../src/compaction/manifest-follower';

/** The follower's Kafka consumer, faked: the messages of one poll, on partition 0 of the manifest topic. */
const fake = { messages: [] as Array<{ partition: number; offset: number; value: Buffer }>, onAssign: undefined as undefined | ((ps: Array<{ topic: string; partition: number }>) => void) };

jest.mock('@spotify-pipeline/shared/kafka', () => ({
  ...jest.requireActual('@spotify-pipeline/shared/kafka'),
  createConsumer: async (_settings: unknown, options: { rebalance: { onAssign: (ps: Array<{ topic: string; partition: number }>) => void } }) => {
    fake.onAssign = options.rebalance.onAssign;
    return {
      subscribe: () => undefined,
      setDefaultConsumeTimeout: () => undefined,
      position: () => [{ offset: fake.messages.length }],
      queryWatermarkOffsets: (_t: string, _p: number, _ms: number, cb: (err: unknown, o: { highOffset: number }) => void) => cb(null, { highOffset: fake.messages.length }),
    };
  },
  consumeBatch: async () => fake.messages.splice(0),
  closeConsumer: async () => undefined,
}));

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-12-07T12:30:00Z');

function manifest(watermarkMs: number, hour = '10'): LakeFileManifest {
  return {
    schema_version: 1,
    operation: 'add',
    table: 'listening_events',
    bucket: 'lake',
    key: `listening_events/data/ts_hour=2026-12-07-${hour}/f-${watermarkMs}.parquet`,
    partition: { dt: '2026-12-07', hour },
    size_bytes: 100,
    sha256: 'a'.repeat(64),
    row_count: 1,
    source: { topic: 'listening-events', partition: 0, first_offset: 0, last_offset: 0 },
    staged_key: 'staging/x.ndjson.gz',
    input: { staged_record_count: 1, rejected_count: 0, duplicate_count: 0 },
    event_time_min_ms: NOW - 3 * HOUR,
    event_time_max_ms: NOW - 3 * HOUR,
    watermark_ms: watermarkMs,
    new_columns: [],
    replaces: [],
    written_at_ms: NOW,
  };
}

describe('ManifestFollower watermark', () => {
  let follower: ManifestFollower;
  const warnings: string[] = [];

  beforeEach(async () => {
    warnings.length = 0;
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    follower = new ManifestFollower({} as never, 'pipeline.lake-files', 'etl-compactor', logger, { maxFutureMs: DAY, now: () => NOW });
    await follower.start();
    fake.onAssign!([{ topic: 'pipeline.lake-files', partition: 0 }]);
  });

  async function follow(...watermarks: number[]): Promise<void> {
    fake.messages = watermarks.map((w, offset) => ({ partition: 0, offset, value: Buffer.from(JSON.stringify(manifest(w))) }));
    await follower.poll();
  }

  it('ignores a manifest watermark in year 9000 (a writer without the bound): the watermark stays where the real ones put it', async () => {
    await follow(NOW - 3 * HOUR, Date.parse('9000-01-01T00:00:00Z'), NOW - 2 * HOUR);
    expect(follower.watermarks.get('listening_events')).toBe(NOW - 2 * HOUR);
    expect(warnings).toEqual(['LakeManifestWatermarkIgnored']);
    // The same bogus value from the same writer again is not logged again.
    await follow(Date.parse('9000-01-01T00:00:00Z'));
    expect(warnings).toEqual(['LakeManifestWatermarkIgnored']);
    expect(follower.watermarks.get('listening_events')).toBe(NOW - 2 * HOUR);
  });

  it('cuts a value within the future skew (another replica\'s clock, an older writer) to its own now, never beyond', async () => {
    await follow(NOW + 20 * HOUR);
    expect(follower.watermarks.get('listening_events')).toBe(NOW);
    expect(warnings).toEqual([]);
  });

  it('keeps the highest of the values behind its clock, as before (replayed history)', async () => {
    await follow(NOW - 30 * DAY, NOW - 29 * DAY, NOW - 31 * DAY);
    expect(follower.watermarks.get('listening_events')).toBe(NOW - 29 * DAY);
  });
});

import { join } from 'node:path';
import { ADDED, type LiveFile, type PartitionSpec } from '@spotify-pipeline/shared/iceberg';
import { builtInTableSpec, loadTableSpec } from '@spotify-pipeline/shared/table-spec';
import { planCompaction, partitionEndMs, tablePolicy, type HourFiles } from '../../../src/compaction/compaction-plan';
import { InFlightCompactions } from '../../../src/compaction/in-flight-compactions';
import { hoursOf } from '../../../src/compaction/table-hours';
import { serializeBound } from '@spotify-pipeline/shared/iceberg';
import { compactedFileKey, hourValueOf, lakeFileKey, tracksSnapshotKey } from '../../../src/pipeline/lake-keys';

const P = { dt: '2026-11-20', hour: '10' };
const HOUR_END = Date.parse('2026-11-20T11:00:00Z');
const source = (first: number) => ({ topic: 'listening-events', partition: 0, first_offset: first, last_offset: first + 9 });
const file = (first: number, sizeBytes = 1_000, rowCount = 10) => ({ key: lakeFileKey('listening_events', P, source(first)), sizeBytes, rowCount });
const hour = (...files: Array<ReturnType<typeof file>>): HourFiles => ({ table: 'listening_events', partition: P, files });

const policy = { allowedLatenessMs: 60_000, targetBytes: 10_000, minFiles: 3 };

describe('lake keys', () => {
  it('puts data files under <table>/data/<Iceberg partition path>/, named by offsets or by generation', () => {
    expect(lakeFileKey('listening_events', P, source(40))).toBe('listening_events/data/ts_hour=2026-11-20-10/part-listening-events+0+00000000000000000040.parquet');
    expect(compactedFileKey('listening_events', P, '0123456789abcdef', 3)).toBe('listening_events/data/ts_hour=2026-11-20-10/compacted-0123456789abcdef-00003.parquet');
    expect(tracksSnapshotKey('00ff')).toBe('tracks/data/tracks-00ff.parquet');
    expect(hourValueOf(P)).toBe(Date.parse('2026-11-20T10:00:00Z') / 3_600_000);
  });
});

describe('planCompaction', () => {
  it('waits until event time has passed the hour end by the allowed lateness', () => {
    const h = hour(file(0), file(10), file(20));
    expect(partitionEndMs(P)).toBe(HOUR_END);
    expect(planCompaction(h, HOUR_END + 59_999, policy)).toBeUndefined();
    expect(planCompaction(h, HOUR_END + 60_000, policy)).toBeDefined();
  });

  it('needs minFiles small files, and merges only the small ones (a large file stays where it is)', () => {
    const large = file(20, 9_000);
    expect(planCompaction(hour(file(0), file(10), large), HOUR_END * 2, policy)).toBeUndefined();
    const plan = planCompaction(hour(large, file(30), file(0), file(10)), HOUR_END * 2, policy)!;
    expect(plan.inputs.map((f) => f.key)).toEqual([file(0).key, file(10).key, file(30).key]);
  });

  it('splits into files of about the target size, covering every row once, with a deterministic generation', () => {
    const files = Array.from({ length: 10 }, (_, i) => file(i * 10, 3_000, 100));
    const plan = planCompaction(hour(...files), HOUR_END * 2, { ...policy, targetBytes: 5_000 })!;
    expect(plan.outputs).toEqual([
      { firstRow: 1, lastRow: 167 },
      { firstRow: 168, lastRow: 334 },
      { firstRow: 335, lastRow: 501 },
      { firstRow: 502, lastRow: 668 },
      { firstRow: 669, lastRow: 835 },
      { firstRow: 836, lastRow: 1000 },
    ]);
    // The same files in another order: the same generation, so a rerun rewrites the same keys.
    const again = planCompaction(hour(...[...files].reverse()), HOUR_END * 2, { ...policy, targetBytes: 5_000 })!;
    expect(again.generation).toBe(plan.generation);
    expect(again.inputs).toEqual(plan.inputs);
  });

  it('leaves out files of an in-flight compaction: they are not planned twice', () => {
    const h = hour(file(0), file(10), file(20), file(30), file(40));
    const first = planCompaction(h, HOUR_END * 2, policy)!;
    const inFlight = new InFlightCompactions();
    inFlight.add(first.generation, first.inputs.map((f) => f.key), 0);
    expect(planCompaction(h, HOUR_END * 2, policy, (k) => inFlight.busy(k))).toBeUndefined();
    // Late files arrive meanwhile: they are merged on their own, never with the in-flight inputs.
    const late = hour(...h.files, file(50), file(60), file(70));
    const second = planCompaction(late, HOUR_END * 2, policy, (k) => inFlight.busy(k))!;
    expect(second.inputs.map((f) => f.key)).toEqual([file(50).key, file(60).key, file(70).key]);
    expect(second.generation).not.toBe(first.generation);
  });
});

describe('tablePolicy (a table spec\'s parquet.target_file_size_mb)', () => {
  const MIB = 1024 * 1024;
  // ETL_COMPACTION_TARGET_BYTES' default.
  const worker = { ...policy, targetBytes: 128 * MIB };
  const WEB_CLICKS = join(__dirname, '../../../../shared/test/unit/table-spec/fixtures/web_clicks.table.yaml');

  it('plans a spec table to the target its spec sets: small files and output sizes measured against it', async () => {
    const { parquet } = await loadTableSpec(WEB_CLICKS);
    expect(parquet).toEqual({ codec: 'zstd', targetFileBytes: 64 * MIB });
    const files = [...Array.from({ length: 10 }, (_, i) => file(i * 10, 20 * MIB, 100)), file(100, 50 * MIB, 250)];
    const plan = planCompaction(hour(...files), HOUR_END * 2, tablePolicy(worker, parquet))!;
    // 50 MiB is not small against 64 MiB (3/4 is 48): it stays; 200 MiB of small files make 4 outputs.
    expect(plan.inputs.map((f) => f.key)).toEqual(files.slice(0, 10).map((f) => f.key));
    expect(plan.outputs).toHaveLength(4);
    // The worker's target would have merged all 11 files into 2.
    const byWorker = planCompaction(hour(...files), HOUR_END * 2, worker)!;
    expect([byWorker.inputs.length, byWorker.outputs.length]).toEqual([11, 2]);
  });

  it('keeps the worker\'s target for a spec that sets none, the built-in tables\' included', () => {
    expect(tablePolicy(worker, { codec: 'snappy' })).toBe(worker);
    expect(tablePolicy(worker, undefined)).toBe(worker);
    expect(builtInTableSpec('listening_events').parquet).toEqual({ codec: 'zstd' });
    expect(tablePolicy(worker, builtInTableSpec('listening_events').parquet)).toBe(worker);
  });
});

describe('InFlightCompactions', () => {
  it('forgets a generation once none of its inputs is live, or after its TTL, and not before', () => {
    const inFlight = new InFlightCompactions(1_000);
    inFlight.add('g1', ['a', 'b'], 0);
    inFlight.add('g2', ['c'], 0);
    expect(inFlight.settle(new Set(['a', 'b', 'c']), 999)).toEqual([]);
    expect(inFlight.busy('a')).toBe(true);
    expect(inFlight.settle(new Set(['c', 'x']), 999)).toEqual([{ generation: 'g1', reason: 'applied' }]);
    expect(inFlight.busy('a')).toBe(false);
    expect(inFlight.settle(new Set(['c']), 1_000)).toEqual([{ generation: 'g2', reason: 'expired' }]);
    expect(inFlight.size).toBe(0);
  });
});

describe('hoursOf (the table snapshot, grouped by hour)', () => {
  const spec: PartitionSpec = { 'spec-id': 0, fields: [{ name: 'ts_hour', transform: 'hour', 'source-id': 3, 'field-id': 1000 }] };
  const live = (path: string, value: number | null, specId = 0): LiveFile => ({
    entry: { status: ADDED, snapshotId: 1n, sequenceNumber: 1, fileSequenceNumber: 1, dataFile: { filePath: path, fileFormat: 'PARQUET', partition: { ts_hour: value }, recordCount: 5, fileSizeInBytes: 100 } },
    manifest: { manifestPath: 'm', manifestLength: 1, partitionSpecId: specId, content: 0, sequenceNumber: 1, minSequenceNumber: 1, addedSnapshotId: 1n, addedFilesCount: 1, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: 5, existingRowsCount: 0, deletedRowsCount: 0, partitions: null },
  });

  it('groups live files by their ts_hour value and skips what it cannot compact', () => {
    const value = hourValueOf(P);
    const hours = hoursOf(
      'listening_events',
      [live('s3://lake/listening_events/data/ts_hour=2026-11-20-10/a.parquet', value), live('s3://lake/listening_events/data/ts_hour=2026-11-20-11/b.parquet', value + 1), live('s3://lake/x/c.parquet', value), live('s3://other/d.parquet', value), live('s3://lake/e.parquet', null), live('s3://lake/f.parquet', value, 7)],
      spec,
      'lake',
    );
    expect(hours.hours.map((h) => [h.partition, h.files.map((f) => f.key)])).toEqual([
      [P, ['listening_events/data/ts_hour=2026-11-20-10/a.parquet', 'x/c.parquet']],
      [{ dt: '2026-11-20', hour: '11' }, ['listening_events/data/ts_hour=2026-11-20-11/b.parquet']],
    ]);
    expect(hours.skipped).toBe(3);
    expect(hours.liveKeys.has('e.parquet')).toBe(true);
    expect(hours.liveKeys.has('d.parquet')).toBe(false);
  });

  it('groups a spec table by event hour (a day partition: from the file\'s event-time lower bound) and by its identity and bucket values, never merging across them', () => {
    const daySpec: PartitionSpec = {
      'spec-id': 0,
      fields: [
        { name: 'at_day', transform: 'day', 'source-id': 2, 'field-id': 1000 },
        { name: 'device', transform: 'identity', 'source-id': 4, 'field-id': 1001 },
        { name: 'user_id_bucket', transform: 'bucket[8]', 'source-id': 3, 'field-id': 1002 },
      ],
    };
    const day = Math.floor(Date.parse('2026-11-20T00:00:00Z') / 86_400_000);
    const file = (name: string, atIso: string | undefined, device: string, bucket: number): LiveFile => {
      const base = live(`s3://lake/web_clicks/data/${name}.parquet`, 0);
      const lowerBounds = atIso ? { 2: serializeBound('timestamp', BigInt(Date.parse(atIso)) * 1000n) } : undefined;
      return { ...base, entry: { ...base.entry, dataFile: { ...base.entry.dataFile, partition: { at_day: day, device, user_id_bucket: bucket }, ...(lowerBounds ? { lowerBounds } : {}) } } };
    };
    const hours = hoursOf(
      'web_clicks',
      [
        file('a', '2026-11-20T10:05:00Z', 'mobile', 3),
        file('b', '2026-11-20T10:59:59Z', 'mobile', 3),
        file('c', '2026-11-20T10:30:00Z', 'tablet', 3),
        file('d', '2026-11-20T10:30:00Z', 'mobile', 4),
        file('e', '2026-11-20T11:00:00Z', 'mobile', 3),
        // No bound: its hour within the day is unknown, so it is left alone.
        file('f', undefined, 'mobile', 3),
        // A bound outside its day partition: not a file this worker wrote; left alone.
        file('g', '2026-11-21T01:00:00Z', 'mobile', 3),
      ],
      daySpec,
      'lake',
    );
    expect(hours.hours.map((h) => [h.partition.hour, h.partitionValues, h.files.map((f) => f.key.slice(-9, -8))])).toEqual([
      ['10', { device: 'mobile', user_id_bucket: 3 }, ['a', 'b']],
      ['10', { device: 'mobile', user_id_bucket: 4 }, ['d']],
      ['10', { device: 'tablet', user_id_bucket: 3 }, ['c']],
      ['11', { device: 'mobile', user_id_bucket: 3 }, ['e']],
    ]);
    expect(hours.hours[0]!.tuple).toEqual({ at_day: day, device: 'mobile', user_id_bucket: 3 });
    expect(hours.skipped).toBe(2);
  });
});

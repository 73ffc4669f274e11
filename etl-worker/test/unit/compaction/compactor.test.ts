import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { ADDED, type LiveFile } from '@spotify-pipeline/shared/iceberg';
import type { OutgoingRecord, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { adoptLakeTables, LAKE_TABLES, lakeFileManifestV1, LISTENING_EVENTS_COLUMNS, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { builtInTableSpec, resolveTableSpec, tableDefinitionOf, tableSpecDocument, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { TransactionQueue } from '../../../src/commit/transaction-queue';
import { Compactor } from '../../../src/compaction/compactor';
import { createEtlMetrics } from '../../../src/metrics';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { hourValueOf } from '../../../src/pipeline/lake-keys';
import { LakeObjectWriter } from '../../../src/pipeline/lake-object-writer';
import { prepareAndWrite } from '../../../src/pipeline/overlapped-processing';
import { specTableRoutes } from '../../../src/pipeline/spec-table-routes';
import { StagedObjectPreparer } from '../../../src/pipeline/staged-object-preparer';
import { DirectoryLakeStore } from '../../../src/sink/directory-lake-store';
import { MemorySchemaCatalog } from '../../../src/sink/memory-schema-catalog';
import { TableSchemas } from '../../../src/sink/table-schemas';
import { EventValidator } from '../../../src/validate/event-validator';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';

const HOUR_10 = Date.parse('2026-11-20T10:00:00Z');
const MIB = 1024 * 1024;

/** A table of a spec that sets its own codec and a target file size (1 MiB, the least a spec may set). */
function pageViewsSpec(): ResolvedTableSpec {
  const document = tableSpecDocument.parse({
    spec_version: 1,
    table: 'page_views',
    topics: ['page-views'],
    schema: 'page_views.schema.json',
    event_time: { field: 'viewed_at_ms', format: 'epoch_ms' },
    partitioning: { time: 'hour' },
    parquet: { codec: 'snappy', target_file_size_mb: 1 },
  });
  const schema = { type: 'object', properties: { view_id: { type: 'string' }, viewed_at_ms: { type: 'integer' }, page: { type: 'string' } }, required: ['view_id', 'viewed_at_ms', 'page'] };
  const { spec, problems } = resolveTableSpec('test:page_views', document, schema);
  if (!spec) throw new Error(problems.map((p) => `${p.field}: ${p.problem}`).join('; '));
  return spec;
}
const PAGE_VIEWS = pageViewsSpec();
/** The hour partition field of each table, as the catalog names it. */
const TIME_FIELDS: Record<string, string> = { listening_events: 'ts_hour', page_views: 'viewed_at_ms_hour' };

/** Records what each committed transaction produced; nothing else of Kafka is needed here. */
class RecordingProducer {
  readonly committed: OutgoingRecord[][] = [];
  private open: OutgoingRecord[] = [];
  async begin(): Promise<void> {
    this.open = [];
  }
  produce(record: OutgoingRecord): void {
    this.open.push(record);
  }
  async sendOffsets(): Promise<void> {}
  async commit(): Promise<void> {
    this.committed.push(this.open);
  }
  async abort(): Promise<void> {
    this.open = [];
  }
}

describe('Compactor (table snapshot in, compact manifests out; no network)', () => {
  let dir: string;
  let encoder: DuckDbEncoder;
  const catalog = new MemorySchemaCatalog([...LAKE_TABLES, tableDefinitionOf(PAGE_VIEWS)], 'lake');
  const metrics = createEtlMetrics(createRegistry('etl-compactor-unit', false));
  const objects = new Map<string, Buffer>();
  /** The table's live files: what the (absent) committer has applied so far. */
  let live: LiveFile[] = [];
  let nextOffset = 0;
  let store: DirectoryLakeStore;
  const source = { open: async (m: StagedFileManifest) => Readable.from([objects.get(m.key)!]) };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-compactor-'));
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000 });
    store = new DirectoryLakeStore(join(dir, 'lake'), 'lake');
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  const liveFile = (m: LakeFileManifest): LiveFile => ({
    entry: { status: ADDED, snapshotId: 1n, sequenceNumber: 1, fileSequenceNumber: 1, dataFile: { filePath: `s3://lake/${m.key}`, fileFormat: 'PARQUET', partition: { [TIME_FIELDS[m.table]!]: hourValueOf(m.partition!) }, recordCount: m.row_count, fileSizeInBytes: m.size_bytes } },
    manifest: { manifestPath: 'm', manifestLength: 1, partitionSpecId: 0, content: 0, sequenceNumber: 1, minSequenceNumber: 1, addedSnapshotId: 1n, addedFilesCount: 1, existingFilesCount: 0, deletedFilesCount: 0, addedRowsCount: m.row_count, existingRowsCount: 0, deletedRowsCount: 0, partitions: null },
  });

  /** Writes staged objects of hour 10 through the real writer and appends their files to the table. */
  async function append(count: number, extra?: Record<string, unknown>): Promise<string[]> {
    const writer = new LakeObjectWriter(encoder, store, { dlq: 'dlq' }, metrics, pino({ level: 'silent' }), { schemas: new TableSchemas(catalog) });
    const ids: string[] = [];
    for (let o = 0; o < count; o++) {
      const events = Array.from({ length: 25 }, (_, i) => listeningEvent(nextOffset + i, {}, HOUR_10, 3_600_000));
      ids.push(...events.map((e) => e.event_id));
      const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 0, firstOffset: nextOffset, lines: events.map((e) => JSON.stringify({ ...e, ...extra })) });
      nextOffset += events.length;
      objects.set(manifest.key, body);
      const outcome = await writer.write(await new StagedObjectPreparer(source, new EventValidator()).prepare(manifest));
      live.push(...outcome.manifests.filter((m) => m.operation === 'add').map(liveFile));
    }
    return ids;
  }

  /** Writes staged objects of page views in hour 10 through the spec table's route (SNAPPY, as its spec says) and appends their files. */
  async function appendViews(count: number): Promise<string[]> {
    const eventTimes = { window: { maxPastMs: 20 * 365 * 86_400_000, maxFutureMs: 86_400_000 }, now: () => HOUR_10 + 10 * 3_600_000 };
    const route = specTableRoutes([PAGE_VIEWS], { source, encoder, store, topics: { dlq: 'dlq' }, metrics, logger: pino({ level: 'silent' }), schemas: new TableSchemas(catalog), eventTimes, maxNewColumns: 0 }).get('page-views')!;
    const ids: string[] = [];
    for (let o = 0; o < count; o++) {
      const views = Array.from({ length: 40 }, (_, i) => ({ view_id: `view-${nextOffset + i}`, viewed_at_ms: HOUR_10 + (nextOffset + i) * 1_000, page: `https://shop.example/p/${nextOffset + i}` }));
      ids.push(...views.map((v) => v.view_id));
      const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'page-views', partition: 0, firstOffset: nextOffset, lines: views.map((v) => JSON.stringify(v)) });
      nextOffset += views.length;
      objects.set(manifest.key, body);
      const [outcome] = await prepareAndWrite([manifest], route.preparer, route.writer);
      live.push(...outcome!.manifests.filter((m) => m.operation === 'add').map(liveFile));
    }
    return ids;
  }

  /** A compactor as the app builds one: the worker's policy, and each table's spec `parquet`. */
  function compactor(txn: RecordingProducer, { owns = true, targetBytes = 64 * MIB } = {}): Compactor {
    return new Compactor({
      follower: {
        poll: async () => undefined,
        owns: () => owns,
        watermarks: new Map([
          ['listening_events', HOUR_10 + 10 * 3_600_000],
          ['page_views', HOUR_10 + 10 * 3_600_000],
        ]),
        sourceTopics: new Map([
          ['listening_events', 'listening-events'],
          ['page_views', 'page-views'],
        ]),
      },
      tables: catalog,
      reader: { currentFiles: async (metadata) => live.filter((f) => f.entry.dataFile.filePath.startsWith(`${metadata.location}/`)) },
      encoder,
      store,
      txn: txn as unknown as TransactionalProducer,
      transactions: new TransactionQueue(),
      lakeFilesTopic: 'lake-files',
      policy: { allowedLatenessMs: 0, targetBytes, minFiles: 3 },
      parquet: new Map([builtInTableSpec('listening_events'), builtInTableSpec('tracks'), PAGE_VIEWS].map((spec) => [spec.table, spec.parquet])),
      metrics,
      logger: pino({ level: 'silent' }),
    });
  }

  const rowsOf = async (keys: string[]) =>
    (await encoder.query(`SELECT event_id FROM read_parquet([${keys.map((k) => `'${join(dir, 'lake', k)}'`).join(', ')}], union_by_name = true, hive_partitioning = false) ORDER BY event_id`)).map((r) => r.event_id as string);
  /** The codecs of a lake file's column chunks, as its footer names them. */
  const codecsOf = async (key: string) => (await encoder.query(`SELECT DISTINCT compression FROM parquet_metadata('${join(dir, 'lake', key)}')`)).map((r) => String(r.compression));

  it('merges the small files of a closed, owned hour once, and not again while the committer has not applied it', async () => {
    const ids = await append(4);
    // A new column in the last object: the merged file keeps it, with the table's field id.
    ids.push(...(await append(1, { listening_device_volume: 70 })));
    const inputs = live.map((f) => f.entry.dataFile.filePath.slice('s3://lake/'.length)).sort();
    expect(await compactor(new RecordingProducer(), { owns: false }).runOnce()).toBe(0);

    const txn = new RecordingProducer();
    const worker = compactor(txn);
    expect(await worker.runOnce()).toBe(1);
    expect(txn.committed.length).toBe(1);
    const manifests = txn.committed[0]!.map((r) => lakeFileManifestV1.parse(JSON.parse(r.value!.toString())));
    expect(manifests.map((m) => m.operation)).toEqual(['compact']);
    const [compact] = manifests;
    expect(compact!.key).toMatch(/^listening_events\/data\/ts_hour=2026-11-20-10\/compacted-[0-9a-f]{16}-00000\.parquet$/);
    expect(compact!.replaces).toEqual(inputs);
    expect(compact!.row_count).toBe(ids.length);
    expect(compact!.new_columns).toEqual([{ name: 'listening_device_volume', type: 'bigint' }]);
    expect(compact!.metrics!.value_counts['1']).toBe(ids.length);
    expect(compact!.event_time_min_ms).toBeGreaterThanOrEqual(HOUR_10);
    expect(compact!.event_time_max_ms).toBeLessThan(HOUR_10 + 3_600_000);
    // Rows in = rows out, each once; field ids are the table's (the new column's included).
    expect(await rowsOf([compact!.key])).toEqual([...ids].sort());
    const schema = (await catalog.load('listening_events')).metadata.schemas.at(-1)!;
    const fieldIds = await encoder.query(`SELECT name, field_id::INTEGER AS id FROM parquet_schema('${join(dir, 'lake', compact!.key)}') WHERE name <> 'duckdb_schema'`);
    expect(fieldIds).toEqual([...LISTENING_EVENTS_COLUMNS.map((c) => c.name), 'listening_device_volume'].map((name) => ({ name, id: schema.fields.find((f) => f.name === name)!.id })));
    // The built-in spec sets ZSTD and no target size: one file at the worker's target, as before specs had a say.
    expect(await codecsOf(compact!.key)).toEqual(['ZSTD']);

    // The table still lists the inputs (catalog-sync has not committed yet): nothing is planned again.
    expect(await worker.runOnce()).toBe(0);
    expect(txn.committed.length).toBe(1);

    // Applied: the compacted file replaces the inputs; late files are plain appends, merged later with it.
    live = [liveFile(compact!)];
    const late = await append(2);
    expect(await worker.runOnce()).toBe(1);
    const second = lakeFileManifestV1.parse(JSON.parse(txn.committed[1]![0]!.value!.toString()));
    expect(second.replaces).toEqual([compact!.key, ...live.slice(1).map((f) => f.entry.dataFile.filePath.slice('s3://lake/'.length))].sort());
    expect(await rowsOf([second.key])).toEqual([...ids, ...late].sort());
  });

  it('skips an hour whose inputs cannot be read, counts the failure and carries on next round', async () => {
    live = [];
    await append(3);
    live.push({ ...live[0]!, entry: { ...live[0]!.entry, dataFile: { ...live[0]!.entry.dataFile, filePath: 's3://lake/listening_events/data/ts_hour=2026-11-20-10/missing.parquet' } } });
    const failures = (await metrics.compactionFailures.get()).values[0]?.value ?? 0;
    const txn = new RecordingProducer();
    expect(await compactor(txn).runOnce()).toBe(0);
    expect(txn.committed).toEqual([]);
    expect((await metrics.compactionFailures.get()).values[0]!.value).toBe(failures + 1);
  });

  it("compacts a spec table with its spec's codec and target file size, and the other tables as before", async () => {
    live = [];
    adoptLakeTables([...LAKE_TABLES, tableDefinitionOf(PAGE_VIEWS)]);
    try {
      await append(3);
      const views = await appendViews(3);
      const viewInputs = live.filter((f) => f.entry.dataFile.filePath.startsWith('s3://lake/page_views/'));
      // The worker's target is the least ETL_COMPACTION_TARGET_BYTES allows: against it no file of either table is small.
      const worker = 1024;
      expect(live.every((f) => f.entry.dataFile.fileSizeInBytes >= worker * 0.75)).toBe(true);
      const txn = new RecordingProducer();
      expect(await compactor(txn, { targetBytes: worker }).runOnce()).toBe(1);

      // page_views by its spec's 1 MiB: its three files merged into one, SNAPPY; listening_events left alone.
      const manifests = txn.committed[0]!.map((r) => lakeFileManifestV1.parse(JSON.parse(r.value!.toString())));
      expect(manifests.map((m) => [m.table, m.operation])).toEqual([['page_views', 'compact']]);
      const [compact] = manifests;
      expect(compact!.key).toMatch(/^page_views\/data\/viewed_at_ms_hour=2026-11-20-10\/compacted-[0-9a-f]{16}-00000\.parquet$/);
      expect(compact!.replaces).toEqual(viewInputs.map((f) => f.entry.dataFile.filePath.slice('s3://lake/'.length)).sort());
      expect(compact!.size_bytes).toBeLessThan(MIB);
      expect(await codecsOf(compact!.key)).toEqual(['SNAPPY']);
      const rows = await encoder.query(`SELECT view_id FROM read_parquet('${join(dir, 'lake', compact!.key)}') ORDER BY view_id`);
      expect(rows.map((r) => r.view_id)).toEqual([...views].sort());
    } finally {
      adoptLakeTables(LAKE_TABLES);
    }
  });
});

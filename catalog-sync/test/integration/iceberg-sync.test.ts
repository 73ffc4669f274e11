import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { startKafka, startS3, stackEnv, uniqueName, waitUntil, type KafkaEndpoint, type S3Endpoint } from '@spotify-pipeline/testkit';
import { closeConsumer, consumeBatch, createConsumer, createIdempotentProducer, disconnect, flush, KafkaAdmin, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { fromKafkaHeaders, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { ServiceApp } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import { runCli } from '../../src/cli/run-cli';
import { SAVED_QUERIES } from '../../src/queries/saved-queries';
import { DuckDbEngine } from '../../src/local/duckdb-engine';
import { FileMirror } from '../../src/local/file-mirror';
import { JsonDocument } from '../../src/state/json-document';
import { emptySyncState, parseSyncState } from '../../src/state/sync-state';
import { currentSnapshot, LakeCatalog, RestCatalog, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { lakeManifest, stagedManifest } from '../fixtures/manifests';
import { compactParquet, upload, writeListeningParquet, writeTracksParquet, type WrittenFile } from '../fixtures/lake-files';

const DT = '2024-03-01';
const at = (time: string): number => Date.parse(`${DT}T${time}Z`);
const partitionKey = (hour: string, name: string): string => `listening_events/data/ts_hour=${DT}-${hour}/${name}.parquet`;
const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';

async function runCliCapture(argv: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('catalog-sync, the Iceberg committer (real Kafka, real S3 server, Iceberg REST catalog, DuckDB)', () => {
  let kafka: KafkaEndpoint;
  let s3e: S3Endpoint;
  let s3: S3Client;
  let admin: KafkaAdmin;
  let txn: TransactionalProducer;
  let app: ServiceApp;
  let env: Record<string, string>;
  let workDir: string;
  const registry = createRegistry('catalog-sync', false);
  const bucket = uniqueName('lake');
  const namespace = uniqueName('cs').replace(/-/g, '_');
  const topics = {
    listeningEvents: uniqueName('cs-events'),
    tracks: uniqueName('cs-tracks'),
    dlq: uniqueName('cs-dlq'),
    stagedFiles: uniqueName('cs-staged'),
    lakeFiles: uniqueName('cs-lake'),
  };

  /** Produces manifests in one Kafka transaction, committed or aborted. */
  async function produceManifests(lake: LakeFileManifest[], staged: StagedFileManifest[] = [], outcome: 'commit' | 'abort' = 'commit'): Promise<void> {
    await txn.begin();
    for (const m of staged) txn.produce({ topic: topics.stagedFiles, key: m.key, value: Buffer.from(JSON.stringify(m)) });
    for (const m of lake) txn.produce({ topic: topics.lakeFiles, key: m.partition ? `${m.table}/${m.partition.dt}/${m.partition.hour}` : m.table, value: Buffer.from(JSON.stringify(m)) });
    if (outcome === 'commit') await txn.commit();
    else await txn.abort();
  }

  const fileManifest = (key: string, file: WrittenFile, extra: Partial<Parameters<typeof lakeManifest>[0]>): LakeFileManifest =>
    lakeManifest({ key, bucket, rows: file.rows, sha256: file.sha256, sizeBytes: file.sizeBytes, ...extra });

  const lake = () => new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
  const syncState = () => new JsonDocument(s3, bucket, '_catalog/sync-state.json', emptySyncState, parseSyncState);
  /** The table's current snapshot per event hour: file names and rows. */
  const hours = async (table = 'listening_events'): Promise<Map<string, { files: string[]; rows: number }>> => {
    const loaded = await lake().rest.loadTable(namespace, table);
    const out = new Map<string, { files: string[]; rows: number }>();
    if (!loaded) return out;
    for (const { entry } of await new TableReader(new S3FileIO(s3)).liveFiles(currentSnapshot(loaded.metadata))) {
      const hour = table === 'listening_events' ? new Date(Number(entry.dataFile.partition.ts_hour) * 3_600_000).toISOString().slice(11, 13) : '';
      const sums = out.get(hour) ?? { files: [], rows: 0 };
      sums.files.push(entry.dataFile.filePath.slice(`s3://${bucket}/`.length));
      sums.rows += entry.dataFile.recordCount;
      out.set(hour, sums);
    }
    for (const v of out.values()) v.files.sort();
    return out;
  };

  beforeAll(async () => {
    [kafka, s3e] = await Promise.all([startKafka(), startS3()]);
    s3 = createS3Client(s3e.settings);
    await ensureBucket(s3, bucket);
    admin = KafkaAdmin.create(kafka.settings, 'cs-test-admin');
    await admin.ensureTopics([
      { name: topics.listeningEvents, partitions: 2, replicationFactor: 1 },
      { name: topics.lakeFiles, partitions: 3, replicationFactor: 1 },
      { name: topics.stagedFiles, partitions: 2, replicationFactor: 1 },
      { name: topics.dlq, partitions: 1, replicationFactor: 1 },
      { name: topics.tracks, partitions: 1, replicationFactor: 1 },
    ]);
    txn = await TransactionalProducer.create(kafka.settings, { clientId: 'cs-test-etl', transactionalId: uniqueName('cs-test-etl') });
    workDir = mkdtempSync(join(tmpdir(), 'catalog-sync-it-'));
    env = {
      ...stackEnv(kafka, s3e),
      TOPICS_LISTENING_EVENTS: topics.listeningEvents,
      TOPICS_TRACKS: topics.tracks,
      TOPICS_DLQ: topics.dlq,
      TOPICS_STAGED_FILES: topics.stagedFiles,
      TOPICS_LAKE_FILES: topics.lakeFiles,
      STORAGE_LAKE_BUCKET: bucket,
      ICEBERG_REST_URI: REST_URI,
      ICEBERG_NAMESPACE: namespace,
      CATALOG_GROUP_ID: uniqueName('catalog-sync'),
      CATALOG_ALLOWED_LATENESS_MS: String(30 * 60_000),
      CATALOG_POLL_IDLE_MS: '100',
      LOCAL_CACHE_DIR: join(workDir, 'cache'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
    };
    app = buildApp(readConfig(env), { logger: createLogger({ service: 'catalog-sync', level: 'silent' }), registry });
    await app.start();
  });

  afterAll(async () => {
    await app?.close();
    await txn?.close();
    for (const topic of Object.values(topics)) await admin?.deleteTopic(topic).catch(() => undefined);
    admin?.close();
    if (s3) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
      await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
      s3.destroy();
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('applies committed manifests only, answers every saved query, closes complete hours and reconciles to zero', async () => {
    // Staged object s0 (source partition 0): 130 records → 60 + 60 rows, 6 rejected, 4 duplicates dropped.
    // Staged object s1 (source partition 1): 100 records → 40 + 30 + 30 rows.
    const files = {
      s0h10: await writeListeningParquet(workDir, 's0h10', { dt: DT, hour: '10', from: 0, count: 60 }),
      s0h11: await writeListeningParquet(workDir, 's0h11', { dt: DT, hour: '11', from: 60, count: 60 }),
      s1h10: await writeListeningParquet(workDir, 's1h10', { dt: DT, hour: '10', from: 1000, count: 40 }),
      s1h11: await writeListeningParquet(workDir, 's1h11', { dt: DT, hour: '11', from: 1040, count: 30 }),
      s1h12: await writeListeningParquet(workDir, 's1h12', { dt: DT, hour: '12', from: 1070, count: 30 }),
      tracks: await writeTracksParquet(workDir, 'tracks'),
    };
    for (const [name, file] of Object.entries(files)) {
      const key = name === 'tracks' ? 'tracks/data/tracks-0001.parquet' : partitionKey(name.slice(-2), name);
      await upload(s3, bucket, key, file);
    }
    const s0 = { stagedKey: 'staging/listening-events/s0.ndjson.gz', sourcePartition: 0, input: { staged_record_count: 130, rejected_count: 6, duplicate_count: 4 }, watermarkMs: at('12:40:00') };
    const s1 = { stagedKey: 'staging/listening-events/s1.ndjson.gz', sourcePartition: 1, input: { staged_record_count: 100, rejected_count: 0, duplicate_count: 0 }, watermarkMs: at('12:59:00') };
    // As the ETL announces a tracks snapshot: a `compact` with no partition that replaces every older snapshot.
    const tracksManifest = { ...fileManifest('tracks/data/tracks-0001.parquet', files.tracks, { table: 'tracks', operation: 'compact', replaces: [], stagedKey: null, input: null }), partition: null };

    // An aborted transaction: a read_committed consumer never sees it, so hour 13 must never appear.
    const ghost = await writeListeningParquet(workDir, 'ghost', { dt: DT, hour: '13', from: 0, count: 5 });
    await produceManifests([fileManifest(partitionKey('13', 'ghost'), ghost, { hour: '13', ...s0 })], [], 'abort');

    await produceManifests(
      [
        fileManifest(partitionKey('10', 's0h10'), files.s0h10, { hour: '10', ...s0 }),
        fileManifest(partitionKey('11', 's0h11'), files.s0h11, { hour: '11', ...s0 }),
        lakeManifest({ key: `_quarantine/listening_events/reason=RECORD_INVALID/s0.ndjson`, bucket, rows: 6, operation: 'quarantine', ...s0 }),
        tracksManifest,
      ],
      [stagedManifest(s0.stagedKey, 130, 0)],
    );
    await produceManifests(
      [
        fileManifest(partitionKey('10', 's1h10'), files.s1h10, { hour: '10', ...s1 }),
        fileManifest(partitionKey('11', 's1h11'), files.s1h11, { hour: '11', ...s1 }),
        fileManifest(partitionKey('12', 's1h12'), files.s1h12, { hour: '12', ...s1 }),
      ],
      [stagedManifest(s1.stagedKey, 100, 1)],
    );
    // Poison on the manifest topic goes to the DLQ with a reason, and does not stop the sync.
    const poisonProducer = await createIdempotentProducer(kafka.settings, { clientId: 'cs-test-poison' });
    poisonProducer.produce(topics.lakeFiles, 0, Buffer.from('{"not": "a manifest"'), 'poison');
    await flush(poisonProducer, 10_000);
    await disconnect(poisonProducer);

    const committed = await waitUntil(
      'hours 10 and 11 closed, hour 12 open, tracks committed',
      async () => {
        const events = await hours();
        const tracks = await hours('tracks');
        const state = (await syncState().read()).value;
        const closed = Object.values(state.partitions).filter((p) => p.closed).map((p) => p.hour).sort();
        return events.size === 3 && closed.join() === '10,11' && tracks.get('')?.files.length === 1 ? events : undefined;
      },
      90_000,
      250,
    );
    expect([...committed].map(([hour, h]) => [hour, h.files.length, h.rows]).sort()).toEqual([
      ['10', 2, 100],
      ['11', 2, 90],
      ['12', 1, 30],
    ]);
    // The aborted transaction's file exists in S3 but was never committed to the table.
    expect(committed.has('13')).toBe(false);

    const reader = await createConsumer(kafka.settings, { clientId: 'cs-test-dlq', groupId: uniqueName('dlq-reader') });
    try {
      reader.assign([{ topic: topics.dlq, partition: 0, offset: 0 }]);
      reader.setDefaultConsumeTimeout(200);
      const [dead] = await waitUntil('the poison manifest in the DLQ', async () => {
        const got = await consumeBatch(reader, 10);
        return got.length > 0 ? got : undefined;
      }, 60_000, 0);
      expect(dead!.value!.toString()).toBe('{"not": "a manifest"');
      expect(fromKafkaHeaders(dead!.headers as never)).toMatchObject({ 'error.code': 'RECORD_NOT_JSON', 'source.topic': topics.lakeFiles, 'failed.stage': 'catalog' });
    } finally {
      await closeConsumer(reader);
    }

    // Every saved query answers, locally, through the CLI.
    const cliEnv = { ...env, LOG_LEVEL: 'error' };
    for (const query of SAVED_QUERIES) {
      const { code, stdout, stderr } = await runCliCapture(['report', query.name, '--format', 'json'], cliEnv);
      expect({ query: query.name, code, stderr }).toEqual({ query: query.name, code: 0, stderr: '' });
      expect({ query: query.name, rows: (JSON.parse(stdout) as unknown[]).length > 0 }).toEqual({ query: query.name, rows: true });
    }
    const top = await runCliCapture(['report', 'top-tracks'], cliEnv);
    expect(top.stdout).toContain('Never Gonna Give You Up');
    const total = await runCliCapture(['query', 'SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS ids FROM listening_events', '--format', 'json'], cliEnv);
    expect(JSON.parse(total.stdout)).toEqual([{ n: 220, ids: 220 }]);
    const genres = await runCliCapture(['report', 'completion-by-genre', '--format', 'csv'], cliEnv);
    expect(genres.stdout.split('\r\n')[0]).toBe('genre,plays,avg_completion,skip_rate');

    // Reconciliation: staged = accounted, written = COUNT(*), for every partition.
    const status = await runCliCapture(['catalog', 'status', '--format', 'json'], cliEnv);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { tables: Array<Record<string, unknown>>; partitions: Array<Record<string, unknown>> };
    expect(report.tables.find((t) => t.table === 'listening_events')).toMatchObject({ hours: 3, closed: 2, files: 5, rows: 220, difference: 0 });
    const hour10 = report.partitions.find((p) => p.hour === '10');
    expect(hour10).toMatchObject({ status: 'closed', staged: 230, accounted: 230, written: 100, engine: 100, difference: 0 });
    expect(report.partitions.every((p) => p.difference === 0)).toBe(true);
    // The service reconciled the hours it closed, and exported the difference as a metric.
    const metric = await registry.getSingleMetric('pipeline_catalog_sync_reconcile_difference_records')!.get();
    expect(metric.values.filter((v) => v.labels.table === 'listening_events').map((v) => [v.labels.check, v.value])).toEqual([
      ['staged', 0],
      ['engine', 0],
    ]);
  });

  it('commits a compaction as one replace snapshot only once all its files are read (readers never see a mix), and a replay from offset zero commits nothing', async () => {
    const s2 = { stagedKey: 'staging/listening-events/s2.ndjson.gz', sourcePartition: 0, input: { staged_record_count: 20, rejected_count: 0, duplicate_count: 0 }, watermarkMs: at('12:45:00') };
    const s2h12 = await writeListeningParquet(workDir, 's2h12', { dt: DT, hour: '12', from: 2000, count: 20 });
    await upload(s3, bucket, partitionKey('12', 's2h12'), s2h12);
    await produceManifests([fileManifest(partitionKey('12', 's2h12'), s2h12, { hour: '12', ...s2 })], [stagedManifest(s2.stagedKey, 20, 0)]);
    await waitUntil('hour 12 with two files', async () => (await hours()).get('12')?.files.length === 2, 60_000, 250);

    // Hour 12 compacted into two files, announced here in two transactions (the ETL uses one): the
    // committer must hold the first until the second makes the rows add up.
    const replaces = [partitionKey('12', 's1h12'), partitionKey('12', 's2h12')];
    const c1 = await compactParquet(workDir, 'c1', [join(workDir, 's1h12.parquet')]);
    const c2 = await compactParquet(workDir, 'c2', [join(workDir, 's2h12.parquet')]);
    const c1Key = `listening_events/data/ts_hour=${DT}-12/compacted-0001-00000.parquet`;
    const c2Key = `listening_events/data/ts_hour=${DT}-12/compacted-0001-00001.parquet`;
    await upload(s3, bucket, c1Key, c1);
    await upload(s3, bucket, c2Key, c2);

    // A reader counting the hour through the catalog, over and over, while the replace happens.
    const io = new S3FileIO(s3);
    const engine = await DuckDbEngine.create(lake(), new TableReader(io), new FileMirror(io, join(workDir, 'reader-cache')));
    const counts: number[] = [];
    let reading = true;
    const readerLoop = (async () => {
      while (reading) counts.push(await engine.countHourRows('listening_events', DT, '12'));
    })();
    try {
      await waitUntil('the reader running', () => counts.length >= 2, 60_000, 50);
      await produceManifests([fileManifest(c1Key, c1, { hour: '12', operation: 'compact', replaces, stagedKey: null, input: null, watermarkMs: at('12:45:00') })]);
      // Held: its partition is read again from the first compacted manifest on every batch.
      const compactReads = async (): Promise<number> =>
        (await registry.getSingleMetric('pipeline_catalog_sync_manifests_total')!.get()).values.filter((v) => v.labels.operation === 'compact' && v.labels.topic === topics.lakeFiles).reduce((n, v) => n + v.value, 0);
      const before = await compactReads();
      await waitUntil('the first compacted file read again and held back', async () => (await compactReads()) >= before + 3, 60_000, 100);
      const seenWhilePending = counts.length;
      await waitUntil('the reader reading while the compaction is pending', () => counts.length >= seenWhilePending + 2, 60_000, 50);
      expect((await hours()).get('12')!.files).toEqual(replaces);

      await produceManifests([fileManifest(c2Key, c2, { hour: '12', operation: 'compact', replaces, stagedKey: null, input: null, watermarkMs: at('12:45:00') })]);
      await waitUntil('hour 12 replaced by the compacted files', async () => (await hours()).get('12')?.files.join() === [c1Key, c2Key].join(), 60_000, 100);
      const seenAfterSwap = counts.length;
      await waitUntil('the reader reading after the swap', () => counts.length >= seenAfterSwap + 2, 60_000, 50);
    } finally {
      reading = false;
      await readerLoop;
      await engine.close();
    }
    // What must not happen: a count with both the old and the new files (100), or with only part of them.
    expect(new Set(counts)).toEqual(new Set([50]));

    const replace = (await lake().load('listening_events')).metadata;
    expect(currentSnapshot(replace)!.summary).toMatchObject({ operation: 'replace', 'added-data-files': '2', 'deleted-data-files': '2', 'total-records': '240' });

    // A second catalog-sync reading every manifest again from offset zero (lost Kafka offsets, a
    // new group): the table's summary says all of it is committed, so no snapshot is added, and
    // the lineage ledger is not rewritten either.
    const snapshotsOf = async (table: string) => ((await lake().load(table)).metadata.snapshots ?? []).map((s) => s['snapshot-id']);
    const snapshotsBefore = { events: await snapshotsOf('listening_events'), tracks: await snapshotsOf('tracks') };
    const etagOf = async (key: string) => (await new JsonDocument(s3, bucket, key, () => null, (raw) => raw).read()).etag;
    const stateEtagBefore = await etagOf('_catalog/sync-state.json');
    const replayRegistry = createRegistry('catalog-sync', false);
    const replay = buildApp(readConfig({ ...env, CATALOG_GROUP_ID: uniqueName('catalog-sync-replay') }), {
      logger: createLogger({ service: 'catalog-sync', level: 'silent' }),
      registry: replayRegistry,
    });
    await replay.start();
    try {
      // Everything committed so far: 10 lake manifests, 3 staged manifests, 1 poison message (c1
      // and c2 are read together now, so the compaction is read once).
      const total = async (name: string, topic?: string): Promise<number> =>
        (await replayRegistry.getSingleMetric(name)!.get()).values.filter((v) => !topic || v.labels.topic === topic).reduce((sum, v) => sum + v.value, 0);
      await waitUntil(
        'the replay caught up with every manifest',
        async () =>
          (await total('pipeline_catalog_sync_manifests_total', topics.lakeFiles)) === 10 &&
          (await total('pipeline_catalog_sync_manifests_total', topics.stagedFiles)) === 3 &&
          (await total('pipeline_catalog_sync_manifests_rejected_total')) === 1,
        90_000,
        250,
      );
    } finally {
      await replay.close();
    }
    expect(await etagOf('_catalog/sync-state.json')).toBe(stateEtagBefore);
    expect({ events: await snapshotsOf('listening_events'), tracks: await snapshotsOf('tracks') }).toEqual(snapshotsBefore);
  });
});

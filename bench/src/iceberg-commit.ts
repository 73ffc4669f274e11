/**
 * The Iceberg commit at the sink's default flush: how long catalog-sync takes per snapshot and how
 * many data files each snapshot carries when the pipeline runs as deployed (producer → sink with its
 * DEFAULT flush settings → ETL → catalog-sync, each its own process) at a steady rate. Read from
 * catalog-sync's own /metrics and its SnapshotCommitted log lines, and checked against the table's
 * snapshots in the catalog. The baseline, measured in the same run and interleaved with it, is the
 * catalog's floor: the minimal commit (one append of one file, prepareSnapshot + RestCatalog.commit)
 * on a fresh table of the same schema.
 *
 *   node --import tsx bench/src/iceberg-commit.ts   (BENCH_COMMIT_SECONDS=360, BENCH_COMMIT_RATE=2000, BENCH_COMMIT_FLOOR_REPS=40)
 *
 * Needs `npm run build:ts` first (the services run from dist). Uses the local Kafka, S3 server and
 * Iceberg REST catalog of TESTKIT_STATE_DIR (started if absent), or KAFKA_BROKERS, S3_ENDPOINT and
 * ICEBERG_REST_URI when set.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
// The sink's defaults from its own config schema, so the notes never drift from what ran (the package has no exports map).
import { readConfig as readSinkConfig } from '@spotify-pipeline/consumer-service/dist/config.js';
import {
  defaultSpec,
  LakeCatalog,
  prepareSnapshot,
  RestCatalog,
  S3FileIO,
  TableReader,
  timeTransform,
  type DataFile,
  type LoadedTable,
  type Snapshot,
} from '@spotify-pipeline/shared/iceberg';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LISTENING_EVENTS_COLUMNS, LISTENING_EVENTS_TABLE, toDuckDbType, type LakeColumn, type LakeTableDefinition } from '@spotify-pipeline/shared/schemas';
import { ServiceProcess, stackEnv, startIcebergCatalog, startKafka, startS3, uniqueName, waitUntil, type ServiceName } from '@spotify-pipeline/testkit';
import { peakRssMb, ratio, reportResult } from './lib/bench-result.js';
import { deleteBucket } from './lib/buckets.js';
import { benchNamespace, dropNamespace, writeDataFile, type WrittenDataFile } from './lib/iceberg-lake.js';
import { histogram, parseMetrics, total } from './lib/prometheus.js';

/** Six minutes: five or six flushes of every partition at the default 60 s flush interval. */
const SECONDS = Number(process.env.BENCH_COMMIT_SECONDS ?? 360);
const RATE = Number(process.env.BENCH_COMMIT_RATE ?? 2_000);
const FLOOR_REPS = Number(process.env.BENCH_COMMIT_FLOOR_REPS ?? 40);
/** The floor's tables, one per repetition: the lake table's schema and partitioning, in the bench's own namespace. */
const floorTable = (i: number): LakeTableDefinition => ({ name: `commit_floor_${i}`, columns: LISTENING_EVENTS_COLUMNS, partitioning: { column: 'ts', transform: 'hour' } });

const sleepUntil = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now())));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const mean = (values: number[]): number => (values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length);
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** A value of every column, so the floor's one-row files are valid rows of the table (never read). */
function floorValue(column: LakeColumn, i: number): string {
  switch (column.type) {
    case 'string':
      return `'floor-${i}'`;
    case 'boolean':
      return 'false';
    case 'timestamp_ms':
      return `TIMESTAMP '2024-03-01 10:00:00'`;
    case 'date':
      return `DATE '2024-03-01'`;
    default:
      return '0';
  }
}

/** One JSON log line of a service, as pino writes it. */
type LogLine = { msg?: string } & Record<string, unknown>;

function logLines(path: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      // A line cut short by the read racing the writer: the next read has it whole.
    }
  }
  return lines;
}

/**
 * The catalog's floor: the first append of one file to a fresh table (one manifest, a manifest list
 * of one, the catalog commit), the same steps and the same timer as catalog-sync's
 * TableCommitter.commitChange. Returns the latency in ms.
 */
async function floorCommit(lake: LakeCatalog, io: S3FileIO, reader: TableReader, table: string, loaded: LoadedTable, file: WrittenDataFile): Promise<number> {
  const spec = defaultSpec(loaded.metadata);
  const partition: DataFile['partition'] = {};
  for (const field of spec.fields) partition[field.name] = timeTransform('hour', Date.parse('2024-03-01T10:00:00Z'));
  const dataFile: DataFile = { filePath: file.uri, fileFormat: 'PARQUET', partition, recordCount: file.rows, fileSizeInBytes: file.sizeBytes };
  const started = performance.now();
  const prepared = await prepareSnapshot(io, reader, loaded.metadata, { operation: 'append', added: [dataFile], removed: new Set(), summary: {} });
  await lake.rest.commit(lake.namespace, table, prepared.requirements, prepared.updates);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const [kafka, s3Endpoint] = await Promise.all([startKafka(), startS3()]);
  const catalog = await startIcebergCatalog(s3Endpoint);
  const work = mkdtempSync(join(tmpdir(), 'bench-commit-'));
  const prefix = uniqueName('commit');
  const namespace = benchNamespace('commit');
  const topics = {
    TOPICS_LISTENING_EVENTS: `${prefix}-events`,
    TOPICS_TRACKS: `${prefix}-tracks`,
    TOPICS_DLQ: `${prefix}-dlq`,
    TOPICS_STAGED_FILES: `${prefix}-staged`,
    TOPICS_LAKE_FILES: `${prefix}-lake`,
  };
  const buckets = { STORAGE_STAGING_BUCKET: `${prefix}-staging`, STORAGE_LAKE_BUCKET: `${prefix}-lake` };
  const s3 = createS3Client(s3Endpoint.settings);
  const io = new S3FileIO(s3);
  for (const bucket of Object.values(buckets)) await ensureBucket(s3, bucket);
  // Defaults everywhere (flush, partitions, poll sizes): only names, addresses and log levels are set.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...stackEnv(kafka, s3Endpoint, { catalog }),
    ...topics,
    ...buckets,
    HTTP_PORT: '0',
    LOG_LEVEL: 'warn',
    SINK_GROUP_ID: `${prefix}-sink`,
    SINK_TRANSACTIONAL_ID: `${prefix}-sink`,
    ETL_GROUP_ID: `${prefix}-etl`,
    ETL_TRANSACTIONAL_ID: `${prefix}-etl`,
    ETL_COMPACTION_GROUP_ID: `${prefix}-compactor`,
    ETL_TRACKS_GROUP_ID: `${prefix}-tracks`,
    ICEBERG_NAMESPACE: namespace,
    CATALOG_GROUP_ID: `${prefix}-catalog`,
    LOCAL_CACHE_DIR: join(work, 'catalog-cache'),
  };
  const { sink, topics: { partitions } } = readSinkConfig(env);

  // The floor's fresh tables and their one-row data files, ready before the clock starts.
  const lake = new LakeCatalog(new RestCatalog({ uri: catalog.uri }), namespace, buckets.STORAGE_LAKE_BUCKET);
  const floorTables: LoadedTable[] = [];
  for (let i = 0; i <= FLOOR_REPS; i++) floorTables.push(await lake.ensureTable(floorTable(i)));
  const floorReader = new TableReader(io);
  const floorFiles: WrittenDataFile[] = [];
  const duck = await DuckDBInstance.create(':memory:');
  const gen = await duck.connect();
  try {
    for (let i = 0; i <= FLOOR_REPS; i++) {
      floorFiles.push(
        await writeDataFile(gen, io, {
          select: `SELECT ${LISTENING_EVENTS_COLUMNS.map((c) => `CAST(${floorValue(c, i)} AS ${toDuckDbType(c.type)}) AS "${c.name}"`).join(', ')}`,
          columns: LISTENING_EVENTS_COLUMNS,
          path: join(work, `floor-${i}.parquet`),
          bucket: buckets.STORAGE_LAKE_BUCKET,
          key: `${floorTable(i).name}/data/ts_hour=2024-03-01-10/floor-${i}.parquet`,
          rows: 1,
        }),
      );
    }
  } finally {
    gen.closeSync();
    duck.closeSync();
  }

  const services = new Map<ServiceName, ServiceProcess>();
  const logOf = (name: ServiceName): string => join(work, `${name}.log`);
  const start = (name: ServiceName, args: string[] = [], extra: NodeJS.ProcessEnv = {}): void => {
    const service = new ServiceProcess({ service: name, env: { ...env, ...extra }, args, output: logOf(name) });
    services.set(name, service);
    service.start();
  };
  const floorMs: number[] = [];
  let metricsText = '';
  let began = 0;
  let scrapedAt = 0;
  try {
    // catalog-sync at info: its SnapshotCommitted lines carry each snapshot's exact latency, and OpsServerListening its port.
    start('catalog-sync', [], { LOG_LEVEL: 'info' });
    start('etl-worker');
    start('consumer-service');
    // 100,000 users saturate at 2,000 events/s (SimulationUsersSaturated): the simulator then lets a user
    // listen on a second device rather than miss the rate, which changes nothing the catalog sees.
    start('producer-service', ['simulate', '--rate', String(RATE), '--users', '100000', '--no-tracks']);
    began = Date.now();
    const opsPort = await waitUntil(
      'catalog-sync OpsServerListening',
      () => {
        for (const service of services.values()) if (!service.running) throw new Error(`${service.name} exited early: see ${logOf(service.name)}`);
        return logLines(logOf('catalog-sync')).find((l) => l.msg === 'OpsServerListening')?.port as number | undefined;
      },
      120_000,
      250,
    );

    // The floor, interleaved with the run: both sides see the same machine, catalog and S3 server.
    await floorCommit(lake, io, floorReader, floorTable(0).name, floorTables[0]!, floorFiles[0]!); // warm-up, not timed
    const windowEnd = began + SECONDS * 1000;
    let nextProgress = began + 60_000;
    for (let i = 0; i < FLOOR_REPS; i++) {
      await sleepUntil(began + ((i + 0.5) * SECONDS * 1000) / FLOOR_REPS);
      floorMs.push(await floorCommit(lake, io, floorReader, floorTable(i + 1).name, floorTables[i + 1]!, floorFiles[i + 1]!));
      if (Date.now() >= nextProgress) {
        nextProgress += 60_000;
        const loaded = await lake.rest.loadTable(namespace, LISTENING_EVENTS_TABLE);
        console.log(`${Math.round((Date.now() - began) / 1000)} s: ${loaded?.metadata.snapshots?.length ?? 0} listening_events snapshots, ${floorMs.length} floor commits`);
      }
      for (const service of services.values()) if (!service.running) throw new Error(`${service.name} exited during the run: see ${logOf(service.name)}`);
    }
    await sleepUntil(windowEnd);
    // Scraped while everything still runs: the figures are the steady state, not the shutdown's last flush.
    const response = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
    metricsText = await response.text();
    scrapedAt = Date.now();
  } finally {
    for (const name of ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync'] as const) {
      const service = services.get(name);
      if (!service) continue;
      await service.stop(60_000).catch(() => service.kill9());
      service.close();
    }
  }

  const samples = parseMetrics(metricsText);
  const table = { table: LISTENING_EVENTS_TABLE };
  const latency = histogram(samples, 'pipeline_catalog_sync_commit_duration_seconds', table);
  const files = histogram(samples, 'pipeline_catalog_sync_files_per_commit', table);
  const commits = total(samples, 'pipeline_catalog_sync_commits_total', table);
  const byOperation = new Map<string, number>();
  for (const s of samples) if (s.name === 'pipeline_catalog_sync_commits_total' && s.labels.table === LISTENING_EVENTS_TABLE) byOperation.set(s.labels.operation!, s.value);
  if (commits === 0) throw new Error(`catalog-sync committed nothing in ${SECONDS} s: see the logs in ${work}`);

  // The same snapshots as catalog-sync logged them, each with its exact latency.
  const logged = logLines(logOf('catalog-sync')).filter((l) => l.msg === 'SnapshotCommitted' && l.table === LISTENING_EVENTS_TABLE && Date.parse(String(l.time)) <= scrapedAt);
  const loggedMs = logged.map((l) => Number(l.latencyMs));
  // And as the catalog holds them: the second source.
  const snapshots: Snapshot[] = [...((await lake.load(LISTENING_EVENTS_TABLE)).metadata.snapshots ?? [])].sort((a, b) => a['sequence-number'] - b['sequence-number']);
  const windowSnapshots = snapshots.filter((s) => s['timestamp-ms'] <= scrapedAt);
  const operations = new Map<string, number>();
  for (const s of windowSnapshots) operations.set(s.summary.operation, (operations.get(s.summary.operation) ?? 0) + 1);
  const addedFiles = windowSnapshots.map((s) => Number(s.summary['added-data-files'] ?? 0) + Number(s.summary['deleted-data-files'] ?? 0));
  const addedRecords = windowSnapshots.reduce((sum, s) => sum + Number(s.summary['added-records'] ?? 0) - Number(s.summary['deleted-records'] ?? 0), 0);
  const intervals = windowSnapshots.slice(1).map((s, i) => (s['timestamp-ms'] - windowSnapshots[i]!['timestamp-ms']) / 1000);

  await dropNamespace(lake.rest, namespace).catch((err: unknown) => console.warn(`namespace ${namespace} left in the catalog: ${String(err)}`));
  for (const bucket of Object.values(buckets)) await deleteBucket(s3, bucket);
  s3.destroy();
  rmSync(work, { recursive: true, force: true });
  await catalog.stop();
  await Promise.all([kafka.stop(), s3Endpoint.stop()]);

  // Exact percentiles from the log when it has every snapshot; the histogram's buckets otherwise.
  const exact = loggedMs.length === commits;
  const ours = {
    p50: exact ? percentile(loggedMs, 50) : latency.quantile(0.5) * 1000,
    p99: exact ? percentile(loggedMs, 99) : latency.quantile(0.99) * 1000,
    mean: latency.mean * 1000,
  };
  const floor = { p50: percentile(floorMs, 50), p99: percentile(floorMs, 99), mean: mean(floorMs) };
  const ops = (m: Map<string, number>): string => [...m.entries()].map(([op, n]) => `${n} ${op}`).join(', ');
  const flush = `flush at ${sink.maxBatchRecords.toLocaleString('en-US')} records, ${sink.maxBatchBytes / 2 ** 20} MiB, ${sink.flushIntervalMs / 1000} s open or ${sink.flushIdleMs / 1000} s idle per partition`;
  console.log(`sink defaults: ${flush}; ${partitions} partitions; producer ${RATE} events/s (mean over a day) for ${SECONDS} s`);
  console.log(`catalog-sync /metrics (listening_events): ${commits} commits (${ops(byOperation)}); latency mean ${round1(ours.mean)} ms, p50 ${round1(latency.quantile(0.5) * 1000)} ms, p99 ${round1(latency.quantile(0.99) * 1000)} ms (buckets); files per snapshot mean ${files.mean.toFixed(2)}`);
  console.log(`catalog-sync log: ${logged.length} SnapshotCommitted, latency p50 ${round1(percentile(loggedMs, 50))} ms, p99 ${round1(percentile(loggedMs, 99))} ms, max ${round1(Math.max(...loggedMs))} ms`);
  console.log(`catalog: ${windowSnapshots.length} snapshots in the window (${ops(operations)}), data files per snapshot mean ${mean(addedFiles).toFixed(2)} (min ${Math.min(...addedFiles)}, max ${Math.max(...addedFiles)}), one every ${round1(mean(intervals))} s, ${Math.round(addedRecords / windowSnapshots.length).toLocaleString('en-US')} rows per snapshot`);
  console.log(`floor (one file to a fresh table, prepareSnapshot + commit, ${floorMs.length} reps): p50 ${round1(floor.p50)} ms, p99 ${round1(floor.p99)} ms, mean ${round1(floor.mean)} ms`);
  reportResult({
    name: 'catalog-sync: Iceberg commit at the sink’s default flush',
    description: `producer (simulate, ${RATE} events/s mean over a day) → consumer-service with its default flush → etl-worker → catalog-sync, each its own process, for ${SECONDS} s; commit latency is one snapshot of listening_events (manifests and manifest list written, REST catalog commit answered), in ms (lower is better). The baseline is the catalog's floor measured in the same run, interleaved with it: the first append of one file (prepareSnapshot + RestCatalog.commit) to a fresh table of the same schema, one table per repetition; ratio = ours / floor.`,
    baselineLabel: 'floor: one-file append',
    figures: [
      { metric: 'commit latency p50 (ms)', value: round1(ours.p50), baseline: round1(floor.p50), ratio: ratio(ours.p50, floor.p50) },
      { metric: 'commit latency p99 (ms)', value: round1(ours.p99), baseline: round1(floor.p99), ratio: ratio(ours.p99, floor.p99) },
      { metric: 'commit latency mean (ms), /metrics', value: round1(ours.mean), baseline: round1(floor.mean), ratio: ratio(ours.mean, floor.mean) },
      { metric: 'data files per snapshot (mean)', value: files.mean, baseline: 1, ratio: ratio(files.mean, 1) },
    ],
    peakRssMb: peakRssMb(),
    notes: [
      `sink defaults (consumer-service/src/config.ts): ${flush}; ${partitions} topic partitions (TOPICS_PARTITIONS default); ETL and catalog-sync defaults too; the producer runs with --no-tracks, so every snapshot is listening_events`,
      `catalog-sync /metrics for listening_events: ${commits} commits (${ops(byOperation)}), files per snapshot mean ${files.mean.toFixed(2)}; latency from the histogram buckets p50 ${round1(latency.quantile(0.5) * 1000)} ms, p99 ${round1(latency.quantile(0.99) * 1000)} ms`,
      `p50/p99 ${exact ? `exact, from catalog-sync's ${logged.length} SnapshotCommitted log lines (the same timer as the histogram)` : `from the histogram buckets (the log had ${logged.length} of ${commits} snapshots)`}; with few snapshots p99 is close to the slowest one`,
      `the catalog's table metadata: ${windowSnapshots.length} snapshots in the window (${ops(operations)}), data files per snapshot mean ${mean(addedFiles).toFixed(2)} (min ${Math.min(...addedFiles)}, max ${Math.max(...addedFiles)}, summary added + deleted data files), one snapshot every ${round1(mean(intervals))} s, ${Math.round(addedRecords / windowSnapshots.length).toLocaleString('en-US')} rows per snapshot (${addedRecords.toLocaleString('en-US')} in all)`,
      `floor: ${floorMs.length} one-file first appends, each to its own fresh table, spread over the run (after one untimed warm-up); no column statistics in its manifest entries (the ETL's files carry them)`,
      'peak RSS is the benchmark driver; each service runs in its own process',
    ],
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

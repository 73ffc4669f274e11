/**
 * Local query engine overhead: catalog-sync's DuckDB engine answering the saved queries over the
 * lake's Iceberg tables (per query: every table loaded from the REST catalog; when its snapshot
 * changed, the data files read from the manifests and the views rebuilt over exactly those files)
 * against plain DuckDB over the same mirrored Parquet files with views built once, in the same run.
 * The ratio is what reading one committed snapshot per query costs.
 *
 *   node --import tsx bench/src/catalog-query.ts     (BENCH_CATALOG_DAYS=7, BENCH_CATALOG_ROWS_PER_FILE=2000)
 *
 * Needs `npx tsc -b catalog-sync` first. Uses the local S3 server and Iceberg REST catalog of
 * TESTKIT_STATE_DIR (started if absent), or ICEBERG_REST_URI when set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine, FileMirror, SAVED_QUERIES, TableCommitter, type PositionedManifest } from '@spotify-pipeline/catalog-sync/local';
import { LakeCatalog, RestCatalog, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES, LISTENING_EVENTS_COLUMNS, LISTENING_EVENTS_TABLE, TRACKS_COLUMNS, TRACKS_TABLE, toDuckDbType, type LakeColumn } from '@spotify-pipeline/shared/schemas';
import { startIcebergCatalog, startS3, uniqueName } from '@spotify-pipeline/testkit';
import { peakRssMb, ratio, reportResult } from './lib/bench-result.js';
import { deleteBucket } from './lib/buckets.js';
import { benchNamespace, dropNamespace, lakeFileManifest, writeDataFile } from './lib/iceberg-lake.js';

const DAYS = Number(process.env.BENCH_CATALOG_DAYS ?? 7);
const ROWS_PER_FILE = Number(process.env.BENCH_CATALOG_ROWS_PER_FILE ?? 2_000);
const FILES_PER_HOUR = 2;
const ROUNDS = Number(process.env.BENCH_CATALOG_ROUNDS ?? 3);

/** Just enough of the listening_events columns for the saved queries; the rest are typed NULLs. */
const EVENT_EXPRESSIONS: Record<string, string> = {
  schema_version: '1',
  event_id: `'ev-' || i`,
  ts: `h + to_seconds(i % 3600)`,
  user_id: `'user-' || (hash(i, 'u') % 5000)`,
  platform: `['android', 'ios', 'windows', 'web_player'][CAST(i % 4 AS BIGINT) + 1]`,
  ms_played: `hash(i, 'ms') % 300000`,
  conn_country: `['SE', 'US', 'DE', 'BR', 'JP'][CAST(i % 5 AS BIGINT) + 1]`,
  track_uri: `'spotify:track:' || lpad(CAST(hash(i, 't') % 500 AS VARCHAR), 22, '0')`,
  track_name: `'Track ' || (hash(i, 't') % 500)`,
  artist_name: `'Artist ' || (hash(i, 't') % 500 % 60)`,
  reason_start: `['trackdone', 'clickrow', 'fwdbtn', 'playbtn'][CAST(hash(i, 'rs') % 4 AS BIGINT) + 1]`,
  reason_end: `['trackdone', 'fwdbtn', 'endplay', 'trackdone'][CAST(hash(i, 're') % 4 AS BIGINT) + 1]`,
  platform_family: `['android', 'ios', 'desktop', 'web'][CAST(i % 4 AS BIGINT) + 1]`,
  event_date: 'CAST(h AS DATE)',
  event_hour: 'hour(h)',
  seconds_played: `(hash(i, 'ms') % 300000) / 1000.0`,
  is_skip: `hash(i, 're') % 4 IN (1, 2)`,
  content_type: `'track'`,
};

const TRACK_EXPRESSIONS: Record<string, string> = {
  schema_version: '1',
  track_id: `lpad(CAST(i AS VARCHAR), 22, '0')`,
  uri: `'spotify:track:' || lpad(CAST(i AS VARCHAR), 22, '0')`,
  name: `'Track ' || i`,
  artist_name: `'Artist ' || (i % 60)`,
  duration_ms: `180000 + (i * 7919) % 120000`,
  genre: `['pop', 'rock', 'hip hop', 'jazz', 'classical'][CAST(i % 5 AS BIGINT) + 1]`,
};

const select = (columns: LakeColumn[], expressions: Record<string, string>): string =>
  columns.map((c) => `CAST(${expressions[c.name] ?? 'NULL'} AS ${toDuckDbType(c.type)}) AS "${c.name}"`).join(', ');

/** One round: every saved query once; queries per second. */
async function timeRound(run: (sql: string) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (const q of SAVED_QUERIES) await run(q.sql);
  return SAVED_QUERIES.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const s3Endpoint = await startS3();
  const catalogEndpoint = await startIcebergCatalog(s3Endpoint);
  const s3 = createS3Client(s3Endpoint.settings);
  const io = new S3FileIO(s3);
  const bucket = uniqueName('bench-catalog');
  const dir = mkdtempSync(join(tmpdir(), 'bench-catalog-'));
  await ensureBucket(s3, bucket);
  const lake = new LakeCatalog(new RestCatalog({ uri: catalogEndpoint.uri }), benchNamespace('bench_catalog'), bucket);
  const generator = await DuckDBInstance.create(':memory:');
  const gen = await generator.connect();
  try {
    // The lake: DAYS × 24 hours × FILES_PER_HOUR data files, committed as the pipeline commits them:
    // one append snapshot per day through catalog-sync's committer, the tracks table as one snapshot.
    for (const table of LAKE_TABLES) await lake.ensureTable(table);
    const reader = new TableReader(io);
    const committer = new TableCommitter({ lake, io, reader, logger: createLogger({ service: 'bench-catalog-query', level: 'warn' }) });
    let rows = 0;
    let offset = 0;
    let files = 0;
    const generateStarted = performance.now();
    for (let day = 0; day < DAYS; day++) {
      const dt = new Date(Date.UTC(2024, 2, 1 + day)).toISOString().slice(0, 10);
      const manifests: PositionedManifest[] = [];
      for (let h = 0; h < 24; h++) {
        const hour = String(h).padStart(2, '0');
        for (let f = 0; f < FILES_PER_HOUR; f++) {
          const from = ((day * 24 + h) * FILES_PER_HOUR + f) * ROWS_PER_FILE;
          const file = await writeDataFile(gen, io, {
            select: `SELECT ${select(LISTENING_EVENTS_COLUMNS, EVENT_EXPRESSIONS)} FROM (SELECT i, TIMESTAMP '${dt} ${hour}:00:00' AS h FROM range(${from}, ${from + ROWS_PER_FILE}) t(i))`,
            columns: LISTENING_EVENTS_COLUMNS,
            path: join(dir, `${dt}-${hour}-${f}.parquet`),
            bucket,
            key: `${LISTENING_EVENTS_TABLE}/data/ts_hour=${dt}-${hour}/part-${f}.parquet`,
            rows: ROWS_PER_FILE,
          });
          manifests.push(lakeFileManifest(file, { table: LISTENING_EVENTS_TABLE, bucket, offset: offset++, dt, hour }));
          rows += ROWS_PER_FILE;
          files++;
        }
      }
      await committer.commit(LISTENING_EVENTS_TABLE, manifests);
    }
    const tracks = await writeDataFile(gen, io, {
      select: `SELECT ${select(TRACKS_COLUMNS, TRACK_EXPRESSIONS)} FROM range(0, 500) t(i)`,
      columns: TRACKS_COLUMNS,
      path: join(dir, 'tracks.parquet'),
      bucket,
      key: `${TRACKS_TABLE}/data/tracks-0001.parquet`,
      rows: 500,
    });
    await committer.commit(TRACKS_TABLE, [lakeFileManifest(tracks, { table: TRACKS_TABLE, bucket, offset: offset++, operation: 'compact' })]);
    files++;
    const snapshots = (await lake.load(LISTENING_EVENTS_TABLE)).metadata.snapshots?.length ?? 0;
    console.log(`lake: ${rows.toLocaleString('en-US')} rows in ${files} files (${snapshots} listening_events snapshots), generated, uploaded and committed in ${((performance.now() - generateStarted) / 1000).toFixed(1)} s`);

    // Ours: through the catalog. The first query mirrors every file; it is not timed.
    const cacheDir = join(dir, 'cache');
    const engine = await DuckDbEngine.create(lake, new TableReader(io), new FileMirror(io, cacheDir));
    const coldStarted = performance.now();
    await engine.query(`SELECT COUNT(*) FROM ${LISTENING_EVENTS_TABLE}`);
    const coldSeconds = (performance.now() - coldStarted) / 1000;

    // Baseline: DuckDB over the same mirrored files, views built once (no catalog, no manifests).
    const direct = await DuckDBInstance.create(':memory:');
    const connection = await direct.connect();
    await connection.run("SET TimeZone = 'UTC'");
    for (const table of [LISTENING_EVENTS_TABLE, TRACKS_TABLE]) {
      await connection.run(`CREATE VIEW ${table} AS SELECT * FROM read_parquet('${cacheDir}/${bucket}/${table}/data/**/*.parquet', hive_partitioning = false, union_by_name = true)`);
    }

    // Alternating rounds, best of each: a noisy neighbour slows one round, not one side.
    const rounds: Array<{ ours: number; baseline: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      rounds.push({ ours: await timeRound((sql) => engine.query(sql)), baseline: await timeRound((sql) => connection.runAndReadAll(sql)) });
    }
    // What the catalog adds to every query: each table loaded from the REST catalog (no data read).
    const overheadStarted = performance.now();
    for (let i = 0; i < 20; i++) await engine.query('SELECT 1');
    const catalogMsPerQuery = (performance.now() - overheadStarted) / 20;
    await engine.close();
    connection.closeSync();
    direct.closeSync();
    const ours = Math.max(...rounds.map((r) => r.ours));
    const baseline = Math.max(...rounds.map((r) => r.baseline));

    console.log(`saved queries/s: catalog engine ${ours.toFixed(2)}, plain DuckDB ${baseline.toFixed(2)}, ratio ${ratio(ours, baseline).toFixed(3)}; cold first query (mirror ${files} files) ${coldSeconds.toFixed(2)} s; catalog per query ${catalogMsPerQuery.toFixed(1)} ms`);
    reportResult({
      name: 'catalog-sync local engine',
      description:
        "The nine saved queries through catalog-sync's DuckDB engine over the Iceberg tables (per query: each table loaded from the REST catalog; views over exactly the data files of the current snapshot, read from its manifests and rebuilt when the snapshot changes) against plain DuckDB over the same local Parquet files with views built once.",
      baselineLabel: 'plain DuckDB',
      figures: [{ metric: 'saved queries/s', value: ours, baseline, ratio: ratio(ours, baseline) }],
      peakRssMb: peakRssMb(),
      notes: [
        `${rows.toLocaleString('en-US')} listening events over ${DAYS} days (${DAYS * 24} hour partitions, ${FILES_PER_HOUR} files each, ${snapshots} append snapshots) + 500 tracks; best of ${ROUNDS} alternating rounds of the ${SAVED_QUERIES.length} queries`,
        `every round, engine vs plain queries/s: ${rounds.map((r) => `${r.ours.toFixed(2)} vs ${r.baseline.toFixed(2)}`).join('; ')}`,
        `what the catalog adds to every query (SELECT 1 through the engine: each table loaded from the REST catalog): ${catalogMsPerQuery.toFixed(1)} ms`,
        `first query, mirroring every file from S3: ${coldSeconds.toFixed(2)} s`,
      ],
    });
  } finally {
    gen.closeSync();
    generator.closeSync();
    await dropNamespace(lake.rest, lake.namespace).catch((err: unknown) => console.warn(`namespace ${lake.namespace} left in the catalog: ${String(err)}`));
    await deleteBucket(s3, bucket);
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
    await catalogEndpoint.stop();
    await s3Endpoint.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

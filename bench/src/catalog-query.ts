/**
 * Local query engine overhead: catalog-sync's DuckDB engine answering the saved queries through the
 * embedded catalog (per query: a conditional GET of the catalog snapshot from S3; when it changed,
 * an ETag listing and views rebuilt over exactly the listed files) against plain DuckDB over the
 * same mirrored Parquet files with views built once, in the same run. The ratio is what the
 * atomic-snapshot guarantee costs.
 *
 *   node --import tsx bench/src/catalog-query.ts     (BENCH_CATALOG_DAYS=7, BENCH_CATALOG_ROWS_PER_FILE=2000)
 *
 * Needs `npx tsc -b catalog-sync` first. Uses the local S3 server of TESTKIT_STATE_DIR (started if absent).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbEngine, EmbeddedCatalog, FileMirror, lakeTables, SAVED_QUERIES, type PartitionFiles } from '@spotify-pipeline/catalog-sync/local';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LISTENING_EVENTS_COLUMNS, TRACKS_COLUMNS, toDuckDbType, type LakeColumn } from '@spotify-pipeline/shared/schemas';
import { startS3, uniqueName } from '@spotify-pipeline/testkit';
import { peakRssMb, ratio, reportResult } from './lib/bench-result.js';

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

async function timeQueries(run: (sql: string) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) for (const q of SAVED_QUERIES) await run(q.sql);
  return (ROUNDS * SAVED_QUERIES.length) / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const s3Endpoint = await startS3();
  const s3 = createS3Client(s3Endpoint.settings);
  const bucket = uniqueName('bench-catalog');
  const dir = mkdtempSync(join(tmpdir(), 'bench-catalog-'));
  await ensureBucket(s3, bucket);
  const generator = await DuckDBInstance.create(':memory:');
  const gen = await generator.connect();
  try {
    // The lake: DAYS × 24 hours × FILES_PER_HOUR Parquet files, registered in the embedded catalog.
    const catalog = new EmbeddedCatalog(s3, bucket, '_catalog/catalog.json');
    const [eventsSpec, tracksSpec] = lakeTables(bucket);
    await catalog.ensureTable(eventsSpec!);
    await catalog.ensureTable(tracksSpec!);
    const partitions: PartitionFiles[] = [];
    const upload = async (key: string, path: string) => {
      const body = readFileSync(path);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return { key, sizeBytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    };
    let rows = 0;
    const generateStarted = performance.now();
    for (let day = 0; day < DAYS; day++) {
      const dt = new Date(Date.UTC(2024, 2, 1 + day)).toISOString().slice(0, 10);
      for (let h = 0; h < 24; h++) {
        const hour = String(h).padStart(2, '0');
        const partition: PartitionFiles = { dt, hour, location: `s3://${bucket}/listening_events/dt=${dt}/hour=${hour}/`, files: [] };
        for (let f = 0; f < FILES_PER_HOUR; f++) {
          const path = join(dir, `${dt}-${hour}-${f}.parquet`);
          const from = ((day * 24 + h) * FILES_PER_HOUR + f) * ROWS_PER_FILE;
          await gen.run(
            `COPY (SELECT ${select(LISTENING_EVENTS_COLUMNS, EVENT_EXPRESSIONS)} FROM (SELECT i, TIMESTAMP '${dt} ${hour}:00:00' AS h FROM range(${from}, ${from + ROWS_PER_FILE}) t(i))) TO '${path}' (FORMAT parquet, COMPRESSION zstd)`,
          );
          partition.files.push({ ...(await upload(`listening_events/dt=${dt}/hour=${hour}/part-${f}.parquet`, path)), rowCount: ROWS_PER_FILE });
          rows += ROWS_PER_FILE;
        }
        partitions.push(partition);
      }
    }
    await catalog.registerPartitions('listening_events', partitions);
    const tracksPath = join(dir, 'tracks.parquet');
    await gen.run(`COPY (SELECT ${select(TRACKS_COLUMNS, TRACK_EXPRESSIONS)} FROM range(0, 500) t(i)) TO '${tracksPath}' (FORMAT parquet)`);
    await catalog.registerPartitions('tracks', [{ dt: '', hour: '', location: tracksSpec!.location, files: [{ ...(await upload('tracks/part-0.parquet', tracksPath)), rowCount: 500 }] }]);
    console.log(`lake: ${rows.toLocaleString('en-US')} rows in ${partitions.length * FILES_PER_HOUR + 1} files, generated and uploaded in ${((performance.now() - generateStarted) / 1000).toFixed(1)} s`);

    // Ours: through the catalog. The first query mirrors every file; it is not timed.
    const cacheDir = join(dir, 'cache');
    const engine = await DuckDbEngine.create(catalog, new FileMirror(s3, bucket, cacheDir));
    const coldStarted = performance.now();
    await engine.query('SELECT COUNT(*) FROM listening_events');
    const coldSeconds = (performance.now() - coldStarted) / 1000;
    const ours = await timeQueries((sql) => engine.query(sql));
    await engine.close();

    // Baseline: DuckDB over the same mirrored files, views built once.
    const direct = await DuckDBInstance.create(':memory:');
    const connection = await direct.connect();
    await connection.run(
      `CREATE VIEW listening_events AS SELECT * FROM read_parquet('${cacheDir}/${bucket}/listening_events/**/*.parquet', hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': VARCHAR}, union_by_name = true)`,
    );
    await connection.run(`CREATE VIEW tracks AS SELECT * FROM read_parquet('${cacheDir}/${bucket}/tracks/*.parquet')`);
    const baseline = await timeQueries((sql) => connection.runAndReadAll(sql));
    connection.closeSync();
    direct.closeSync();

    console.log(`saved queries/s: catalog engine ${ours.toFixed(2)}, plain DuckDB ${baseline.toFixed(2)}, ratio ${ratio(ours, baseline).toFixed(3)}; cold first query (mirror ${partitions.length * FILES_PER_HOUR + 1} files) ${coldSeconds.toFixed(2)} s`);
    reportResult({
      name: 'catalog-sync local engine',
      description:
        "The nine saved queries through catalog-sync's DuckDB engine (a conditional GET of the catalog snapshot per query; views over exactly the listed files, rebuilt when the snapshot changes) against plain DuckDB over the same local Parquet files with views built once.",
      baselineLabel: 'plain DuckDB',
      figures: [{ metric: 'saved queries/s', value: ours, baseline, ratio: ratio(ours, baseline) }],
      peakRssMb: peakRssMb(),
      notes: [
        `${rows.toLocaleString('en-US')} listening events over ${DAYS} days (${partitions.length} hour partitions, ${FILES_PER_HOUR} files each) + 500 tracks; ${ROUNDS} rounds of ${SAVED_QUERIES.length} queries`,
        `first query, mirroring every file from S3: ${coldSeconds.toFixed(2)} s`,
      ],
    });
  } finally {
    gen.closeSync();
    generator.closeSync();
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key! }));
    for (let i = 0; i < keys.length; i += 1000) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000) } }));
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
    s3.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();

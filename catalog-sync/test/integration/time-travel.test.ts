/**
 * Time travel on the local engine, against the real catalog: two appends committed through the
 * Iceberg REST catalog, then the same SQL `FOR TIMESTAMP AS OF` / `FOR VERSION AS OF` through the
 * DuckDB engine, through `catalog-sync query` (what `npm run query` runs) and, when the stack has
 * it, through Trino reading the table by itself. A point between the two commits must read the
 * first snapshot only: none of the second append's rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { currentSnapshot, LakeCatalog, RestCatalog, S3FileIO, TableReader, type Snapshot } from '@spotify-pipeline/shared/iceberg';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { startS3, TrinoClient, uniqueName, waitUntil, type S3Endpoint } from '@spotify-pipeline/testkit';
import { runCli } from '../../src/cli/run-cli';
import { TableCommitter } from '../../src/commit/table-committer';
import { DuckDbEngine } from '../../src/local/duckdb-engine';
import { FileMirror } from '../../src/local/file-mirror';
import { lakeManifest } from '../fixtures/manifests';
import { upload, writeListeningParquet } from '../fixtures/lake-files';

const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
const TRINO_URI = process.env.TRINO_URI;
const DT = '2024-03-01';

/** A point in time as Trino and Athena write it, to the millisecond (snapshot times are ms). */
const at = (ms: number): string => `TIMESTAMP '${new Date(ms).toISOString().replace('T', ' ').replace('Z', '')} UTC'`;
/** Rows, distinct event ids, and rows of the second append (their event ids start with its file name). */
const countsSql = (from: string): string =>
  `SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d, COUNT(CASE WHEN event_id LIKE 'second-%' THEN 1 END) AS second FROM ${from}`;
const counts = (row: Record<string, unknown> | undefined): { n: number; d: number; second: number } => ({ n: Number(row?.n), d: Number(row?.d), second: Number(row?.second) });

describe('time travel on the local DuckDB engine (real S3 server, Iceberg REST catalog; Trino when the stack has it)', () => {
  let s3e: S3Endpoint;
  let s3: S3Client;
  let work: string;
  let engine: DuckDbEngine;
  let first: Snapshot;
  let second: Snapshot;
  const bucket = uniqueName('travel');
  const namespace = uniqueName('travel').replace(/-/g, '_');
  const trino = TRINO_URI ? new TrinoClient({ uri: TRINO_URI, catalog: 'iceberg', schema: namespace }) : undefined;

  beforeAll(async () => {
    s3e = await startS3();
    s3 = createS3Client(s3e.settings);
    await ensureBucket(s3, bucket);
    work = mkdtempSync(join(tmpdir(), 'time-travel-'));
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
    for (const table of LAKE_TABLES) await lake.ensureTable(table);
    const io = new S3FileIO(s3);
    const reader = new TableReader(io);
    const committer = new TableCommitter({ lake, io, reader, logger: createLogger({ service: 'test', level: 'silent' }) });
    const append = async (name: string, hour: string, from: number, count: number, offset: number): Promise<Snapshot> => {
      const file = await writeListeningParquet(work, name, { dt: DT, hour, from, count });
      const key = `listening_events/data/ts_hour=${DT}-${hour}/${name}.parquet`;
      await upload(s3, bucket, key, file);
      const result = await committer.commit('listening_events', [
        { manifest: lakeManifest({ key, hour, rows: file.rows, bucket, sizeBytes: file.sizeBytes, sha256: file.sha256 }), topic: 't', partition: 0, offset },
      ]);
      expect(result.snapshots).toHaveLength(1);
      return currentSnapshot((await lake.load('listening_events')).metadata)!;
    };

    // Snapshot 1: 120 rows of hour 10.
    first = await append('first-a', '10', 0, 120, 0);
    // A clear gap, so that a point strictly between the two snapshots exists at millisecond precision.
    await waitUntil('the clock 50 ms past the first snapshot', () => Date.now() > first['timestamp-ms'] + 50, 5_000, 5);
    // Snapshot 2: 30 more rows, of hour 11.
    second = await append('second-a', '11', 1_000, 30, 1);
    expect(second['parent-snapshot-id']).toBe(first['snapshot-id']);
    expect(second['timestamp-ms']).toBeGreaterThan(first['timestamp-ms'] + 1);

    engine = await DuckDbEngine.create(lake, reader, new FileMirror(io, join(work, 'cache')));
  }, 300_000);

  afterAll(async () => {
    await engine?.close();
    s3?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('reads the first snapshot at a point between the commits and at its own commit time, the second at its time and now', async () => {
    const between = Math.floor((first['timestamp-ms'] + second['timestamp-ms']) / 2);
    const points: Array<[string, number, { n: number; d: number; second: number }]> = [
      ['the first commit', first['timestamp-ms'], { n: 120, d: 120, second: 0 }],
      ['between the commits', between, { n: 120, d: 120, second: 0 }],
      ['the second commit', second['timestamp-ms'], { n: 150, d: 150, second: 30 }],
      ['now', Date.now(), { n: 150, d: 150, second: 30 }],
    ];
    for (const [name, ms, expected] of points) {
      const sql = countsSql(`listening_events FOR TIMESTAMP AS OF ${at(ms)}`);
      const [local] = (await engine.query(sql)).rows;
      expect({ point: name, ...counts(local) }).toEqual({ point: name, ...expected });
      if (trino) {
        const [row] = (await trino.query(sql)).rows;
        expect({ point: name, engine: 'trino', ...counts(row) }).toEqual({ point: name, engine: 'trino', ...expected });
      }
    }
    // Without a clause: the current snapshot, as before.
    expect(counts((await engine.query(countsSql('listening_events'))).rows[0])).toEqual({ n: 150, d: 150, second: 30 });
  });

  it('reads a snapshot by id with FOR VERSION AS OF, as Trino does', async () => {
    for (const [snapshot, expected] of [
      [first, { n: 120, d: 120, second: 0 }],
      [second, { n: 150, d: 150, second: 30 }],
    ] as const) {
      const sql = countsSql(`listening_events FOR VERSION AS OF ${snapshot['snapshot-id']}`);
      expect(counts((await engine.query(sql)).rows[0])).toEqual(expected);
      if (trino) expect(counts((await trino.query(sql)).rows[0])).toEqual(expected);
    }
  });

  it('reads the old and the current snapshot side by side in one query, the old one through the CLI too', async () => {
    const between = Math.floor((first['timestamp-ms'] + second['timestamp-ms']) / 2);
    const sql = `SELECT (SELECT COUNT(*) FROM listening_events FOR TIMESTAMP AS OF ${at(between)}) AS then_rows, (SELECT COUNT(*) FROM listening_events) AS now_rows`;
    expect((await engine.query(sql)).rows).toEqual([{ then_rows: 120, now_rows: 150 }]);
    if (trino) expect((await trino.query(sql)).rows.map((r) => ({ then_rows: Number(r.then_rows), now_rows: Number(r.now_rows) }))).toEqual([{ then_rows: 120, now_rows: 150 }]);

    // `npm run query -- "<SQL>"` is this command in a child process.
    let stdout = '';
    let stderr = '';
    const code = await runCli(['query', countsSql(`listening_events FOR TIMESTAMP AS OF ${at(between)}`), '--format', 'json'], {
      env: {
        S3_ENDPOINT: s3e.settings.endpoint,
        S3_REGION: s3e.settings.region,
        S3_FORCE_PATH_STYLE: String(s3e.settings.forcePathStyle),
        S3_ACCESS_KEY_ID: s3e.settings.accessKeyId,
        S3_SECRET_ACCESS_KEY: s3e.settings.secretAccessKey,
        ICEBERG_REST_URI: REST_URI,
        ICEBERG_NAMESPACE: namespace,
        STORAGE_LAKE_BUCKET: bucket,
        LOCAL_CACHE_DIR: join(work, 'cli-cache'),
        LOG_LEVEL: 'error',
      },
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toEqual([{ n: 120, d: 120, second: 0 }]);
  });

  it('refuses a point before the table had any snapshot, naming it, as Trino does', async () => {
    const sql = countsSql(`listening_events FOR TIMESTAMP AS OF ${at(first['timestamp-ms'] - 1)}`);
    await expect(engine.query(sql)).rejects.toThrow(/no snapshot at or before/);
    if (trino) await expect(trino.query(sql)).rejects.toThrow(/No version history .* at or before/);
  });
});

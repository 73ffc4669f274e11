/**
 * The saved queries answer the same on the local engine as on Athena: every query runs on Trino
 * (the engine Athena runs) and on catalog-sync's DuckDB engine over the same Iceberg snapshot, and
 * every value of every row must be equal. Trino reads the table through the REST catalog and S3 by
 * itself; nothing of ours sits between it and the files but the manifests we committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LakeCatalog, RestCatalog, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { startS3, TrinoClient, uniqueName } from '@spotify-pipeline/testkit';
import type { S3Client } from '@aws-sdk/client-s3';
import { TableCommitter } from '../../src/commit/table-committer';
import { DuckDbEngine } from '../../src/local/duckdb-engine';
import { FileMirror } from '../../src/local/file-mirror';
import { SAVED_QUERIES } from '../../src/queries/saved-queries';
import { lakeManifest } from '../fixtures/manifests';
import { upload, writeListeningParquet, writeTracksParquet } from '../fixtures/lake-files';

const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
const TRINO_URI = process.env.TRINO_URI;

/** Trino's JSON: dates and decimals are strings, integers and doubles numbers. DuckDB's cells likewise after toCell. */
const normalise = (value: unknown): unknown => (typeof value === 'bigint' ? Number(value) : value);

(TRINO_URI ? describe : describe.skip)('saved queries: Trino and the local DuckDB engine agree on one snapshot', () => {
  let s3: S3Client;
  let work: string;
  let engine: DuckDbEngine;
  const bucket = uniqueName('parity');
  const namespace = uniqueName('parity').replace(/-/g, '_');
  const trino = new TrinoClient({ uri: TRINO_URI ?? '', catalog: 'iceberg', schema: namespace });

  beforeAll(async () => {
    s3 = createS3Client((await startS3()).settings);
    await ensureBucket(s3, bucket);
    work = mkdtempSync(join(tmpdir(), 'parity-'));
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
    for (const table of LAKE_TABLES) await lake.ensureTable(table);
    const io = new S3FileIO(s3);
    const reader = new TableReader(io);
    const committer = new TableCommitter({ lake, io, reader, logger: createLogger({ service: 'test', level: 'silent' }) });
    // Two days, every third hour, two files an hour: ~5,000 plays with skips, episodes, several platforms.
    const adds = [];
    let offset = 0;
    for (const dt of ['2024-03-01', '2024-03-02']) {
      for (let h = 0; h < 24; h += 3) {
        const hour = String(h).padStart(2, '0');
        for (let f = 0; f < 2; f++) {
          const name = `${dt}-${hour}-${f}`;
          const file = await writeListeningParquet(work, name, { dt, hour, from: offset * 1_000, count: 150 + 17 * f + h });
          const key = `listening_events/data/ts_hour=${dt}-${hour}/${name}.parquet`;
          await upload(s3, bucket, key, file);
          adds.push({ manifest: lakeManifest({ key, dt, hour, rows: file.rows, bucket, sizeBytes: file.sizeBytes, sha256: file.sha256 }), topic: 't', partition: 0, offset: offset++ });
        }
      }
    }
    await committer.commit('listening_events', adds);
    const tracks = await writeTracksParquet(work, 'tracks');
    await upload(s3, bucket, 'tracks/data/tracks-1.parquet', tracks);
    const snapshot = { ...lakeManifest({ key: 'tracks/data/tracks-1.parquet', rows: tracks.rows, bucket, table: 'tracks', operation: 'compact', stagedKey: null, input: null, sizeBytes: tracks.sizeBytes }), partition: null };
    await committer.commit('tracks', [{ manifest: snapshot, topic: 't', partition: 0, offset: offset++ }]);
    engine = await DuckDbEngine.create(lake, reader, new FileMirror(io, join(work, 'cache')));
  }, 300_000);

  afterAll(async () => {
    await engine?.close();
    s3?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('counts the same rows', async () => {
    const [t] = (await trino.query('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM listening_events')).rows;
    const [d] = (await engine.query('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM listening_events')).rows;
    expect(Number(t!.n)).toBeGreaterThan(4_000);
    expect({ n: Number(d!.n), d: Number(d!.d) }).toEqual({ n: Number(t!.n), d: Number(t!.d) });
  });

  it.each(SAVED_QUERIES.map((q) => [q.name, q.sql]))('%s: every value of every row is equal', async (_name, sql) => {
    const onTrino = (await trino.query(sql)).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise(v)])));
    const onDuckDb = (await engine.query(sql)).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, normalise(v)])));
    expect(onTrino.length).toBeGreaterThan(0);
    expect(onDuckDb).toEqual(onTrino);
  });
});

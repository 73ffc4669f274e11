/**
 * Two live committers on one table, against the real REST catalog: the optimistic-concurrency
 * retry for real, not a classified 409 in a unit test. Committer A's catalog client goes through a
 * fetch that, on A's first table commit — A has loaded the table and written its snapshot's
 * manifests, and is about to send the commit — lets committer B commit first, to the end. The
 * interleaving is therefore the same on every run: A's commit asserts a parent that is no longer
 * main, the catalog answers 409 CommitFailed, and A must reload, re-plan on top of B's snapshot
 * and commit again, with nothing lost and no file twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { ADDED, currentSnapshot, LakeCatalog, RestCatalog, S3FileIO, TableReader, type TableMetadata } from '@spotify-pipeline/shared/iceberg';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { startS3, TrinoClient, uniqueName } from '@spotify-pipeline/testkit';
import { committedOffsets } from '../../src/commit/committed-offsets';
import type { PositionedManifest } from '../../src/commit/plan-table-commit';
import { TableCommitter } from '../../src/commit/table-committer';
import { lakeManifest } from '../fixtures/manifests';
import { upload, writeListeningParquet } from '../fixtures/lake-files';

const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
const TRINO_URI = process.env.TRINO_URI;
const TABLE = 'listening_events';
const TOPIC = 'pipeline.lake-files';

interface Committer {
  committer: TableCommitter;
  lake: LakeCatalog;
  /** HTTP status of each table commit this committer sent, in order. */
  commitStatuses: number[];
  /** Its log lines, parsed. */
  logs: Array<Record<string, unknown>>;
}

describe('two live committers on one table (real S3 server, Iceberg REST catalog; Trino when the stack has it)', () => {
  let s3: S3Client;
  let work: string;
  const bucket = uniqueName('race');

  beforeAll(async () => {
    s3 = createS3Client((await startS3()).settings);
    await ensureBucket(s3, bucket);
    work = mkdtempSync(join(tmpdir(), 'concurrent-committers-'));
  });

  afterAll(() => {
    s3?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /**
   * A committer with its own catalog client, file IO and reader, as another replica would have.
   * `beforeFirstCommit` runs, to its end, when this committer's first table commit is about to be
   * sent: the seam is RestCatalog's injectable fetch, so the committer's code runs unchanged.
   */
  function committerOn(namespace: string, beforeFirstCommit?: () => Promise<unknown>): Committer {
    const commitStatuses: number[] = [];
    const logs: Array<Record<string, unknown>> = [];
    let pending = beforeFirstCommit;
    const interleaving: typeof fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (init?.method !== 'POST' || !url.pathname.endsWith(`/namespaces/${namespace}/tables/${TABLE}`)) return fetch(input, init);
      const before = pending;
      pending = undefined;
      await before?.();
      const answer = await fetch(input, init);
      commitStatuses.push(answer.status);
      return answer;
    };
    // The other commit runs while this request's timeout is counting: far more than it needs.
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI, fetch: interleaving, timeoutMs: 120_000 }), namespace, bucket);
    const io = new S3FileIO(s3);
    const stream = new Writable({ write: (chunk, _enc, done) => void (logs.push(JSON.parse(String(chunk)) as Record<string, unknown>), done()) });
    const logger = createLogger({ service: 'test', level: 'info' }, stream as never);
    return { committer: new TableCommitter({ lake, io, reader: new TableReader(io), logger }), lake, commitStatuses, logs };
  }

  async function newTable(): Promise<{ namespace: string; lake: LakeCatalog }> {
    const namespace = uniqueName('race').replace(/-/g, '_');
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
    await lake.ensureTable(LAKE_TABLES.find((t) => t.name === TABLE)!);
    return { namespace, lake };
  }

  /** Writes a Parquet file of `count` events (event ids `<name>-<i>`) to the lake and returns its manifest at `offset`. */
  async function lakeFile(namespace: string, name: string, count: number, partition: number, offset: number): Promise<PositionedManifest & { rows: number }> {
    const file = await writeListeningParquet(work, `${namespace}-${name}`, { dt: '2024-03-01', hour: '10', from: offset * 1_000, count });
    const key = `${namespace}/${TABLE}/data/ts_hour=2024-03-01-10/${name}.parquet`;
    await upload(s3, bucket, key, file);
    return { manifest: lakeManifest({ key, rows: file.rows, bucket, sizeBytes: file.sizeBytes, sha256: file.sha256 }), topic: TOPIC, partition, offset, rows: file.rows };
  }

  const keysOf = (manifests: PositionedManifest[]): string[] => manifests.map((m) => `s3://${bucket}/${m.manifest.key}`);

  /**
   * What the table holds, read from its manifests: the live files of the current snapshot (one row
   * per manifest entry, so a file listed twice shows twice), and every file each snapshot of the
   * history added (so a file added by two snapshots shows twice too).
   */
  async function tableFiles(metadata: TableMetadata): Promise<{ live: string[]; addedEver: string[]; records: number }> {
    const reader = new TableReader(new S3FileIO(s3));
    const live = await reader.currentFiles(metadata);
    const addedEver: string[] = [];
    for (const snapshot of metadata.snapshots ?? []) {
      for (const manifest of await reader.manifestList(snapshot)) {
        if (manifest.addedSnapshotId !== snapshot['snapshot-id']) continue;
        for (const entry of await reader.entries(manifest)) if (entry.status === ADDED && entry.snapshotId === snapshot['snapshot-id']) addedEver.push(entry.dataFile.filePath);
      }
    }
    return { live: live.map((f) => f.entry.dataFile.filePath).sort(), addedEver: addedEver.sort(), records: live.reduce((n, f) => n + f.entry.dataFile.recordCount, 0) };
  }

  /** Trino reading the table by itself: every row once. */
  async function trinoCounts(namespace: string): Promise<{ n: number; d: number; files: string[] } | undefined> {
    if (!TRINO_URI) return undefined;
    const trino = new TrinoClient({ uri: TRINO_URI, catalog: 'iceberg', schema: namespace });
    const [row] = (await trino.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM ${TABLE}`)).rows;
    const files = (await trino.query(`SELECT file_path FROM "${TABLE}$files"`)).rows.map((r) => String(r.file_path)).sort();
    return { n: Number(row!.n), d: Number(row!.d), files };
  }

  it('the commit that loses the race gets 409, reloads, and lands on top of the winner: both batches in the table, each file once', async () => {
    const { namespace, lake } = await newTable();
    // Each committer owns partitions of the manifest topic, as replicas of catalog-sync do: B has
    // partition 1 and has committed before; A has partition 0.
    const b0 = await lakeFile(namespace, 'b0', 40, 1, 0);
    const [a0, a1] = [await lakeFile(namespace, 'a0', 70, 0, 0), await lakeFile(namespace, 'a1', 50, 0, 1)];
    const [b1, b2] = [await lakeFile(namespace, 'b1', 30, 1, 1), await lakeFile(namespace, 'b2', 20, 1, 2)];
    const b = committerOn(namespace);
    await b.committer.commit(TABLE, [b0]);
    const parent = currentSnapshot((await lake.load(TABLE)).metadata)!;

    let bWhileA: Awaited<ReturnType<TableCommitter['commit']>> | undefined;
    const a = committerOn(namespace, async () => {
      bWhileA = await b.committer.commit(TABLE, [b1, b2]);
    });
    const aResult = await a.committer.commit(TABLE, [a0, a1]);

    // B won: one append, sent once, on top of the parent A had loaded.
    expect(bWhileA!.snapshots.map((s) => [s.operation, s.files])).toEqual([['append', 2]]);
    expect(b.commitStatuses).toEqual([200, 200]);
    // A lost the race once: its first commit was refused with 409, the retry was counted, the second landed.
    expect(a.commitStatuses).toEqual([409, 200]);
    const retries = a.logs.filter((l) => l.msg === 'CommitRetried');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ table: TABLE, attempt: 1 });
    expect(String(retries[0]!.reason)).toMatch(/HTTP 409 CommitFailedException/);
    expect(a.logs.filter((l) => l.msg === 'SnapshotCommitted')).toHaveLength(1);
    expect(aResult.snapshots.map((s) => [s.operation, s.files])).toEqual([['append', 2]]);

    const metadata = (await lake.load(TABLE)).metadata;
    const current = currentSnapshot(metadata)!;
    // History is linear: parent ← B's append ← A's append (re-planned on B's, not on the stale parent).
    const bSnapshot = metadata.snapshots!.find((s) => s['snapshot-id'] === current['parent-snapshot-id'])!;
    expect(bSnapshot['parent-snapshot-id']).toBe(parent['snapshot-id']);
    expect(metadata.snapshots).toHaveLength(3);
    // Every file in the current snapshot exactly once, and no snapshot ever added one a second time.
    const all = [b0, a0, a1, b1, b2];
    const files = await tableFiles(metadata);
    expect(files.live).toEqual(keysOf(all).sort());
    expect(files.addedEver).toEqual(keysOf(all).sort());
    const rows = all.reduce((n, m) => n + m.rows, 0);
    expect(files.records).toBe(rows);
    expect(current.summary['total-records']).toBe(String(rows));
    // Both committers' progress is kept: A's summary merged B's partition 1 with its own partition 0.
    expect(committedOffsets(metadata)).toEqual({ [TOPIC]: { '0': 2, '1': 3 } });

    const trino = await trinoCounts(namespace);
    if (trino) expect(trino).toEqual({ n: rows, d: rows, files: keysOf(all).sort() });
  });

  it('a zombie committing what the new owner already committed: 409, then it commits nothing', async () => {
    const { namespace, lake } = await newTable();
    // After a rebalance both hold partition 0: the zombie still offsets 0-1, the new owner 0-2.
    const z0 = await lakeFile(namespace, 'z0', 60, 0, 0);
    const z1 = await lakeFile(namespace, 'z1', 45, 0, 1);
    const z2 = await lakeFile(namespace, 'z2', 35, 0, 2);
    const owner = committerOn(namespace);
    const zombie = committerOn(namespace, () => owner.committer.commit(TABLE, [z0, z1, z2]));
    const zombieResult = await zombie.committer.commit(TABLE, [z0, z1]);

    expect(owner.commitStatuses).toEqual([200]);
    // The zombie's one commit was refused; re-planned against the owner's snapshot it had nothing left to commit.
    expect(zombie.commitStatuses).toEqual([409]);
    expect(zombie.logs.filter((l) => l.msg === 'CommitRetried')).toHaveLength(1);
    expect(zombieResult.snapshots).toEqual([]);
    expect(zombieResult.plan.appends).toEqual([]);

    const metadata = (await lake.load(TABLE)).metadata;
    expect(metadata.snapshots).toHaveLength(1);
    const all = [z0, z1, z2];
    const files = await tableFiles(metadata);
    expect(files.live).toEqual(keysOf(all).sort());
    expect(files.addedEver).toEqual(keysOf(all).sort());
    const rows = all.reduce((n, m) => n + m.rows, 0);
    expect(files.records).toBe(rows);
    expect(committedOffsets(metadata)).toEqual({ [TOPIC]: { '0': 3 } });

    const trino = await trinoCounts(namespace);
    if (trino) expect(trino).toEqual({ n: rows, d: rows, files: keysOf(all).sort() });
  });
});

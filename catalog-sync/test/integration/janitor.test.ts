/**
 * Storage stays bounded: the janitor expires old snapshots through the catalog and deletes what no
 * retained snapshot references (compacted-away inputs, orphans of crashed writers), and never a
 * file a reader of the current snapshot needs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { currentSnapshot, LakeCatalog, RestCatalog, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { startS3, uniqueName } from '@spotify-pipeline/testkit';
import { TableCommitter } from '../../src/commit/table-committer';
import { Janitor } from '../../src/maintenance/janitor';
import { createSyncMetrics } from '../../src/sync/sync-metrics';
import { lakeManifest } from '../fixtures/manifests';
import { compactParquet, upload, writeListeningParquet } from '../fixtures/lake-files';

const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
const logger = createLogger({ service: 'test', level: 'silent' });

describe('Janitor (real S3 server, Iceberg REST catalog)', () => {
  let s3: S3Client;
  let work: string;
  const bucket = uniqueName('janitor');
  const namespace = uniqueName('janitor').replace(/-/g, '_');

  beforeAll(async () => {
    s3 = createS3Client((await startS3()).settings);
    await ensureBucket(s3, bucket);
    work = mkdtempSync(join(tmpdir(), 'janitor-'));
  });
  afterAll(() => {
    s3?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('expires old snapshots and deletes unreferenced files, keeping every file of the current snapshot', async () => {
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
    for (const table of LAKE_TABLES) await lake.ensureTable(table);
    const io = new S3FileIO(s3);
    const reader = new TableReader(io);
    const committer = new TableCommitter({ lake, io, reader, logger });
    const key = (name: string) => `listening_events/data/ts_hour=2024-03-01-10/${name}.parquet`;
    const files = [];
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const file = await writeListeningParquet(work, name, { dt: '2024-03-01', hour: '10', from: i * 100, count: 100 });
      await upload(s3, bucket, key(name), file);
      files.push(file);
      await committer.commit('listening_events', [{ manifest: lakeManifest({ key: key(name), rows: 100, bucket, sizeBytes: file.sizeBytes }), topic: 't', partition: 0, offset: i }]);
    }
    const merged = await compactParquet(work, 'ab', [files[0]!.path, files[1]!.path]);
    await upload(s3, bucket, key('compacted-ab'), merged);
    await committer.commit('listening_events', [
      { manifest: lakeManifest({ key: key('compacted-ab'), rows: 200, bucket, operation: 'compact', replaces: [key('a'), key('b')], stagedKey: null, input: null, sizeBytes: merged.sizeBytes }), topic: 't', partition: 0, offset: 3 },
    ]);
    // An orphan: written by a writer that died before its manifest was committed.
    await upload(s3, bucket, key('orphan'), files[2]!);
    const before = (await lake.load('listening_events')).metadata;
    expect(before.snapshots).toHaveLength(4);

    const janitor = new Janitor({ lake, io, reader, policy: { maxAgeMs: 0, minSnapshots: 1, orphanMinAgeMs: 0 }, metrics: createSyncMetrics(createRegistry('catalog-sync', false)), logger });
    const report = await janitor.clean('listening_events');

    const after = (await lake.load('listening_events')).metadata;
    expect(after.snapshots!.map((s) => s['snapshot-id'])).toEqual([currentSnapshot(before)!['snapshot-id']]);
    const remaining = (await io.list(`s3://${bucket}/listening_events/data/`)).map((o) => o.uri.slice(o.uri.lastIndexOf('/') + 1)).sort();
    expect(remaining).toEqual(['c.parquet', 'compacted-ab.parquet']);
    expect(report).toMatchObject({ expiredSnapshots: 3, deletedData: 3 });
    // What must not happen: a file of the current snapshot deleted.
    const live = (await reader.currentFiles(after)).map((f) => f.entry.dataFile.filePath.slice(f.entry.dataFile.filePath.lastIndexOf('/') + 1)).sort();
    expect(live).toEqual(remaining);
    const metadataLeft = (await io.list(`s3://${bucket}/listening_events/metadata/`)).filter((o) => o.uri.endsWith('.avro')).length;
    expect(metadataLeft).toBeGreaterThan(0);
    // A second round finds nothing more to do.
    expect(await janitor.clean('listening_events')).toMatchObject({ expiredSnapshots: 0, deletedData: 0, deletedMetadata: 0 });
  });
});

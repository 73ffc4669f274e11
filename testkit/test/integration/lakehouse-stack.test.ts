/**
 * The lakehouse half of the local stack, end to end: Trino (Athena's engine) writes and reads an
 * Iceberg table through Apache Iceberg's REST catalog, its data and metadata in the S3 server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import {
  startIcebergCatalog,
  startS3,
  startTrino,
  TRINO_ICEBERG_CATALOG,
  TrinoClient,
  TrinoQueryError,
  uniqueName,
  type IcebergCatalogEndpoint,
  type S3Endpoint,
  type TrinoEndpoint,
} from '@spotify-pipeline/testkit';

async function listKeys(s3: S3Client, bucket: string, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

async function removeBucket(s3: S3Client, bucket: string): Promise<void> {
  const keys = await listKeys(s3, bucket);
  if (keys.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }));
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

describe('lakehouse stack: Trino on the Iceberg REST catalog and the S3 server', () => {
  let s3e: S3Endpoint;
  let catalog: IcebergCatalogEndpoint;
  let trino: TrinoEndpoint;
  let s3: S3Client;
  let sql: TrinoClient;
  const bucket = uniqueName('lakehouse');
  // Trino folds identifiers to lower case and dashes would need quoting: a plain SQL name.
  const schema = uniqueName('lakehouse').replace(/-/g, '_');

  beforeAll(async () => {
    s3e = await startS3();
    catalog = await startIcebergCatalog(s3e);
    trino = await startTrino(s3e, catalog);
    s3 = createS3Client(s3e.settings);
    await ensureBucket(s3, bucket);
    sql = new TrinoClient({ uri: trino.uri, catalog: TRINO_ICEBERG_CATALOG, schema });
  });

  afterAll(async () => {
    await sql.query('DROP TABLE IF EXISTS plays').catch(() => undefined);
    await sql.query(`DROP SCHEMA IF EXISTS ${TRINO_ICEBERG_CATALOG}.${schema}`).catch(() => undefined);
    await removeBucket(s3, bucket);
    s3.destroy();
    await trino.stop();
    await catalog.stop();
    await s3e.stop();
  });

  it('serves the REST catalog protocol', async () => {
    const res = await fetch(`${catalog.uri}/v1/config`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ defaults: expect.any(Object), overrides: expect.any(Object) });
  });

  it('creates an hour(ts)-partitioned table at an explicit location, writes it, reads it back and lists its files', async () => {
    await sql.query(`CREATE SCHEMA ${TRINO_ICEBERG_CATALOG}.${schema}`);
    await sql.query(
      `CREATE TABLE plays (event_id varchar, user_id varchar, ms_played bigint, ts timestamp(6) with time zone)
       WITH (format = 'PARQUET', partitioning = ARRAY['hour(ts)'], location = 's3://${bucket}/plays')`,
    );
    const inserted = await sql.query(
      `INSERT INTO plays VALUES
         ('e1', 'u1', 1000, TIMESTAMP '2024-05-01 10:15:00.123456 UTC'),
         ('e2', 'u2', 2000, TIMESTAMP '2024-05-01 10:45:00 UTC'),
         ('e3', 'u1', 3000, TIMESTAMP '2024-05-01 11:05:00 UTC')`,
    );
    expect(inserted.updateType).toBe('INSERT');
    expect(inserted.rows).toEqual([{ rows: 3 }]);

    const read = await sql.query('SELECT event_id, user_id, ms_played, ts FROM plays ORDER BY event_id');
    expect(read.columns).toEqual([
      { name: 'event_id', type: 'varchar' },
      { name: 'user_id', type: 'varchar' },
      { name: 'ms_played', type: 'bigint' },
      { name: 'ts', type: 'timestamp(6) with time zone' },
    ]);
    expect(read.rows).toEqual([
      { event_id: 'e1', user_id: 'u1', ms_played: 1000, ts: '2024-05-01 10:15:00.123456 UTC' },
      { event_id: 'e2', user_id: 'u2', ms_played: 2000, ts: '2024-05-01 10:45:00.000000 UTC' },
      { event_id: 'e3', user_id: 'u1', ms_played: 3000, ts: '2024-05-01 11:05:00.000000 UTC' },
    ]);

    // One Parquet file per hour partition, under the table's own location in the fresh bucket.
    const files = await sql.query('SELECT file_path, file_format, record_count FROM "plays$files" ORDER BY file_path');
    expect(files.rows).toHaveLength(2);
    for (const file of files.rows) {
      expect(file.file_path).toMatch(new RegExp(`^s3://${bucket}/plays/data/ts_hour=2024-05-01-1[01]/.+\\.parquet$`));
      expect(file.file_format).toBe('PARQUET');
    }
    expect(files.rows.map((f) => f.record_count).sort()).toEqual([1, 2]);
    const keys = await listKeys(s3, bucket, 'plays/');
    for (const file of files.rows) expect(keys).toContain(String(file.file_path).slice(`s3://${bucket}/`.length));
    expect(keys.some((k) => k.startsWith('plays/metadata/') && k.endsWith('.metadata.json'))).toBe(true);

    // The table is the REST catalog's: it names the metadata file Trino committed last.
    const res = await fetch(`${catalog.uri}/v1/namespaces/${schema}/tables/plays`);
    expect(res.status).toBe(200);
    const table = (await res.json()) as { 'metadata-location': string };
    expect(table['metadata-location']).toMatch(new RegExp(`^s3://${bucket}/plays/metadata/.+\\.metadata\\.json$`));
  });

  it("surfaces Trino's error name and message for a failing query", async () => {
    const failure = await sql.query('SELECT * FROM no_such_table').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(TrinoQueryError);
    expect(failure).toMatchObject({ errorName: 'TABLE_NOT_FOUND' });
  });

  describe("a private catalog in its own state dir (restarting the run's shared one would disturb other tests)", () => {
    let stateDir: string;
    const localOnly = { TESTKIT_MODE: 'local' } as NodeJS.ProcessEnv;

    beforeEach(() => {
      stateDir = mkdtempSync(join(tmpdir(), 'testkit-catalog-'));
    });
    afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

    async function createNamespace(uri: string): Promise<string> {
      const namespace = uniqueName('persist').replace(/-/g, '_');
      const res = await fetch(`${uri}/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ namespace: [namespace] }) });
      expect(res.status).toBe(200);
      return namespace;
    }

    async function namespaces(uri: string): Promise<string[][]> {
      return ((await (await fetch(`${uri}/v1/namespaces`)).json()) as { namespaces: string[][] }).namespaces;
    }

    it('keeps its namespaces across a restart of the server (SQLite file in the data dir, not in memory)', async () => {
      const own = await startIcebergCatalog(s3e, { stateDir, env: localOnly });
      try {
        const namespace = await createNamespace(own.uri);
        await own.restart(200);
        expect(await namespaces(own.uri)).toContainEqual([namespace]);
      } finally {
        await own.stop();
      }
    });

    it('replaces a running catalog configured for another S3 endpoint instead of reusing it, keeping its tables', async () => {
      const first = await startIcebergCatalog(s3e, { stateDir, env: localOnly });
      const namespace = await createNamespace(first.uri);
      // The same S3 server under another name stands for an S3 server that was replaced since.
      const renamed = { ...s3e, settings: { ...s3e.settings, endpoint: s3e.settings.endpoint.replace('127.0.0.1', 'localhost') } };
      const second = await startIcebergCatalog(renamed, { stateDir, env: localOnly });
      try {
        expect(second.uri).not.toBe(first.uri);
        expect(await fetch(`${first.uri}/v1/config`).then(() => 'answered', () => 'gone')).toBe('gone');
        expect(await namespaces(second.uri)).toContainEqual([namespace]);
      } finally {
        await second.stop();
      }
    });
  });
});

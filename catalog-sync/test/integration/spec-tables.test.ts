/**
 * Tables declared in spec files (issue 16), as a deployment runs them: catalog-sync started with
 * TABLE_SPECS_DIR creates each spec's Iceberg table (schema and whole partition spec) in the real
 * REST catalog next to the built-in ones, and Trino, Athena's engine, reads them as declared. A
 * bad spec stops the start with one line per problem, before anything is consumed.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { startIcebergCatalog, startKafka, startS3, startTrino, stackEnv, TRINO_ICEBERG_CATALOG, TrinoClient, uniqueName, type KafkaEndpoint, type S3Endpoint, type TrinoEndpoint, type IcebergCatalogEndpoint } from '@spotify-pipeline/testkit';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { TableSpecError } from '@spotify-pipeline/shared/table-spec';
import type { ServiceApp } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import { runCli } from '../../src/cli/run-cli';

const FIXTURES = join(__dirname, '../../../shared/test/unit/table-spec/fixtures');
/** Trino rows are objects keyed by column name; these statements' answers are read by position. */
const cells = (row: Record<string, unknown>): unknown[] => Object.values(row);

describe('tables from spec files in the catalog (real REST catalog, S3 server, Trino)', () => {
  let kafka: KafkaEndpoint;
  let s3e: S3Endpoint;
  let catalog: IcebergCatalogEndpoint;
  let trino: TrinoEndpoint;
  let s3: S3Client;
  let app: ServiceApp | undefined;
  let specsDir: string;
  let env: Record<string, string>;
  const bucket = uniqueName('spec-lake');
  const namespace = uniqueName('specs').replace(/-/g, '_');

  beforeAll(async () => {
    [kafka, s3e] = await Promise.all([startKafka(), startS3()]);
    catalog = await startIcebergCatalog(s3e);
    trino = await startTrino(s3e, catalog);
    s3 = createS3Client(s3e.settings);
    await ensureBucket(s3, bucket);
    specsDir = mkdtempSync(join(tmpdir(), 'spec-tables-'));
    cpSync(join(FIXTURES, 'web_clicks.table.yaml'), join(specsDir, 'web_clicks.table.yaml'));
    cpSync(join(FIXTURES, 'web_clicks.schema.json'), join(specsDir, 'web_clicks.schema.json'));
    env = {
      ...stackEnv(kafka, s3e, { catalog }),
      STORAGE_LAKE_BUCKET: bucket,
      ICEBERG_NAMESPACE: namespace,
      TABLE_SPECS_DIR: specsDir,
      CATALOG_GROUP_ID: uniqueName('catalog-sync'),
      TOPICS_STAGED_FILES: uniqueName('specs-staged'),
      TOPICS_LAKE_FILES: uniqueName('specs-lake'),
      LOCAL_CACHE_DIR: join(specsDir, 'cache'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
    };
  });

  afterAll(async () => {
    await app?.close();
    const sql = new TrinoClient({ uri: trino.uri, catalog: TRINO_ICEBERG_CATALOG, schema: namespace });
    for (const table of ['web_clicks', 'listening_events', 'tracks']) await sql.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await sql.query(`DROP SCHEMA IF EXISTS ${TRINO_ICEBERG_CATALOG}.${namespace}`).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
    s3?.destroy();
    rmSync(specsDir, { recursive: true, force: true });
  });

  it('creates the spec table beside the built-in ones, with the columns and the partitioning Trino reads back', async () => {
    app = buildApp(readConfig(env), { logger: createLogger({ service: 'catalog-sync', level: 'silent' }), registry: createRegistry('catalog-sync', false) });
    await app.start();
    const sql = new TrinoClient({ uri: trino.uri, catalog: TRINO_ICEBERG_CATALOG, schema: namespace });
    const tables = (await sql.query('SHOW TABLES')).rows.map((r) => cells(r)[0]).sort();
    expect(tables).toEqual(['listening_events', 'tracks', 'web_clicks']);
    const columns = (await sql.query('DESCRIBE web_clicks')).rows.map((r) => `${cells(r)[0]} ${cells(r)[1]}`);
    expect(columns).toEqual([
      'click_id varchar',
      'occurred_at_ms timestamp(6)',
      'user_id varchar',
      'device varchar',
      'page_url varchar',
      'page_referrer varchar',
      'page_load_ms double',
      'tags varchar',
      'page_host varchar',
    ]);
    const ddl = String(cells((await sql.query('SHOW CREATE TABLE web_clicks')).rows[0]!)[0]);
    expect(ddl).toContain(`partitioning = ARRAY['day(occurred_at_ms)','device','bucket(user_id, 8)']`);
    expect((await sql.query('SELECT count(*) AS n FROM web_clicks')).rows).toEqual([{ n: 0 }]);
    // The local query engine sees every table of the namespace, the spec's included.
    let stdout = '';
    const code = await runCli(['query', 'SELECT count(*) AS n FROM web_clicks', '--format', 'csv'], { env, stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => undefined } });
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'n\r\n0\r\n' });
  });

  it('refuses to start with a bad spec: one line per problem, nothing created', async () => {
    const badDir = mkdtempSync(join(tmpdir(), 'spec-tables-bad-'));
    try {
      cpSync(join(FIXTURES, 'web_clicks.schema.json'), join(badDir, 'orders.schema.json'));
      writeFileSync(
        join(badDir, 'orders.table.yaml'),
        ['spec_version: 1', 'table: orders', 'topics: [orders]', 'schema: orders.schema.json', 'event_time: { field: created_at, format: iso }', 'partitioning: { time: hour, fields: [{ field: user_id, transform: identity }] }', 'derived_columns:', '  - { name: x, type: int, sql: "e.click_id +" }'].join('\n'),
      );
      const namespaceBad = uniqueName('specs_bad').replace(/-/g, '_');
      const bad = buildApp(readConfig({ ...env, TABLE_SPECS_DIR: badDir, ICEBERG_NAMESPACE: namespaceBad }), { logger: createLogger({ service: 'catalog-sync', level: 'silent' }), registry: createRegistry('catalog-sync', false) });
      const started = bad.start();
      await expect(started).rejects.toBeInstanceOf(TableSpecError);
      const lines = ((await started.catch((err: unknown) => err)) as TableSpecError).lines;
      expect(lines).toEqual([
        expect.stringMatching(/orders\.table\.yaml: event_time\.field: created_at is not a field of the schema — fix: /),
        expect.stringMatching(/orders\.table\.yaml: partitioning\.fields\[0\]\.field: user_id has unbounded values: .* — fix: /),
      ]);
      await bad.close();
      const sql = new TrinoClient({ uri: trino.uri, catalog: TRINO_ICEBERG_CATALOG });
      expect((await sql.query(`SHOW SCHEMAS LIKE '${namespaceBad}'`)).rows).toEqual([]);
    } finally {
      rmSync(badDir, { recursive: true, force: true });
    }
  });
});

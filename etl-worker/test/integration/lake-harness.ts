import { existsSync, mkdtempSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import pino from 'pino';
import { readTopic, stackEnv, TRINO_ICEBERG_CATALOG, TrinoClient, uniqueName, waitUntil, type KafkaEndpoint, type S3Endpoint } from '@spotify-pipeline/testkit';
import { RestCatalog } from '@spotify-pipeline/shared/iceberg';
import { createIdempotentProducer, disconnect, flush, KafkaAdmin, type Message } from '@spotify-pipeline/shared/kafka';
import { createRegistry, type Registry } from '@spotify-pipeline/shared/metrics';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { lakeFileManifestV1, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { ServiceApp } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import { stagedObject } from '../fixtures/listening-events';
import { TestCommitter } from './test-committer';

// hysnappy (hyparquet-compressors' SNAPPY, a wasm ESM module) is outside the root jest config's
// transform list; the lake is ZSTD, so its snappy decoder is stubbed rather than loaded.
jest.mock('hysnappy', () => ({
  snappyUncompressor: () => () => {
    throw new Error('SNAPPY is not used by the lake');
  },
}));

export const PARTITIONS = 3;

/**
 * The Iceberg REST catalog and Trino of the test run: jest's global setup exports their URIs; a
 * run against a stack started by hand (`npm run stack`) finds them at their usual ports.
 */
export const ICEBERG_REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
export const TRINO_URI = process.env.TRINO_URI ?? 'http://127.0.0.1:8282';

/** One isolated pipeline: its own topics, buckets and Iceberg namespace on the shared broker, S3 server and catalog. */
export class LakeHarness {
  readonly s3: S3Client;
  readonly admin: KafkaAdmin;
  readonly catalog = new RestCatalog({ uri: ICEBERG_REST_URI });
  /** Iceberg namespaces are SQL schemas in Trino: letters, digits and underscores only. */
  readonly namespace = uniqueName('etl').replace(/-/g, '_');
  readonly committer: TestCommitter;
  readonly names = {
    stagedFiles: uniqueName('staged-files'),
    lakeFiles: uniqueName('lake-files'),
    tracks: uniqueName('tracks'),
    dlq: uniqueName('etl-dlq'),
    listeningEvents: uniqueName('listening-events'),
    stagingBucket: uniqueName('staging'),
    lakeBucket: uniqueName('lake'),
  };
  private readonly apps: ServiceApp[] = [];
  private readonly registries = new Map<ServiceApp, Registry>();
  private nextOffset = new Map<number, number>();
  /** The workers' ETL_TMP_DIR: a SIGKILLed worker cannot remove its temp files, so they go where tearDown does. */
  private readonly tmpDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'etl-test-'));

  constructor(
    readonly kafka: KafkaEndpoint,
    readonly s3Endpoint: S3Endpoint,
  ) {
    this.s3 = createS3Client(s3Endpoint.settings);
    this.admin = KafkaAdmin.create(kafka.settings, 'etl-test-admin');
    this.committer = new TestCommitter(this.catalog, this.namespace, this.s3);
  }

  async setUp(): Promise<void> {
    const { names } = this;
    await this.admin.ensureTopics(
      [names.stagedFiles, names.lakeFiles, names.tracks, names.dlq].map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })),
    );
    await ensureBucket(this.s3, names.stagingBucket);
    await ensureBucket(this.s3, names.lakeBucket);
  }

  /** The environment of a worker on this pipeline (the same for in-process and child-process runs). */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    const { names } = this;
    return {
      ...stackEnv(this.kafka, this.s3Endpoint),
      TOPICS_STAGED_FILES: names.stagedFiles,
      TOPICS_LAKE_FILES: names.lakeFiles,
      TOPICS_TRACKS: names.tracks,
      TOPICS_DLQ: names.dlq,
      TOPICS_LISTENING_EVENTS: names.listeningEvents,
      STORAGE_STAGING_BUCKET: names.stagingBucket,
      STORAGE_LAKE_BUCKET: names.lakeBucket,
      ETL_GROUP_ID: `${names.stagedFiles}-etl`,
      ETL_TRANSACTIONAL_ID: `${names.stagedFiles}-etl-txn`,
      ETL_TRACKS_GROUP_ID: `${names.stagedFiles}-tracks`,
      ETL_COMPACTION_GROUP_ID: `${names.stagedFiles}-compactor`,
      ETL_COMPACTION_INTERVAL_MS: '0',
      ETL_TRACKS_SNAPSHOT_INTERVAL_MS: '0',
      ETL_DUCKDB_THREADS: '1',
      ETL_DUCKDB_MEMORY_LIMIT_MB: '256',
      ETL_TMP_DIR: this.tmpDir,
      ETL_TRANSACTION_TIMEOUT_MS: '20000',
      ICEBERG_REST_URI,
      ICEBERG_NAMESPACE: this.namespace,
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      ...overrides,
    };
  }

  async startWorker(overrides: Record<string, string> = {}): Promise<ServiceApp> {
    const config = readConfig(this.env(overrides));
    const registry = createRegistry('etl-worker-test', false);
    const app = buildApp(config, { logger: pino({ level: process.env.ETL_TEST_LOG_LEVEL ?? 'warn' }), registry });
    this.registries.set(app, registry);
    this.apps.push(app);
    await app.start();
    app.done?.catch(() => undefined);
    return app;
  }

  /** A counter of an in-process worker (its own registry), e.g. to wait for compaction rounds. */
  async counter(app: ServiceApp, name: string): Promise<number> {
    const metric = await this.registries.get(app)?.getSingleMetric(name)?.get();
    return metric?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
  }

  /** Uploads a staged object and publishes its manifest, exactly as the sink does (docs/design.md). */
  async stage(partition: number, lines: string[], eventTimesMs?: number[]): Promise<StagedFileManifest> {
    const firstOffset = this.nextOffset.get(partition) ?? 0;
    this.nextOffset.set(partition, firstOffset + lines.length);
    const { body, manifest } = stagedObject({ bucket: this.names.stagingBucket, topic: this.names.listeningEvents, partition, firstOffset, lines, eventTimesMs });
    await this.s3.send(new PutObjectCommand({ Bucket: manifest.bucket, Key: manifest.key, Body: body, ContentLength: body.length }));
    await this.publish(this.names.stagedFiles, [{ partition, key: manifest.key, value: JSON.stringify(manifest) }]);
    return manifest;
  }

  async publish(topic: string, records: Array<{ partition?: number; key: string; value: string | null }>): Promise<void> {
    const producer = await createIdempotentProducer(this.kafka.settings, { clientId: 'etl-test-producer' });
    for (const r of records) producer.produce(topic, r.partition ?? null, r.value === null ? null : Buffer.from(r.value), r.key);
    await flush(producer, 30_000);
    await disconnect(producer);
  }

  lakeManifests(): Promise<LakeFileManifest[]> {
    return readTopic(this.kafka.settings, this.names.lakeFiles, PARTITIONS).then((ms) => ms.map((m) => lakeFileManifestV1.parse(JSON.parse(m.value!.toString()))));
  }

  dlqMessages(): Promise<Message[]> {
    return readTopic(this.kafka.settings, this.names.dlq, PARTITIONS);
  }

  /** Waits until the lake manifests mention every given staged key; returns all manifests. */
  async waitForStaged(keys: string[], timeoutMs = 120_000): Promise<LakeFileManifest[]> {
    return waitUntil(`lake manifests for ${keys.length} staged objects`, async () => {
      const manifests = await this.lakeManifests();
      const seen = new Set(manifests.map((m) => m.staged_key));
      return keys.every((k) => seen.has(k)) ? manifests : undefined;
    }, timeoutMs, 500);
  }

  /** Trino (Athena's engine) on the same catalog, this harness's namespace as its schema. */
  trino(): TrinoClient {
    return new TrinoClient({ uri: TRINO_URI, catalog: TRINO_ICEBERG_CATALOG, schema: this.namespace, timeoutMs: 60_000 });
  }

  async getObject(key: string): Promise<Buffer> {
    const response = await this.s3.send(new GetObjectCommand({ Bucket: this.names.lakeBucket, Key: key }));
    return Buffer.from(await response.Body!.transformToByteArray());
  }

  async tearDown(): Promise<void> {
    for (const app of this.apps) await app.close();
    await this.admin.close();
    this.s3.destroy();
    await rm(this.tmpDir, { recursive: true, force: true });
  }
}

/**
 * The distinct data files the `add` manifests name: a replayed staged object rewrites the same
 * key, so each file once, however often it was announced (the committer skips a live path too).
 */
export function distinctAdds(manifests: LakeFileManifest[], table = 'listening_events'): LakeFileManifest[] {
  const byKey = new Map<string, LakeFileManifest>();
  for (const m of manifests) if (m.operation === 'add' && m.table === table && !byKey.has(m.key)) byKey.set(m.key, m);
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/** Reads lake Parquet objects with two independent readers: DuckDB SQL and hyparquet. */
export class LakeReader {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly dir: string,
  ) {}

  static async create(): Promise<LakeReader> {
    const instance = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false', threads: '1' });
    return new LakeReader(instance, await mkdtemp(join(tmpdir(), 'etl-reader-')));
  }

  async duckdb(bodies: Buffer[], sql: (from: string) => string): Promise<Array<Record<string, unknown>>> {
    const paths = await Promise.all(
      bodies.map(async (body, i) => {
        const path = join(this.dir, `${uniqueName('f')}-${i}.parquet`);
        await writeFile(path, body);
        return path;
      }),
    );
    const connection = await this.instance.connect();
    try {
      const from = bodies.length === 0 ? `(SELECT NULL AS event_id WHERE false)` : `read_parquet([${paths.map((p) => `'${p}'`).join(', ')}], union_by_name = true, hive_partitioning = false)`;
      return (await connection.runAndReadAll(sql(from))).getRowObjectsJson() as Array<Record<string, unknown>>;
    } finally {
      connection.closeSync();
      await Promise.all(paths.map((p) => rm(p, { force: true })));
    }
  }

  /** Column name → Iceberg field id, as the file's own Parquet schema carries them. */
  async fieldIds(body: Buffer): Promise<Record<string, number>> {
    const path = join(this.dir, `${uniqueName('schema')}.parquet`);
    await writeFile(path, body);
    const connection = await this.instance.connect();
    try {
      const schema = (await connection.runAndReadAll(`SELECT name, field_id FROM parquet_schema('${path}') WHERE name <> 'duckdb_schema'`)).getRowObjectsJson();
      return Object.fromEntries(schema.map((r) => [String(r.name), Number(r.field_id)]));
    } finally {
      connection.closeSync();
      await rm(path, { force: true });
    }
  }

  async hyparquet(body: Buffer): Promise<Array<Record<string, unknown>>> {
    const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
    return parquetReadObjects({ file, compressors });
  }

  async close(): Promise<void> {
    this.instance.closeSync();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * The committer killed at the two worst moments, for real (SIGKILL of the service process at a
 * fault point): after writing a snapshot's manifests but before the catalog commit, and after the
 * commit but before the Kafka offsets. Restarted each time, it must end with every file in the
 * table exactly once: Trino, reading the table by itself, counts every row once.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { committedOffsets as kafkaCommitted, createConsumer, closeConsumer, KafkaAdmin, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { currentSnapshot, LakeCatalog, RestCatalog } from '@spotify-pipeline/shared/iceberg';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { ServiceProcess, stackEnv, startKafka, startS3, TrinoClient, uniqueName, waitUntil, type KafkaEndpoint, type S3Endpoint } from '@spotify-pipeline/testkit';
import { lakeManifest } from '../fixtures/manifests';
import { upload, writeListeningParquet } from '../fixtures/lake-files';

const REST_URI = process.env.ICEBERG_REST_URI ?? 'http://127.0.0.1:8181';
const TRINO_URI = process.env.TRINO_URI;

(TRINO_URI ? describe : describe.skip)('the Iceberg committer killed between its steps (SIGKILL at fault points, Trino counts)', () => {
  let kafka: KafkaEndpoint;
  let s3e: S3Endpoint;
  let s3: S3Client;
  let work: string;
  const services: ServiceProcess[] = [];
  const bucket = uniqueName('crash');
  const namespace = uniqueName('crash').replace(/-/g, '_');
  const lakeFiles = uniqueName('crash-lake');
  const group = uniqueName('crash-catalog');

  beforeAll(async () => {
    [kafka, s3e] = await Promise.all([startKafka(), startS3()]);
    s3 = createS3Client(s3e.settings);
    await ensureBucket(s3, bucket);
    work = mkdtempSync(join(tmpdir(), 'committer-crash-'));
  });

  afterAll(async () => {
    for (const s of services) {
      await s.kill9();
      s.close();
    }
    s3?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('commits every file exactly once however often it dies mid-commit', async () => {
    const admin = KafkaAdmin.create(kafka.settings, 'crash-admin');
    await admin.ensureTopics([{ name: lakeFiles, partitions: 2, replicationFactor: 1 }]);
    admin.close();
    // Three ETL transactions of two files each, over three hours.
    const txn = await TransactionalProducer.create(kafka.settings, { clientId: 'crash-etl', transactionalId: uniqueName('crash-etl') });
    const keys: string[] = [];
    let expectedRows = 0;
    for (let t = 0; t < 3; t++) {
      const manifests: LakeFileManifest[] = [];
      for (let f = 0; f < 2; f++) {
        const hour = String(10 + t).padStart(2, '0');
        const name = `t${t}-f${f}`;
        const file = await writeListeningParquet(work, name, { dt: '2024-03-01', hour, from: (t * 2 + f) * 1_000, count: 100 + t * 10 + f });
        const key = `listening_events/data/ts_hour=2024-03-01-${hour}/${name}.parquet`;
        await upload(s3, bucket, key, file);
        keys.push(key);
        expectedRows += file.rows;
        manifests.push(lakeManifest({ key, hour, rows: file.rows, bucket, sizeBytes: file.sizeBytes, sha256: file.sha256 }));
      }
      await txn.begin();
      for (const m of manifests) txn.produce({ topic: lakeFiles, key: `listening_events/${m.partition!.hour}`, value: Buffer.from(JSON.stringify(m)) });
      await txn.commit();
    }
    await txn.close();

    const env = (faults: string): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      ...stackEnv(kafka, s3e),
      ICEBERG_REST_URI: REST_URI,
      ICEBERG_NAMESPACE: namespace,
      STORAGE_LAKE_BUCKET: bucket,
      TOPICS_LAKE_FILES: lakeFiles,
      TOPICS_STAGED_FILES: uniqueName('crash-staged'),
      TOPICS_DLQ: uniqueName('crash-dlq'),
      TOPICS_LISTENING_EVENTS: uniqueName('crash-events'),
      TOPICS_TRACKS: uniqueName('crash-tracks'),
      TOPICS_PARTITIONS: '1',
      CATALOG_GROUP_ID: group,
      CATALOG_POLL_BATCH_SIZE: '2',
      CATALOG_POLL_IDLE_MS: '100',
      CATALOG_JANITOR_INTERVAL_MS: '0',
      LOCAL_CACHE_DIR: join(work, 'cache'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      ...(faults ? { PIPELINE_FAULT_POINTS: faults } : {}),
    });
    const run = (faults: string): ServiceProcess => {
      const service = new ServiceProcess({ service: 'catalog-sync', env: env(faults), output: join(work, 'catalog-sync.log') });
      services.push(service);
      service.start();
      return service;
    };
    const lake = new LakeCatalog(new RestCatalog({ uri: REST_URI }), namespace, bucket);
    const metadataAvro = (): string[] => {
      try {
        return readdirSync(join(process.env.TESTKIT_STATE_DIR ?? '', 's3', 'blobs', bucket, 'listening_events', 'metadata')).filter((f) => f.endsWith('.avro'));
      } catch {
        return [];
      }
    };
    const groupOffsets = async (): Promise<number[]> => {
      const consumer = await createConsumer(kafka.settings, { clientId: 'crash-probe', groupId: group });
      try {
        // No committed offset reads as OFFSET_NOT_COMMITTED (-1001).
        return (await kafkaCommitted(consumer, [0, 1].map((partition) => ({ topic: lakeFiles, partition })))).map((o) => o.offset);
      } finally {
        await closeConsumer(consumer);
      }
    };

    // 1. Killed after writing the first snapshot's manifest and manifest list, before the commit.
    expect(await run('catalog.before-commit@1').waitForExit(120_000)).toBeNull();
    const afterFirst = await lake.load('listening_events');
    expect(currentSnapshot(afterFirst.metadata)).toBeUndefined();
    // It did die after writing: the manifest and manifest list of the snapshot it never committed are there (orphans for the janitor).
    if (process.env.TESTKIT_STATE_DIR) expect(metadataAvro().length).toBeGreaterThan(0);
    expect((await groupOffsets()).every((o) => o < 0)).toBe(true);

    // 2. Killed right after its first commit landed, before the Kafka offsets: the table has files, the group none.
    expect(await run('catalog.after-commit@1').waitForExit(120_000)).toBeNull();
    const afterSecond = currentSnapshot((await lake.load('listening_events')).metadata);
    expect(Number(afterSecond?.summary['total-data-files'])).toBe(2);
    expect((await groupOffsets()).every((o) => o < 0)).toBe(true);

    // 3. Killed after its second commit of this run (the batch after the replayed one).
    expect(await run('catalog.after-commit@2').waitForExit(120_000)).toBeNull();

    // 4. Without faults it catches up; what it re-reads, the table's summary says it holds.
    const last = run('');
    await waitUntil('all six files committed', async () => Number(currentSnapshot((await lake.load('listening_events')).metadata)?.summary['total-data-files']) === 6, 120_000, 250);

    const trino = new TrinoClient({ uri: TRINO_URI!, catalog: 'iceberg', schema: namespace });
    const [counts] = (await trino.query('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM listening_events')).rows;
    expect({ n: Number(counts!.n), d: Number(counts!.d) }).toEqual({ n: expectedRows, d: expectedRows });
    const files = (await trino.query('SELECT file_path FROM "listening_events$files"')).rows.map((r) => String(r.file_path).slice(`s3://${bucket}/`.length)).sort();
    expect(files).toEqual([...keys].sort());
    // No snapshot ever added a file twice: the appends add up to the six files.
    const history = (await trino.query('SELECT CAST(summary[\'added-data-files\'] AS integer) AS added FROM "listening_events$snapshots"')).rows;
    expect(history.reduce((n, r) => n + Number(r.added ?? 0), 0)).toBe(6);
    // A clean drain on SIGTERM, once the last run has started: the killed run before it may already
    // have committed every file (its log is written asynchronously, so the lines before a SIGKILL can
    // be missing), and a SIGTERM that lands while node is still loading modules, before the service
    // takes the signal, ends it by the signal's default action, which says nothing about the drain.
    await waitUntil('the last run started', () => readFileSync(join(work, 'catalog-sync.log')).subarray(last.logOffset).includes('"msg":"ServiceStarted"'), 120_000, 250);
    // When the drain is not clean, the failure names the signal and shows the log's end.
    const wasRunning = last.running;
    const code = await last.stop(60_000);
    if (code !== 0) {
      const tail = readFileSync(join(work, 'catalog-sync.log'), 'utf8').trimEnd().split('\n').slice(-25).join('\n');
      throw new Error(`catalog-sync ${wasRunning ? 'stopped' : 'had already exited'} with code ${code}, signal ${last.signalCode}; its log ends:\n${tail}`);
    }
  }, 600_000);
});

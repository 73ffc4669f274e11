/**
 * One test's private pipeline on the shared stack: unique topics, buckets, consumer groups and
 * Iceberg namespace; the sink, the ETL and catalog-sync as processes (`node <service>/dist/main.js`,
 * as production runs them), each with its own ops port and, when a test asks, its own S3 or
 * catalog endpoint (a fault proxy).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { closeConsumer, committedOffsets, consumeBatch, createConsumer, KafkaAdmin, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { LakeCatalog, restCatalogFor } from '@spotify-pipeline/shared/iceberg';
import { retry } from '@spotify-pipeline/shared/retry';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES } from '@spotify-pipeline/shared/schemas';
import { ServiceProcess, stackEnv, startKafka, startS3, TrinoClient, uniqueName, type KafkaEndpoint, type S3Endpoint, type ServiceName } from '@spotify-pipeline/testkit';
import { freePorts } from '../../../src/local/processes';
import { runCli } from '../../../../catalog-sync/src/cli/run-cli';

export type StageName = Exclude<ServiceName, 'producer-service' | 'insights-service'>;
export const STAGES: StageName[] = ['consumer-service', 'etl-worker', 'catalog-sync'];

export interface WorldOptions {
  partitions: number;
  /** Topic configs of the listening-events topic, e.g. to let the broker take any record timestamp. */
  eventsTopicConfig?: Record<string, string>;
}

export interface PipelineWorld {
  kafka: KafkaEndpoint;
  s3Endpoint: S3Endpoint;
  /** Straight to the S3 server, never through a proxy: what the test itself reads and writes. */
  s3: S3Client;
  prefix: string;
  namespace: string;
  partitions: number;
  topics: { events: string; tracks: string; dlq: string; staged: string; lake: string };
  buckets: { staging: string; lake: string };
  groups: Record<StageName, string>;
  work: string;
  ports: Record<StageName, number>;
  services: Partial<Record<StageName, ServiceProcess>>;
  /** Starts a stage as a process; `env` is added to (and wins over) the world's. */
  start(stage: StageName, env?: Record<string, string>): ServiceProcess;
  trino(): TrinoClient;
  /** SIGKILLs whatever still runs and deletes the world's topics (afterAll; S3 objects and tables stay for a post-mortem). */
  kill(): Promise<void>;
}

export async function createPipelineWorld(name: string, options: WorldOptions): Promise<PipelineWorld> {
  const [kafka, s3Endpoint] = await Promise.all([startKafka(), startS3()]);
  const prefix = uniqueName(name);
  const topics = { events: `${prefix}-events`, tracks: `${prefix}-tracks`, dlq: `${prefix}-events.dlq`, staged: `${prefix}-staged-files`, lake: `${prefix}-lake-files` };
  const buckets = { staging: `${prefix}-staging`, lake: `${prefix}-lake` };
  const groups: Record<StageName, string> = { 'consumer-service': `${prefix}-sink`, 'etl-worker': `${prefix}-etl`, 'catalog-sync': `${prefix}-catalog` };
  const namespace = prefix.replace(/-/g, '_');
  const s3 = createS3Client(s3Endpoint.settings);
  await ensureBucket(s3, buckets.staging);
  await ensureBucket(s3, buckets.lake);
  const admin = KafkaAdmin.create(kafka.settings, `${prefix}-admin`);
  try {
    await admin.ensureTopics([{ name: topics.events, partitions: options.partitions, replicationFactor: 1, config: options.eventsTopicConfig ?? {} }]);
  } finally {
    admin.close();
  }
  await createLakeTables(namespace, buckets.lake);
  const [sinkPort, etlPort, catalogPort] = await freePorts(3);
  const ports: Record<StageName, number> = { 'consumer-service': sinkPort!, 'etl-worker': etlPort!, 'catalog-sync': catalogPort! };
  const work = mkdtempSync(join(tmpdir(), `${name}-`));
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    ...stackEnv(kafka, s3Endpoint),
    TOPICS_LISTENING_EVENTS: topics.events,
    TOPICS_TRACKS: topics.tracks,
    TOPICS_DLQ: topics.dlq,
    TOPICS_STAGED_FILES: topics.staged,
    TOPICS_LAKE_FILES: topics.lake,
    TOPICS_PARTITIONS: String(options.partitions),
    STORAGE_STAGING_BUCKET: buckets.staging,
    STORAGE_LAKE_BUCKET: buckets.lake,
    LOG_LEVEL: 'info',
    SINK_GROUP_ID: groups['consumer-service'],
    SINK_TRANSACTIONAL_ID: `${prefix}-sink-0`,
    SINK_FLUSH_IDLE_MS: '1000',
    // Under steady traffic a batch never idles: close one every 2 s so objects keep flowing.
    SINK_FLUSH_INTERVAL_MS: '2000',
    ETL_GROUP_ID: groups['etl-worker'],
    ETL_TRANSACTIONAL_ID: `${prefix}-etl-0`,
    ETL_COMPACTION_GROUP_ID: `${prefix}-compactor`,
    ETL_TRACKS_GROUP_ID: `${prefix}-tracks`,
    ETL_DUCKDB_THREADS: '1',
    ICEBERG_REST_URI: process.env.ICEBERG_REST_URI!,
    ICEBERG_NAMESPACE: namespace,
    CATALOG_GROUP_ID: groups['catalog-sync'],
    LOCAL_CACHE_DIR: join(work, 'catalog-cache'),
  };
  const services: Partial<Record<StageName, ServiceProcess>> = {};
  return {
    kafka,
    s3Endpoint,
    s3,
    prefix,
    namespace,
    partitions: options.partitions,
    topics,
    buckets,
    groups,
    work,
    ports,
    services,
    start(stage, env = {}) {
      const service = new ServiceProcess({ service: stage, env: { ...base, HTTP_PORT: String(ports[stage]), ...env }, output: join(work, `${stage}.log`) });
      services[stage] = service;
      service.start();
      return service;
    },
    trino: () => new TrinoClient({ uri: process.env.TRINO_URI!, catalog: 'iceberg', schema: namespace }),
    async kill() {
      for (const service of Object.values(services)) {
        await service.kill9();
        service.close();
      }
      s3.destroy();
      const cleaner = KafkaAdmin.create(kafka.settings, `${prefix}-cleanup`);
      try {
        for (const topic of Object.values(topics)) await cleaner.deleteTopic(topic).catch(() => undefined);
      } finally {
        cleaner.close();
      }
    },
  };
}

/**
 * The namespace and the lake tables, created before any stage starts, as every stage would at its
 * own start. The shared REST catalog keeps its state in SQLite and answers concurrent creates
 * (several stages, other test files) with 500s now and then (SQLITE_BUSY_SNAPSHOT, a null table
 * metadata right after a create); these tests are about faults later on, not about that race.
 */
async function createLakeTables(namespace: string, lakeBucket: string): Promise<void> {
  const lake = new LakeCatalog(restCatalogFor({ catalog: 'rest', restUri: process.env.ICEBERG_REST_URI!, namespace, requestTimeoutMs: 30_000 }, 'us-east-1'), namespace, lakeBucket);
  for (const table of LAKE_TABLES) {
    await retry(() => lake.ensureTable(table), {
      maxAttempts: 20,
      baseDelayMs: 250,
      maxDelayMs: 3_000,
      onRetry: (err, attempt) => console.warn(`[world] creating ${namespace}.${table.name} failed (attempt ${attempt}): ${(err as Error).message}`),
    });
  }
}

/** COUNT(*) and COUNT(DISTINCT event_id) of the lake's listening events, as Trino reads the Iceberg table by itself. */
export async function lakeTotals(trino: TrinoClient): Promise<{ rows: number; distinct: number }> {
  const [row] = (await trino.query('SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM listening_events')).rows;
  return { rows: Number(row?.n ?? 0), distinct: Number(row?.d ?? 0) };
}

/**
 * Records a stage's consumer group has not committed yet, as a read_committed reader counts them
 * (transaction markers and aborted records take offsets but are not records): 0 when drained.
 */
export async function groupLag(settings: KafkaSettings, group: string, topic: string, partitions: number): Promise<number> {
  const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
  const member = await createConsumer(settings, { clientId: 'lag-committed', groupId: group });
  let committed: Array<{ partition: number; offset: number }>;
  try {
    committed = await committedOffsets(member, tps);
  } finally {
    await closeConsumer(member);
  }
  const reader = await createConsumer(settings, { clientId: 'lag-reader', groupId: uniqueName('lag') });
  try {
    const highs = await Promise.all(
      tps.map(
        (tp) =>
          new Promise<number>((resolve, reject) =>
            reader.queryWatermarkOffsets(topic, tp.partition, 10_000, (err, offsets) => (err ? reject(err) : resolve(offsets.highOffset))),
          ),
      ),
    );
    const starts = tps.map((tp) => {
      const offset = committed.find((c) => c.partition === tp.partition)?.offset ?? -1;
      return { ...tp, offset: offset >= 0 ? offset : 0 };
    });
    const pending = starts.filter((s, i) => s.offset < highs[i]!);
    if (pending.length === 0) return 0;
    reader.assign(pending);
    reader.setDefaultConsumeTimeout(200);
    let records = 0;
    const deadline = Date.now() + 30_000;
    for (;;) {
      records += (await consumeBatch(reader, 5_000)).length;
      const positions = reader.position(pending);
      const done = pending.every((p) => (positions.find((q) => q.partition === p.partition)?.offset ?? -1) >= highs[p.partition]!);
      if (done || Date.now() > deadline) return records;
    }
  } finally {
    await closeConsumer(reader);
  }
}

/** Lag of every stage on its input topic(s): the sink on the events, the ETL on staged files, catalog-sync on lake and staged files. */
export async function pipelineLag(world: PipelineWorld): Promise<Record<string, number>> {
  const { kafka, groups, topics, partitions } = world;
  return {
    sink: await groupLag(kafka.settings, groups['consumer-service'], topics.events, partitions),
    etl: await groupLag(kafka.settings, groups['etl-worker'], topics.staged, partitions),
    'catalog(lake-files)': await groupLag(kafka.settings, groups['catalog-sync'], topics.lake, partitions),
    'catalog(staged-files)': await groupLag(kafka.settings, groups['catalog-sync'], topics.staged, partitions),
  };
}

export interface QuarantinedLine {
  reason: string;
  message: string;
  source: { topic: string; partition: number; offset: number };
  line: string;
  key: string;
}

/** Every line under `_quarantine/` in the lake bucket, with the object key it came from. */
export async function quarantinedLines(s3: S3Client, bucket: string): Promise<QuarantinedLine[]> {
  const lines: QuarantinedLine[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: '_quarantine/', ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      const bytes = Buffer.from(await body.Body!.transformToByteArray());
      const text = (object.Key!.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      for (const line of text.split('\n')) if (line.trim()) lines.push({ ...(JSON.parse(line) as Omit<QuarantinedLine, 'key'>), key: object.Key! });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return lines;
}

/**
 * `catalog-sync <argv>` as an operator runs it against a world's lake (in-process, its own cache
 * under the world's work dir); `env` is added to the world's (e.g. TABLE_SPECS_DIR).
 */
export async function runCatalogCli(world: PipelineWorld, argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env: {
      ...stackEnv(world.kafka, world.s3Endpoint),
      ICEBERG_REST_URI: process.env.ICEBERG_REST_URI!,
      ICEBERG_NAMESPACE: world.namespace,
      STORAGE_LAKE_BUCKET: world.buckets.lake,
      STORAGE_STAGING_BUCKET: world.buckets.staging,
      TOPICS_LISTENING_EVENTS: world.topics.events,
      TOPICS_TRACKS: world.topics.tracks,
      LOCAL_CACHE_DIR: join(world.work, 'cli-cache'),
      ...env,
    },
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

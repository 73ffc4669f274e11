import type { S3Client } from '@aws-sdk/client-s3';
import { errorMessage, type ErrorCode } from '@spotify-pipeline/shared/errors';
import {
  closeConsumer,
  createConsumer,
  deadLetterRecord,
  createIdempotentProducer,
  disconnect,
  FailureStreak,
  flush,
  isFatal,
  KafkaAdmin,
  type KafkaConsumer,
  type Message,
  type Producer,
} from '@spotify-pipeline/shared/kafka';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { LoopHealth, runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { sleep } from '@spotify-pipeline/shared/retry';
import { createS3Client } from '@spotify-pipeline/shared/s3';
import { pipelineTopics } from '@spotify-pipeline/shared/schemas';
import { GlueClient } from '@aws-sdk/client-glue';
import { Counter } from '@spotify-pipeline/shared/metrics';
import { adoptLakeTables, type LakeTableDefinition } from '@spotify-pipeline/shared/schemas';
import { tableDefinitionOf } from '@spotify-pipeline/shared/table-spec';
import { buildBackend, type Backend } from './backend.js';
import { checkedDeploymentSpecs, withDuckDbDescribe } from './specs/duckdb-describe.js';
import { TableCommitter } from './commit/table-committer.js';
import type { Config } from './config.js';
import { CrawlTrigger } from './crawler/crawl-trigger.js';
import { GlueCrawler } from './crawler/glue-crawler.js';
import { Janitor } from './maintenance/janitor.js';
import { Reconciler } from './reconcile/reconciler.js';
import { CatalogSync } from './sync/catalog-sync.js';
import { createSyncMetrics } from './sync/sync-metrics.js';
import { sourcePartitionCounts } from './sync/source-partitions.js';

/** catalog-sync: the lake's Iceberg committer, and SQL over it. Builds the object graph; nothing connects until start(). */
export function buildApp(config: Config, { logger, registry, faults }: ServiceContext): ServiceApp {
  const metrics = createSyncMetrics(registry);
  const controller = new AbortController();
  // Live while the loop turns; ready while batches commit (a catalog outage shows here and in metrics).
  const health = new LoopHealth(Date.now, config.catalog.livenessStallMs);
  let ops: OpsServer | undefined;
  let s3: S3Client | undefined;
  let backend: Backend | undefined;
  /** The lake tables of this deployment (built-in and TABLE_SPECS_DIR specs), known once start() checked them. */
  let tables: LakeTableDefinition[] = [];
  let consumer: KafkaConsumer | undefined;
  let producer: Producer | undefined;
  let loop: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  const deadLetter = async (message: Message, code: ErrorCode, reason: string): Promise<void> => {
    const letter = deadLetterRecord({
      topic: config.topics.dlq,
      value: message.value ?? null,
      key: message.key ?? null,
      ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
      code,
      reason,
      source: { topic: message.topic, partition: message.partition, offset: message.offset },
      stage: 'catalog',
      messageMaxBytes: config.kafka.messageMaxBytes,
    });
    producer!.produce(letter.topic, null, letter.value, letter.key ?? null, letter.timestamp ?? null, undefined, letter.headers);
    // Durable before the offset of the bad manifest is committed.
    await flush(producer!, 30_000);
  };

  let crawls: CrawlTrigger | undefined;

  async function runLoop(sync: CatalogSync, janitor: Janitor): Promise<void> {
    let nextCleanMs = config.catalog.janitorIntervalMs > 0 ? Date.now() + Math.min(config.catalog.janitorIntervalMs, 60_000) : Infinity;
    const streak = new FailureStreak(500, 30_000);
    while (!controller.signal.aborted) {
      health.turned();
      let handled = 0;
      try {
        handled = await sync.runOnce();
        streak.succeeded();
        health.succeeded();
      } catch (err) {
        // A failed batch is retried whole, for as long as it takes (a catalog or S3 outage), after
        // rewinding to the committed offsets: the commit skips whatever the table already holds,
        // so nothing is applied twice and nothing skipped. Only what no retry heals ends the loop.
        if (controller.signal.aborted || isFatal(err)) throw err;
        const delayMs = streak.failed();
        health.failed();
        metrics.errors.inc({ error_code: (err as { code?: string }).code ?? 'INTERNAL' });
        logger.warn({ err, failures: streak.failures, delayMs, reason: errorMessage(err) }, 'ManifestBatchRetried');
        await sync.rewind().catch((rewindErr: unknown) => logger.warn({ err: rewindErr }, 'RewindFailed'));
        await sleep(delayMs, controller.signal).catch(() => undefined);
        continue;
      }
      crawls?.maybeStart();
      // Storage upkeep only while caught up: an idle poll means no manifest is waiting here.
      if (handled === 0 && Date.now() >= nextCleanMs) {
        nextCleanMs = Date.now() + config.catalog.janitorIntervalMs;
        for (const table of tables) {
          await janitor.clean(table.name).catch((err: unknown) => logger.warn({ err, table: table.name }, 'JanitorFailed'));
          health.turned();
        }
      }
    }
  }

  return {
    done,
    async start() {
      ops = await startOpsServer(registry, health, config.http.port);
      logger.info({ port: ops.port, catalog: config.iceberg.catalog, engine: config.catalog.engine }, 'OpsServerListening');
      // A hung or failing S3 shows in readiness at once, not only after a batch spent its retries.
      s3 = createS3Client(config.s3, undefined, { onOutcome: (ok) => health.dependency(ok) });
      // The built-in tables and those of TABLE_SPECS_DIR; a bad spec stops the committer with exit 78.
      tables = (await withDuckDbDescribe((describe) => checkedDeploymentSpecs(config.tableSpecs, config.topics, describe))).map(tableDefinitionOf);
      adoptLakeTables(tables);
      backend = await buildBackend(config, s3);
      for (const table of tables) await backend.lake.ensureTable(table);
      if (config.crawler.name && config.crawler.roleArn) {
        const crawler = new GlueCrawler(
          new GlueClient({ region: config.iceberg.region ?? config.s3.region }),
          { name: config.crawler.name, roleArn: config.crawler.roleArn, database: config.crawler.database ?? config.iceberg.namespace, tableLocations: tables.map((t) => backend!.lake.location(t.name)) },
          { logger: logger.child({ component: 'crawler' }), waitTimeoutMs: config.crawler.waitTimeoutMs },
        );
        await crawler.ensure();
        const counter = new Counter({ name: 'pipeline_catalog_sync_crawls_total', help: 'Glue crawls of the Iceberg tables by final status', labelNames: ['status'], registers: [registry] });
        crawls = new CrawlTrigger(crawler, { minIntervalMs: config.crawler.minIntervalMs, crawls: counter, logger: logger.child({ component: 'crawler' }) });
      }
      const admin = KafkaAdmin.create(config.kafka, 'catalog-sync-admin');
      try {
        await admin.ensureTopics(pipelineTopics(config.topics));
      } finally {
        admin.close();
      }
      producer = await createIdempotentProducer(config.kafka, { clientId: 'catalog-sync-dlq' });
      consumer = await createConsumer(config.kafka, {
        clientId: 'catalog-sync',
        groupId: config.catalog.groupId,
        retentionCheck: { logger: logger.child({ component: 'sync' }), lostRecords: metrics.recordsLostToRetention },
      });
      consumer.setDefaultConsumeTimeout(config.catalog.pollIdleMs);
      consumer.subscribe([config.topics.lakeFiles, config.topics.stagedFiles]);
      const common = { lake: backend.lake, io: backend.io, reader: backend.reader };
      const sync = new CatalogSync({
        consumer,
        committer: new TableCommitter({ ...common, logger: logger.child({ component: 'committer' }), ...(faults ? { faults } : {}) }),
        lake: backend.lake,
        reader: backend.reader,
        state: backend.state,
        reconciler: new Reconciler(backend.engine, registry, logger.child({ component: 'reconcile' })),
        deadLetter,
        topics: config.topics,
        lakeBucket: config.storage.lakeBucket,
        lineage: { allowedLatenessMs: config.catalog.allowedLatenessMs, ledgerRetentionMs: config.catalog.ledgerRetentionMs },
        batchSize: config.catalog.pollBatchSize,
        metrics,
        logger: logger.child({ component: 'sync' }),
        ...(crawls ? { onCommitted: () => crawls!.committed() } : {}),
      });
      const janitor = new Janitor({
        ...common,
        policy: { maxAgeMs: config.catalog.snapshotMaxAgeMs, minSnapshots: config.catalog.snapshotMinKeep, orphanMinAgeMs: config.catalog.orphanMinAgeMs },
        metrics,
        logger: logger.child({ component: 'janitor' }),
      });
      await sync.seedSourcePartitions(await sourcePartitionCounts(consumer, [config.topics.listeningEvents, config.topics.tracks]));
      loop = runLoop(sync, janitor).then(
        () => settle.resolve(),
        (err: unknown) => (controller.signal.aborted ? settle.resolve() : settle.reject(err)),
      );
      health.markStarted();
    },
    close() {
      return runShutdown(
        [
          { name: 'readiness off', run: () => health.markDraining() },
          { name: 'stop polling', run: () => controller.abort() },
          { name: 'finish the batch in flight', run: () => loop },
          { name: 'crawl in flight', run: () => crawls?.drain() },
          { name: 'leave the group', run: () => (consumer ? closeConsumer(consumer) : undefined) },
          { name: 'close DLQ producer', run: () => (producer ? disconnect(producer) : undefined) },
          { name: 'close the query engine', run: () => backend?.close() },
          { name: 'close S3 client', run: () => s3?.destroy() },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      );
    },
  };
}


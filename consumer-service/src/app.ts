import { hostname } from 'node:os';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { KafkaAdmin, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { deploymentSpecs } from '@spotify-pipeline/shared/table-spec';
import { TransactionCommitter } from './commit/transaction-committer.js';
import { maxRecordBytesOf, type Config } from './config.js';
import { LoopHealth } from '@spotify-pipeline/shared/lifecycle';
import { createSinkMetrics } from './metrics.js';
import { PartitionBatcher } from './pipeline/partition-batcher.js';
import { listeningEventForm } from './pipeline/record-check.js';
import { BatchStager } from './sink/batch-stager.js';
import { StagingUploader } from './sink/staging-uploader.js';
import { PartitionSource } from './source/partition-source.js';
import { StagingSink } from './staging-sink.js';
import { slotTransactionalId, type WorkerSlot } from './workers/worker-slot.js';
import type { SinkSettings } from './config.js';
import type { HealthCheck } from '@spotify-pipeline/shared/metrics';

const LAG_REPORT_INTERVAL_MS = 5_000;

/** Liveness budget: longer than the worst upload retry sequence, so an S3 outage is not a restart loop. */
export function stallBudgetMs(settings: SinkSettings): number {
  return Math.max(300_000, settings.uploadMaxAttempts * settings.uploadMaxBackoffMs * 2);
}

/** The sink app, and its health for a supervisor that serves the probes of several consumers. */
export type SinkApp = ServiceApp & { health: HealthCheck };

/**
 * The topics the sink stages by default: listening events and every topic an append table's spec
 * reads (a bad spec stops the sink at start, as it stops the ETL). The tracks dimension is read
 * from its compacted topic by the ETL, never staged.
 */
async function stagedTopics(config: Config): Promise<string[]> {
  const specs = await deploymentSpecs(config.tableSpecs, config.topics);
  return [...new Set([config.topics.listeningEvents, ...specs.filter((s) => s.write.mode === 'append').flatMap((s) => s.topics)])];
}

/**
 * consumer-service: batching Kafka → S3 staging sink. Builds the object graph; nothing connects until start().
 * `slot`: one of several consumers of a process (workers/supervisor.ts): `-w<i>` on its transactional
 * and client ids, and no ops server (the supervisor serves the probes and merged metrics).
 */
export function buildApp(config: Config, { logger, registry }: ServiceContext, slot?: WorkerSlot): SinkApp {
  const { sink: settings } = config;
  const now = (): number => Date.now();
  const instance = slotTransactionalId(`consumer-service-${hostname()}`, slot);
  const transactionalId = slotTransactionalId(settings.transactionalId ?? `consumer-service-${hostname()}`, slot);
  /** Set at start: SINK_SOURCE_TOPICS, or listening events and the topics of the append tables of TABLE_SPECS_DIR. */
  let topics: string[] = settings.sourceTopics ?? [config.topics.listeningEvents];
  const metrics = createSinkMetrics(registry);
  // Liveness budget: longer than the worst upload retry sequence, so an S3 outage is not a restart loop.
  // Stuck longer than the worst upload retry budget: wedged. Failing rounds are not wedged (readiness shows them).
  const health = new LoopHealth(now, stallBudgetMs(settings));
  const abort = new AbortController();
  const batcher = new PartitionBatcher({
    policy: {
      maxRecords: settings.maxBatchRecords,
      maxBytes: settings.maxBatchBytes,
      maxTimeSpanMs: settings.maxRecordTimeSpanMs,
      idleMs: settings.flushIdleMs,
      intervalMs: settings.flushIntervalMs,
    },
    format: settings.format,
    gzipLevel: settings.gzipLevel,
    maxRecordBytes: maxRecordBytesOf(config),
    // One matcher per consumer (each worker process builds its own app): compiled once, not per record.
    canonicalForm: listeningEventForm(),
    now,
  });

  let ops: OpsServer | undefined;
  let source: PartitionSource | undefined;
  let txn: TransactionalProducer | undefined;
  let sink: StagingSink | undefined;
  let loop: Promise<void> | undefined;
  let lagTimer: NodeJS.Timeout | undefined;

  async function prepareStorage(): Promise<StagingUploader> {
    if (settings.createTopics) {
      const admin = KafkaAdmin.create(config.kafka, `${instance}-admin`);
      try {
        const spec = { partitions: config.topics.partitions, replicationFactor: config.topics.replicationFactor };
        await admin.ensureTopics([...topics, config.topics.dlq, config.topics.stagedFiles].map((name) => ({ name, ...spec })));
      } finally {
        admin.close();
      }
    }
    const s3 = createS3Client(config.s3);
    await ensureBucket(s3, config.storage.stagingBucket);
    return new StagingUploader(
      s3,
      {
        bucket: config.storage.stagingBucket,
        partBytes: settings.uploadPartBytes,
        maxAttempts: settings.uploadMaxAttempts,
        maxBackoffMs: settings.uploadMaxBackoffMs,
        signal: abort.signal,
        onRetry: (err) => {
          metrics.uploadRetries.inc({ error_code: err.code });
          // S3 is failing: stop fetching everything so memory stays where it is until it answers.
          source?.pause(source.assignedIds());
        },
      },
      logger.child({ component: 'uploader' }),
    );
  }

  const app: SinkApp = {
    health,
    async start() {
      if (!slot) {
        ops = await startOpsServer(registry, health, config.http.port);
        logger.info({ port: ops.port }, 'OpsServerListening');
      }
      if (!settings.sourceTopics) topics = await stagedTopics(config);
      const uploader = await prepareStorage();
      // The producer first: with a stable transactional.id its init fences a crashed predecessor
      // and aborts its open transaction before we read any offset.
      txn = await TransactionalProducer.create(config.kafka, {
        clientId: instance,
        transactionalId,
        transactionTimeoutMs: settings.transactionTimeoutMs,
      });
      source = await PartitionSource.open(
        config.kafka,
        {
          groupId: settings.groupId,
          clientId: instance,
          topics,
          sessionTimeoutMs: settings.sessionTimeoutMs,
          pollTimeoutMs: settings.pollTimeoutMs,
          onRevoke: (ids) => batcher.drop(ids),
          retentionCheck: { logger: logger.child({ component: 'source' }), lostRecords: metrics.recordsLostToRetention },
        },
        logger.child({ component: 'source' }),
      );
      const openSource = source;
      sink = new StagingSink(
        {
          source: openSource,
          batcher,
          stager: new BatchStager(uploader, { bucket: config.storage.stagingBucket, prefix: config.storage.stagingPrefix }, metrics, logger.child({ component: 'stager' })),
          committer: new TransactionCommitter(
            txn,
            () => openSource.client,
            { stagedFilesTopic: config.topics.stagedFiles, dlqTopic: config.topics.dlq, messageMaxBytes: config.kafka.messageMaxBytes, format: settings.format, now },
            logger.child({ component: 'committer' }),
          ),
          metrics,
          logger: logger.child({ component: 'sink' }),
          onRound: (outcome) => (outcome === 'committed' ? health.succeeded() : outcome === 'abandoned' ? health.failed() : health.turned()),
        },
        { pollMaxRecords: settings.pollMaxRecords, maxBufferedBytes: settings.maxBufferedBytes, maxInflightUploads: settings.maxInflightUploads },
      );
      loop = sink.run();
      app.done = loop;
      const running = sink;
      lagTimer = setInterval(() => running.reportLag(now()), LAG_REPORT_INTERVAL_MS);
      lagTimer.unref();
      health.markStarted();
      logger.info({ topics, groupId: settings.groupId, transactionalId, bucket: config.storage.stagingBucket, worker: slot?.index }, 'SinkStarted');
    },
    close() {
      return runShutdown(
        [
          { name: 'readiness off', run: () => health.markDraining() },
          {
            name: 'stop fetching, flush open batches, commit',
            run: async () => {
              clearInterval(lagTimer);
              sink?.stop();
              // An S3 outage must not hold the pod past its grace period: abandon, the records are re-read.
              const deadline = setTimeout(() => abort.abort(), 20_000);
              try {
                await loop?.catch(() => undefined);
              } finally {
                clearTimeout(deadline);
              }
            },
            timeoutMs: 25_000,
          },
          { name: 'leave the group', run: () => source?.close() },
          { name: 'close the transactional producer', run: () => txn?.close() },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      );
    },
  };
  return app;
}

import { hostname } from 'node:os';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { closeConsumer, createConsumer, TransactionalProducer, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { createS3Client } from '@spotify-pipeline/shared/s3';
import { Compactor } from './compaction/compactor.js';
import { ManifestFollower } from './compaction/manifest-follower.js';
import { TransactionQueue } from './commit/transaction-queue.js';
import type { Config } from './config.js';
import { createEtlMetrics } from './metrics.js';
import { DuckDbEncoder } from './parquet/duckdb-encoder.js';
import { EtlLoop } from './pipeline/etl-loop.js';
import { LakeObjectWriter } from './pipeline/lake-object-writer.js';
import { StagedObjectPreparer } from './pipeline/staged-object-preparer.js';
import { S3LakeStore } from './sink/lake-store.js';
import { S3StagedObjectSource } from './source/staged-object-reader.js';
import { TracksDimension } from './tracks/tracks-dimension.js';
import { EventValidator } from './validate/event-validator.js';
import { ValidationPool } from './validate/validation-pool.js';

const TRACKS_POLL_INTERVAL_MS = 1_000;
const TRACKS_CATCH_UP_MS = 60_000;

/** etl-worker: staged NDJSON → partitioned Parquet. Builds the object graph; nothing connects until start(). */
export function buildApp(config: Config, { logger, registry }: ServiceContext): ServiceApp {
  const metrics = createEtlMetrics(registry);
  const abort = new AbortController();
  const s3 = createS3Client(config.s3);
  const store = new S3LakeStore(s3, config.storage.lakeBucket, abort.signal);
  const transactions = new TransactionQueue();
  let ready = false;
  let ops: OpsServer | undefined;
  let encoder: DuckDbEncoder | undefined;
  let txn: TransactionalProducer | undefined;
  let consumer: KafkaConsumer | undefined;
  let tracks: TracksDimension | undefined;
  let follower: ManifestFollower | undefined;
  let pool: ValidationPool | undefined;
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  let running: Promise<void> | undefined;
  let closing: Promise<boolean> | undefined;

  async function run(loop: EtlLoop, compactor: Compactor | undefined): Promise<void> {
    let nextTracksMs = 0;
    let nextCompactionMs = Date.now() + config.etl.compactionIntervalMs;
    while (!abort.signal.aborted) {
      if (Date.now() >= nextTracksMs) {
        await tracks!.poll();
        await tracks!.syncDurations();
        await tracks!.maybeSnapshot();
        nextTracksMs = Date.now() + TRACKS_POLL_INTERVAL_MS;
      }
      await loop.pollOnce(abort.signal);
      if (compactor && Date.now() >= nextCompactionMs) {
        await compactor.runOnce();
        nextCompactionMs = Date.now() + config.etl.compactionIntervalMs;
      }
    }
  }

  return {
    done,
    async start() {
      ops = await startOpsServer(registry, { live: () => true, ready: () => ready }, config.http.port);
      logger.info({ port: ops.port }, 'OpsServerListening');
      encoder = await DuckDbEncoder.create({
        tmpDir: config.etl.tmpDir,
        threads: config.etl.duckdbThreads,
        parallelWrites: config.etl.parallelWrites,
        memoryLimitMb: config.etl.duckdbMemoryLimitMb,
        rowGroupRows: config.etl.rowGroupRows,
      });
      txn = await TransactionalProducer.create(config.kafka, {
        clientId: 'etl-worker',
        transactionalId: config.etl.transactionalId ?? `etl-worker-${hostname()}`,
        // librdkafka refuses a transaction timeout below the socket timeout.
        transactionTimeoutMs: Math.max(config.etl.transactionTimeoutMs, config.kafka.requestTimeoutMs),
        // One transaction carries the DLQ copy of every rejected line of a batch: a staged object
        // full of bad lines must not overflow librdkafka's default 100k-message queue.
        overrides: { 'queue.buffering.max.messages': 2_000_000, 'queue.buffering.max.kbytes': 2_097_151 },
      });
      const common = { encoder, store, txn, transactions, lakeFilesTopic: config.topics.lakeFiles, metrics };
      tracks = new TracksDimension({
        ...common,
        settings: config.kafka,
        topic: config.topics.tracks,
        groupId: config.etl.tracksGroupId,
        settleMs: config.etl.tracksSnapshotIntervalMs,
        logger: logger.child({ component: 'tracks' }),
      });
      await tracks.start();
      // Durations must be known before the first file, or completion_ratio depends on timing.
      const deadline = Date.now() + TRACKS_CATCH_UP_MS;
      while (!(await tracks.poll()) && Date.now() < deadline);
      await tracks.syncDurations();
      logger.info({ tracks: tracks.tracks.size }, 'TracksDimensionLoaded');

      pool = config.etl.validationThreads > 0 ? new ValidationPool(config.etl.validationThreads) : undefined;
      const checker = pool ?? new EventValidator();
      const loop: EtlLoop = new EtlLoop({
        consumer: undefined as never,
        txn,
        transactions,
        preparer: new StagedObjectPreparer(new S3StagedObjectSource(s3), checker, () => encoder!.tempPath('.ndjson')),
        writer: new LakeObjectWriter(encoder, store, { dlq: config.topics.dlq }, metrics, logger.child({ component: 'writer' })),
        topics: { lakeFiles: config.topics.lakeFiles, dlq: config.topics.dlq },
        maxManifestsPerBatch: config.etl.maxManifestsPerBatch,
        metrics,
        logger: logger.child({ component: 'etl' }),
      });
      consumer = await createConsumer(config.kafka, {
        clientId: 'etl-worker',
        groupId: config.etl.groupId,
        rebalance: { onRevoke: (partitions) => loop.onRevoke(partitions) },
      });
      consumer.setDefaultConsumeTimeout(config.etl.pollTimeoutMs);
      consumer.subscribe([config.topics.stagedFiles]);
      loop.attach(consumer);

      let compactor: Compactor | undefined;
      if (config.etl.compactionIntervalMs > 0) {
        follower = new ManifestFollower(config.kafka, config.topics.lakeFiles, config.etl.compactionGroupId, logger.child({ component: 'compactor' }));
        await follower.start();
        compactor = new Compactor({
          ...common,
          follower,
          policy: {
            allowedLatenessMs: config.etl.allowedLatenessMs,
            targetBytes: config.etl.compactionTargetBytes,
            minFiles: config.etl.compactionMinFiles,
          },
          logger: logger.child({ component: 'compactor' }),
        });
      }
      running = run(loop, compactor).then(resolveDone, (err: unknown) => {
        if (abort.signal.aborted) resolveDone();
        else rejectDone(err);
      });
      ready = true;
    },
    close() {
      // Idempotent: a signal and a fatal error may both ask for it.
      return (closing ??= runShutdown(
        [
          { name: 'readiness off', run: () => void (ready = false) },
          { name: 'stop the loop', run: async () => (abort.abort(), await running) },
          { name: 'leave the group', run: () => (consumer ? closeConsumer(consumer) : undefined) },
          { name: 'tracks consumer', run: () => tracks?.close() },
          { name: 'manifest follower', run: () => follower?.close() },
          { name: 'transactional producer', run: () => txn?.close() },
          { name: 'validation threads', run: () => pool?.close() },
          { name: 'duckdb', run: () => encoder?.close() },
          { name: 's3 client', run: () => s3.destroy() },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      ));
    },
  };
}

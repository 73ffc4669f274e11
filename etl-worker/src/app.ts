import { hostname } from 'node:os';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { LoopHealth, runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { closeConsumer, createConsumer, isFatal, TransactionalProducer, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { LakeCatalog, restCatalogFor, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { retry } from '@spotify-pipeline/shared/retry';
import { createS3Client } from '@spotify-pipeline/shared/s3';
import { adoptLakeTables, LISTENING_EVENTS_COLUMNS, LISTENING_EVENTS_TABLE } from '@spotify-pipeline/shared/schemas';
import { deploymentSpecs, tableDefinitionOf, TableSpecError, type DescribeQuery, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { Compactor } from './compaction/compactor.js';
import { ManifestFollower } from './compaction/manifest-follower.js';
import { TransactionQueue } from './commit/transaction-queue.js';
import type { Config } from './config.js';
import { createEtlMetrics } from './metrics.js';
import { DuckDbEncoder } from './parquet/duckdb-encoder.js';
import { EtlLoop } from './pipeline/etl-loop.js';
import { LakeObjectWriter } from './pipeline/lake-object-writer.js';
import { isSpecWrittenTable, specTableRoutes, unwritableSpecProblems } from './pipeline/spec-table-routes.js';
import { StagedObjectPreparer } from './pipeline/staged-object-preparer.js';
import { S3LakeStore } from './sink/lake-store.js';
import { TableSchemas } from './sink/table-schemas.js';
import { S3StagedObjectSource } from './source/staged-object-reader.js';
import { TracksDimension } from './tracks/tracks-dimension.js';
import { EventValidator } from './validate/event-validator.js';
import { ExtraColumnTypes } from './validate/extra-column-types.js';
import { ValidationPool } from './validate/validation-pool.js';

const TRACKS_POLL_INTERVAL_MS = 1_000;
const TRACKS_CATCH_UP_MS = 60_000;

/** etl-worker: staged NDJSON → Parquet data files of the Iceberg tables. Builds the object graph; nothing connects until start(). */
export function buildApp(config: Config, { logger, registry }: ServiceContext): ServiceApp {
  const metrics = createEtlMetrics(registry);
  const abort = new AbortController();
  // Live while the loop turns (a hung S3 read times out, so it keeps turning); ready while batches
  // commit and S3 calls do not fail (a hung S3 shows at once, not after a batch's in-batch retries).
  const health = new LoopHealth(Date.now, config.etl.livenessStallMs);
  const s3 = createS3Client(config.s3, undefined, { onOutcome: (ok) => health.dependency(ok) });
  const store = new S3LakeStore(s3, config.storage.lakeBucket, abort.signal);
  const catalog = new LakeCatalog(restCatalogFor(config.iceberg, config.s3.region), config.iceberg.namespace, config.storage.lakeBucket);
  const schemas = new TableSchemas(catalog, logger.child({ component: 'schemas' }));
  // The validator's memory of new-column types follows the table: seeded at start, updated on every schema change.
  const extraTypes = new ExtraColumnTypes(new Set(LISTENING_EVENTS_COLUMNS.map((c) => c.name)), config.etl.maxNewColumns);
  schemas.onChange((table, schema) => {
    if (table === LISTENING_EVENTS_TABLE) extraTypes.adoptTable(schema);
  });
  const transactions = new TransactionQueue();
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

  /**
   * Every lake table exists before the first file is written (idempotent: replicas may race to
   * create them): the built-in ones and those of TABLE_SPECS_DIR, each checked first (a bad spec
   * stops the worker with exit 78 and one line per problem, before anything is consumed).
   */
  async function ensureLakeTables(describe: DescribeQuery): Promise<ResolvedTableSpec[]> {
    const specs = await deploymentSpecs(config.tableSpecs, config.topics, describe);
    const unwritable = unwritableSpecProblems(specs);
    if (unwritable.length > 0) throw new TableSpecError(unwritable);
    const definitions = specs.map(tableDefinitionOf);
    adoptLakeTables(definitions);
    for (const definition of definitions) {
      await retry(() => catalog.ensureTable(definition), {
        maxAttempts: 10,
        baseDelayMs: 500,
        maxDelayMs: 10_000,
        signal: abort.signal,
        onRetry: (err, attempt) => logger.warn({ err, attempt, table: definition.name }, 'LakeTableRetried'),
      });
      await schemas.refresh(definition.name);
    }
    logger.info({ namespace: config.iceberg.namespace, tables: definitions.map((t) => t.name) }, 'LakeTablesReady');
    return specs;
  }

  async function run(loop: EtlLoop, compactor: Compactor | undefined): Promise<void> {
    let nextTracksMs = 0;
    let nextCompactionMs = Date.now() + config.etl.compactionIntervalMs;
    while (!abort.signal.aborted) {
      health.turned();
      if (Date.now() >= nextTracksMs) {
        nextTracksMs = Date.now() + TRACKS_POLL_INTERVAL_MS;
        try {
          await tracks!.poll();
          await tracks!.syncDurations();
          await tracks!.maybeSnapshot();
        } catch (err) {
          // The dimension is refreshed again next second; a failed refresh (S3 or catalog away) must
          // not stop the listening events. Fatal errors still end the worker.
          if (abort.signal.aborted || isFatal(err)) throw err;
          logger.warn({ err }, 'TracksRefreshFailed');
          nextTracksMs = Date.now() + 10 * TRACKS_POLL_INTERVAL_MS;
        }
      }
      if ((await loop.pollOnce(abort.signal)) === 0) health.idle();
      if (compactor && Date.now() >= nextCompactionMs) {
        await compactor.runOnce();
        nextCompactionMs = Date.now() + config.etl.compactionIntervalMs;
      }
    }
  }

  return {
    done,
    async start() {
      ops = await startOpsServer(registry, health, config.http.port);
      logger.info({ port: ops.port }, 'OpsServerListening');
      encoder = await DuckDbEncoder.create({
        tmpDir: config.etl.tmpDir,
        threads: config.etl.duckdbThreads,
        parallelWrites: config.etl.parallelWrites,
        memoryLimitMb: config.etl.duckdbMemoryLimitMb,
        rowGroupRows: config.etl.rowGroupRows,
      });
      const describe = encoder.describe.bind(encoder);
      const specs = await ensureLakeTables(describe);
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
        schemas,
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
      const source = new S3StagedObjectSource(s3);
      const eventTimes = { window: { maxPastMs: config.etl.eventTimeMaxPastMs, maxFutureMs: config.etl.eventTimeMaxFutureMs }, now: Date.now };
      const writerTopics = { dlq: config.topics.dlq, messageMaxBytes: config.kafka.messageMaxBytes };
      // Topics of the tables declared in TABLE_SPECS_DIR; every other staged object is a listening event.
      const routes = specTableRoutes(specs, { source, encoder, store, topics: writerTopics, metrics, logger: logger.child({ component: 'writer' }), schemas, eventTimes, maxNewColumns: config.etl.maxNewColumns });
      for (const spec of specs.filter(isSpecWrittenTable)) await schemas.refresh(spec.table);
      const loop: EtlLoop = new EtlLoop({
        consumer: undefined as never,
        txn,
        transactions,
        preparer: new StagedObjectPreparer(source, checker, () => encoder!.tempPath('.ndjson'), undefined, extraTypes, eventTimes, undefined, config.etl.trustSinkVouch),
        writer: new LakeObjectWriter(encoder, store, writerTopics, metrics, logger.child({ component: 'writer' }), { schemas }),
        route: (manifest) => routes.get(manifest.source.topic),
        topics: { lakeFiles: config.topics.lakeFiles, dlq: config.topics.dlq },
        stagingBucket: config.storage.stagingBucket,
        messageMaxBytes: config.kafka.messageMaxBytes,
        maxManifestsPerBatch: config.etl.maxManifestsPerBatch,
        metrics,
        logger: logger.child({ component: 'etl' }),
        health,
      });
      consumer = await createConsumer(config.kafka, {
        clientId: 'etl-worker',
        groupId: config.etl.groupId,
        rebalance: { onRevoke: (partitions) => loop.onRevoke(partitions) },
        retentionCheck: { logger: logger.child({ component: 'etl' }), lostRecords: metrics.recordsLostToRetention },
      });
      consumer.setDefaultConsumeTimeout(config.etl.pollTimeoutMs);
      consumer.subscribe([config.topics.stagedFiles]);
      loop.attach(consumer);

      let compactor: Compactor | undefined;
      if (config.etl.compactionIntervalMs > 0) {
        follower = new ManifestFollower(config.kafka, config.topics.lakeFiles, config.etl.compactionGroupId, logger.child({ component: 'compactor' }), {
          maxFutureMs: config.etl.eventTimeMaxFutureMs,
        });
        await follower.start();
        compactor = new Compactor({
          ...common,
          follower,
          tables: catalog,
          reader: new TableReader(new S3FileIO(s3)),
          policy: {
            allowedLatenessMs: config.etl.allowedLatenessMs,
            targetBytes: config.etl.compactionTargetBytes,
            minFiles: config.etl.compactionMinFiles,
          },
          // A spec's codec and target file size hold for its compacted files as for its new ones.
          parquet: new Map(specs.map((spec) => [spec.table, spec.parquet])),
          logger: logger.child({ component: 'compactor' }),
        });
      }
      running = run(loop, compactor).then(resolveDone, (err: unknown) => {
        if (abort.signal.aborted) resolveDone();
        else rejectDone(err);
      });
      health.markStarted();
    },
    close() {
      // Idempotent: a signal and a fatal error may both ask for it.
      return (closing ??= runShutdown(
        [
          { name: 'readiness off', run: () => health.markDraining() },
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

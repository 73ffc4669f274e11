import type { S3Client } from '@aws-sdk/client-s3';
import type { QueryEngine } from '@spotify-pipeline/catalog-sync/local';
import { errorMessage } from '@spotify-pipeline/shared/errors';
import { closeConsumer, createConsumer, FailureStreak, isFatal, KafkaAdmin, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';
import { LoopHealth, runShutdown, type ServiceApp, type ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { startOpsServer, type HealthCheck, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { sleep } from '@spotify-pipeline/shared/retry';
import { createS3Client } from '@spotify-pipeline/shared/s3';
import { pipelineTopics } from '@spotify-pipeline/shared/schemas';
import { maxRecordBytesOf, type Config } from './config.js';
import { createHistoryEngine } from './history/history-engine.js';
import { TtlCache } from './history/history-cache.js';
import { queryLakeHistory, type LakeHistory } from './history/lake-history.js';
import { InsightsQueries } from './http/insights-queries.js';
import { LiveStream } from './http/live-stream.js';
import { loadAssets } from './http/static-assets.js';
import { statusView } from './http/status-view.js';
import { startWebServer, type WebServer } from './http/web-server.js';
import { createInsightsMetrics } from './metrics.js';
import { EventDecoder } from './source/event-decoder.js';
import { HorizonReader } from './source/horizon-reader.js';
import { RecordIngest } from './source/record-ingest.js';
import { WindowStore } from './windows/window-store.js';

/** How often windows past the horizon are dropped and the gauges refreshed. */
const HOUSEKEEPING_MS = 1_000;

/**
 * insights-service: one-minute windows over `listening-events`, rebuilt from Kafka at start, a JSON
 * API and the live page. Builds the object graph; nothing connects until start().
 */
export function buildApp(config: Config, { logger, registry }: ServiceContext): ServiceApp {
  const metrics = createInsightsMetrics(registry);
  const controller = new AbortController();
  const { insights, web } = config;
  const store = new WindowStore(
    { horizonMs: insights.horizonMs, allowedLatenessMs: insights.allowedLatenessMs, maxFutureMs: insights.maxFutureMs },
    { topCapacity: insights.topCapacity, hllPrecision: insights.hllPrecision, hourTopCapacity: insights.hourTopCapacity },
  );
  const ingest = new RecordIngest(
    new EventDecoder({ maxRecordBytes: maxRecordBytesOf(config), eventTime: { maxPastMs: insights.eventTimeMaxPastMs, maxFutureMs: insights.eventTimeMaxFutureMs } }),
    store,
    metrics,
  );
  // Live while the read loop turns; ready once the rebuild from Kafka has caught up (partial
  // figures before that) and while reads succeed.
  const loopHealth = new LoopHealth(Date.now, insights.livenessStallMs);
  let reader: HorizonReader | undefined;
  const health: HealthCheck = { live: () => loopHealth.live(), ready: () => loopHealth.ready() && reader?.rebuild.done === true };
  const queries = new InsightsQueries(store, () => statusView({ store, ingest, reader, staleAfterMs: web.staleAfterMs, now: Date.now() }), {
    topCapacity: insights.topCapacity,
    hllPrecision: insights.hllPrecision,
    trendingMinPlays: insights.trendingMinPlays,
    now: Date.now,
  });
  const stream = new LiveStream(
    { pushIntervalMs: web.pushIntervalMs, maxClients: web.maxStreamClients, maxBufferedBytes: 4 * 1024 * 1024 },
    (period) => queries.live(period),
    (count) => metrics.streamClients.set(count),
    logger.child({ component: 'stream' }),
  );
  let s3: S3Client | undefined;
  let engine: Promise<QueryEngine | undefined> | undefined;
  const history = new TtlCache<LakeHistory>(
    async () => {
      engine ??= createHistoryEngine(config, () => (s3 ??= createS3Client(config.s3)));
      const ready = await engine;
      if (!ready) throw new Error('the history panel is off (HISTORY_ENGINE=off)');
      return queryLakeHistory(ready, config.history.days, Date.now());
    },
    { ttlMs: config.history.cacheTtlMs, retryAfterMs: 10_000, now: Date.now },
  );
  let ops: OpsServer | undefined;
  let webServer: WebServer | undefined;
  let consumer: KafkaConsumer | undefined;
  let loop: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (err: unknown) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  /**
   * Always 200: "the lake cannot answer now" is part of the answer (`available: false`, with the
   * error and the last good answer), not a failure of the page's request.
   */
  async function historyAnswer(): Promise<unknown> {
    if (config.history.engine === 'off') return { available: false, error: 'the history panel is off (HISTORY_ENGINE=off)', last: null };
    const answer = await history.get();
    metrics.history.inc({ outcome: answer.ok ? (answer.fromCache ? 'cached' : 'queried') : 'failed' });
    if (answer.ok) return { available: true, ...answer.value, fetchedAt: new Date(answer.fetchedAt).toISOString(), fromCache: answer.fromCache };
    logger.warn({ reason: answer.error }, 'HistoryQueryFailed');
    const last = answer.last ? { ...answer.last.value, fetchedAt: new Date(answer.last.fetchedAt).toISOString() } : null;
    return { available: false, error: answer.error, last };
  }

  function housekeeping(nowMs: number): void {
    const dropped = store.evict(nowMs);
    if (dropped > 0) metrics.evictions.inc({ kind: 'window' }, dropped);
    metrics.windows.set(store.size);
    metrics.eventsPerSecond.set(ingest.rate.perSecond(nowMs));
    const newest = store.watermarks.high();
    if (newest !== undefined) metrics.freshnessSeconds.set(Math.max(0, (nowMs - newest) / 1000));
    if (reader) metrics.rebuildSeconds.set(reader.rebuild.durationMs() / 1000);
  }

  async function runLoop(source: HorizonReader): Promise<void> {
    const streak = new FailureStreak(500, 30_000);
    let started = false;
    let rebuilt = false;
    let sketchEvictions = 0;
    let nextHousekeepingMs = 0;
    let nextDiscoveryMs = Date.now() + insights.partitionRefreshMs;
    while (!controller.signal.aborted) {
      loopHealth.turned();
      let messages;
      try {
        if (!started) {
          await source.start(store.horizonStartMs(Date.now()));
          store.watermarks.setPartitionCount(source.partitionCount);
          metrics.rebuildRecords.set(source.rebuild.recordsToRead);
          logger.info({ partitions: source.partitionCount, records: source.rebuild.recordsToRead, horizonStart: new Date(store.horizonStartMs(Date.now())).toISOString() }, 'RebuildStarted');
          started = true;
        }
        messages = await source.read();
        streak.succeeded();
        loopHealth.succeeded();
      } catch (err) {
        // A broker outage is waited out (readiness shows it); nothing here is lost, the next read resumes.
        if (controller.signal.aborted || isFatal(err)) throw err;
        loopHealth.failed();
        const delayMs = streak.failed();
        metrics.errors.inc({ error_code: (err as { code?: string }).code ?? 'INTERNAL' });
        logger.warn({ err, failures: streak.failures, delayMs, reason: errorMessage(err) }, 'ReadRetried');
        await sleep(delayMs, controller.signal).catch(() => undefined);
        continue;
      }
      const now = Date.now();
      ingest.ingest(messages, now);
      if (!rebuilt && source.rebuild.done) {
        rebuilt = true;
        metrics.rebuilding.set(0);
        metrics.rebuildSeconds.set(source.rebuild.durationMs() / 1000);
        logger.info({ ms: source.rebuild.durationMs(), records: source.rebuild.recordsToRead, windows: store.size }, 'RebuildCompleted');
      }
      if (now >= nextHousekeepingMs) {
        nextHousekeepingMs = now + HOUSEKEEPING_MS;
        housekeeping(now);
        const evicted = store.sketchEvictions;
        if (evicted > sketchEvictions) metrics.evictions.inc({ kind: 'top_counter' }, evicted - sketchEvictions);
        sketchEvictions = evicted;
      }
      if (now >= nextDiscoveryMs) {
        nextDiscoveryMs = now + insights.partitionRefreshMs;
        const added = await source.discoverPartitions().catch((err: unknown) => {
          logger.warn({ err }, 'PartitionDiscoveryFailed');
          return 0;
        });
        if (added > 0) {
          store.watermarks.setPartitionCount(source.partitionCount);
          logger.info({ added, partitions: source.partitionCount }, 'PartitionsAdded');
        }
      }
    }
  }

  return {
    done,
    async start() {
      metrics.windowsMax.set(store.maxWindows);
      metrics.rebuilding.set(1);
      ops = await startOpsServer(registry, health, config.http.port);
      webServer = await startWebServer(
        { queries, stream, assets: loadAssets(), history: historyAnswer, horizonMinutes: Math.floor(insights.horizonMs / 60_000), topCapacity: insights.topCapacity, logger: logger.child({ component: 'web' }) },
        web.port,
        web.host,
      );
      logger.info({ port: ops.port, webPort: webServer.port, url: `http://127.0.0.1:${webServer.port}/` }, 'OpsServerListening');
      const admin = KafkaAdmin.create(config.kafka, 'insights-service-admin');
      try {
        await admin.ensureTopics(pipelineTopics(config.topics).filter((t) => t.name === config.topics.listeningEvents));
      } finally {
        admin.close();
      }
      consumer = await createConsumer(config.kafka, {
        clientId: 'insights-service',
        groupId: insights.groupId,
        // The end of each partition tells the rebuild it has caught up (a read_committed consumer
        // never sees a trailing transaction marker, so offsets alone may stop one short).
        // librdkafka's prefetch queue (64 MiB by default) would be most of the process's memory.
        overrides: { 'enable.partition.eof': true, 'queued.max.messages.kbytes': 16_384 },
      });
      consumer.setDefaultConsumeTimeout(insights.pollIdleMs);
      reader = new HorizonReader(consumer, { topic: config.topics.listeningEvents, batchSize: insights.pollBatchSize, requestTimeoutMs: config.kafka.requestTimeoutMs, now: Date.now });
      loop = runLoop(reader).then(
        () => settle.resolve(),
        (err: unknown) => (controller.signal.aborted ? settle.resolve() : settle.reject(err)),
      );
      stream.start();
      loopHealth.markStarted();
    },
    close() {
      return runShutdown(
        [
          { name: 'readiness off', run: () => loopHealth.markDraining() },
          { name: 'close live streams', run: () => stream.close() },
          { name: 'stop reading', run: () => controller.abort() },
          { name: 'finish the batch in flight', run: () => loop },
          // Nothing to commit: the state is rebuilt from Kafka by the next start.
          { name: 'close the consumer', run: () => (consumer ? closeConsumer(consumer) : undefined) },
          { name: 'web server', run: () => webServer?.close() },
          { name: 'close the history engine', run: async () => (await engine)?.close() },
          { name: 'close S3 client', run: () => s3?.destroy() },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      );
    },
  };
}

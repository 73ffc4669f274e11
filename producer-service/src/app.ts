import { createIdempotentProducer, disconnect, KafkaAdmin, TransactionalProducer, type Producer } from '@spotify-pipeline/shared/kafka';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { retry } from '@spotify-pipeline/shared/retry';
import { pipelineTopics } from '@spotify-pipeline/shared/schemas';
import { replayCommand } from './cli/replay-command.js';
import { simulateCommand, simulationWindow, type CommandDeps } from './cli/simulate-command.js';
import type { Config } from './config.js';
import { readLastCheckpoint } from './exactly-once/checkpoint-reader.js';
import { isExactlyOnceRun, runIdOf, transactionalIdOf } from './exactly-once/run-identity.js';
import { TransactionalRun, transactionProducerOverrides } from './exactly-once/transactional-run.js';
import { createProducerMetrics } from './publish/producer-metrics.js';
import { PUBLISHER_PRODUCER_SETTINGS, RecordPublisher } from './publish/record-publisher.js';
import { RunSummary } from './publish/run-summary.js';
import type { ProgressSink } from './replay/replay-progress.js';

export interface AppIo {
  /** The replay and backfill progress line (main.ts passes stderr when it is a TTY). */
  progress?: ProgressSink;
  now?: () => number;
}

/**
 * producer-service: simulates or replays Spotify listening events into Kafka. Builds the object
 * graph; nothing connects until start(). `done` settles when the run ends on its own (a backfill
 * or replay finished, or failed); close() stops a running one, flushes what was accepted and
 * writes the summary, so SIGTERM loses nothing the producer took.
 */
export function buildApp(config: Config, { logger, registry }: ServiceContext, io: AppIo = {}): ServiceApp & { done: Promise<void> } {
  const settings = config.producer;
  const topics = { listeningEvents: config.topics.listeningEvents, tracks: config.topics.tracks };
  const metrics = createProducerMetrics(registry);
  const summary = new RunSummary(settings.command, topics.listeningEvents);
  const stop = new AbortController();
  let ready = false;
  let ops: OpsServer | undefined;
  let producer: Producer | undefined;
  let publisher: RecordPublisher | undefined;
  const exactlyOnce = isExactlyOnceRun(settings);
  let transactional: TransactionalProducer | undefined;
  let transactionalRun: TransactionalRun | undefined;
  let running: Promise<void> | undefined;
  let completed = false;
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  async function ensureTopics(): Promise<void> {
    const admin = KafkaAdmin.create(config.kafka, 'producer-service-admin');
    try {
      const wanted = new Set([topics.listeningEvents, topics.tracks]);
      const specs = settings.ensureTopics ? pipelineTopics(config.topics).filter((spec) => wanted.has(spec.name)) : [];
      if (exactlyOnce) {
        // The run's own state, created even when the pipeline's topics are managed elsewhere. One
        // partition: a run's checkpoints are found by reading it (see checkpoint-reader.ts).
        specs.push({ name: settings.checkpointTopic, partitions: 1, replicationFactor: config.topics.replicationFactor, config: { 'cleanup.policy': 'compact' } });
      }
      if (specs.length > 0) await admin.ensureTopics(specs);
    } finally {
      admin.close();
    }
  }

  /**
   * Exactly-once: fence the run's previous process (initTransactions aborts its open transaction),
   * then read what it committed. Returns the run, or undefined when it had already completed.
   */
  async function resumeTransactionalRun(connectRetry: Parameters<typeof retry>[1]): Promise<TransactionalRun | undefined> {
    const startMs = settings.command === 'simulate' ? simulationWindow(settings, (io.now ?? Date.now)()).startMs : undefined;
    const runId = runIdOf(settings, topics.listeningEvents, startMs);
    transactional = await retry(
      () =>
        TransactionalProducer.create(config.kafka, {
          clientId: 'producer-service-transactional',
          transactionalId: transactionalIdOf(runId),
          overrides: { 'compression.codec': settings.compression, ...transactionProducerOverrides(settings.transactionRecords) },
        }),
      connectRetry,
    );
    const checkpoint = await retry(() => readLastCheckpoint(config.kafka, settings.checkpointTopic, runId), connectRetry);
    const txnRun = new TransactionalRun(transactional, summary, metrics, logger.child({ component: 'transactional-run' }), {
      runId,
      topic: topics.listeningEvents,
      checkpointTopic: settings.checkpointTopic,
      maxRecords: settings.transactionRecords,
      maxMs: settings.transactionMs,
      now: io.now,
    }, checkpoint);
    if (checkpoint?.completed) {
      logger.info({ runId, position: checkpoint.position, valid: checkpoint.summary.valid }, 'RunAlreadyCompleted');
      return undefined;
    }
    logger.info({ runId, resumedFrom: txnRun.resumedFrom, valid: summary.valid }, checkpoint ? 'RunResumed' : 'RunStarted');
    await txnRun.start();
    return txnRun;
  }

  async function run(activePublisher: RecordPublisher): Promise<void> {
    const deps: CommandDeps = { publisher: activePublisher, exactlyOnce: transactionalRun, metrics, summary, logger, topics, signal: stop.signal, now: io.now ?? Date.now };
    if (settings.command === 'simulate') await simulateCommand(settings, { ...deps, progress: io.progress });
    else await replayCommand(settings, { ...deps, progress: io.progress, messageMaxBytes: config.kafka.messageMaxBytes });
    // A stopped run commits what it counted too, so its restart resumes right after it.
    await transactionalRun?.finish(!stop.signal.aborted);
    completed = !stop.signal.aborted;
    logger.info({ command: settings.command, valid: summary.valid, malformed: summary.malformed, late: summary.late, completed }, 'RunFinished');
  }

  return {
    done,
    async start() {
      ops = await startOpsServer(registry, { live: () => true, ready: () => ready }, config.http.port);
      logger.info({ port: ops.port }, 'OpsServerListening');
      const connectRetry = {
        maxAttempts: 6,
        signal: stop.signal,
        onRetry: (err: unknown, attempt: number, delayMs: number) => logger.warn({ err, attempt, delayMs }, 'KafkaConnectRetried'),
      };
      if (settings.ensureTopics || exactlyOnce) await retry(ensureTopics, connectRetry);
      producer = await retry(
        () =>
          createIdempotentProducer(config.kafka, {
            clientId: 'producer-service',
            overrides: { ...PUBLISHER_PRODUCER_SETTINGS, 'compression.codec': settings.compression, 'message.timeout.ms': settings.deliveryTimeoutMs },
          }),
        connectRetry,
      );
      publisher = new RecordPublisher(producer, metrics, logger.child({ component: 'publisher' }));
      if (exactlyOnce) {
        transactionalRun = await resumeTransactionalRun(connectRetry);
        if (!transactionalRun) {
          completed = true;
          ready = true;
          settle?.resolve();
          return;
        }
      }
      ready = true;
      running = run(publisher);
      running.then(() => settle?.resolve(), (err: unknown) => settle?.reject(err));
    },
    close() {
      return runShutdown(
        [
          { name: 'readiness off', run: () => void (ready = false) },
          {
            name: 'stop the run',
            run: async () => {
              stop.abort();
              // The run's own failure is reported through `done`; here we only wait for it to stop.
              await running?.catch(() => undefined);
            },
          },
          { name: 'flush accepted records', run: () => publisher?.flush(settings.flushTimeoutMs), timeoutMs: settings.flushTimeoutMs + 5_000 },
          {
            name: 'write summary',
            run: async () => {
              if (!settings.summaryFile) return;
              await summary.write(settings.summaryFile, metrics.counters, completed);
              logger.info({ path: settings.summaryFile }, 'RunSummaryWritten');
            },
          },
          { name: 'close transactional producer', run: () => transactional?.close() },
          { name: 'disconnect producer', run: () => (producer ? disconnect(producer, 5_000) : undefined) },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      ).then((clean) => {
        if (!clean) logger.warn({ delivered: metrics.counters.delivered, accepted: metrics.counters.accepted }, 'ShutdownIncomplete');
        return clean;
      });
    },
  };
}


import type { Logger } from 'pino';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import { RateLimiter } from '../publish/rate-limiter.js';
import type { RecordPublisher } from '../publish/record-publisher.js';
import type { RecordSink, RunCheckpoints } from '../publish/record-sink.js';
import type { RunSummary } from '../publish/run-summary.js';
import type { ProducerSettings } from '../config.js';
import { parseQuirkRates, type RealismMode } from '../simulator/export-realism.js';
import { buildWorld, sessionsForEventRate, sessionsForUsers, usersNeededForRate, type SimulatedWorld, type SimulationWindow, type WorldOptions } from '../simulator/listening-simulator.js';
import { BackfillProgress } from '../simulator/backfill-progress.js';
import { createPlaySource } from '../simulator/play-source.js';
import type { ProgressSink } from '../replay/replay-progress.js';
import { runSimulation } from '../simulator/simulation-run.js';
import { publishTracks } from '../tracks/track-publisher.js';

/** Records per generated batch: big enough to amortize the thread hop, small enough for real time. */
const BATCH_RECORDS = 2_048;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface CommandDeps {
  /** Idempotent: the tracks topic, and the events of a run without exactly-once. */
  publisher: RecordPublisher;
  /** Exactly-once finite runs: the events go through this transactional run instead. */
  exactlyOnce?: RecordSink & RunCheckpoints;
  metrics: ProducerMetrics;
  summary: RunSummary;
  logger: Logger;
  topics: { listeningEvents: string; tracks: string };
  signal: AbortSignal;
  now: () => number;
}

/**
 * Backfill: `days` of history ending at the current hour (or from `startTime`), volume from the
 * population. Real time: from now on, session starts calibrated to the mean event rate.
 */
export function simulationWindow(settings: ProducerSettings, nowMs: number): SimulationWindow {
  if (!settings.backfill) {
    const startMs = Math.floor(nowMs);
    return { seed: settings.seed, startMs, warmStart: true, endMs: Number.POSITIVE_INFINITY, sessionsPerSecond: sessionsForEventRate(settings.rate) };
  }
  const startMs = settings.startTime ? Date.parse(settings.startTime) : Math.floor(nowMs / HOUR_MS) * HOUR_MS - settings.days * DAY_MS;
  return {
    seed: settings.seed,
    startMs,
    endMs: startMs + settings.days * DAY_MS,
    sessionsPerSecond: sessionsForUsers(settings.users, settings.sessionsPerUserPerDay),
  };
}

/** The world a simulate run builds (in this thread to publish its tracks, and in the generator thread). */
export function worldOptionsOf(settings: ProducerSettings): WorldOptions {
  return {
    seed: settings.seed,
    users: settings.users,
    tracks: settings.tracks,
    realism: realismOf(settings),
    quirkRates: parseQuirkRates(settings.exportQuirkRates),
    repeatShare: settings.repeatShare,
  };
}

/** `export` for a backfill (history, as a replayed export would hold it), `clean` in real time, unless set. */
export function realismOf(settings: ProducerSettings): RealismMode {
  return settings.realism ?? (settings.backfill ? 'export' : 'clean');
}

export async function simulateCommand(settings: ProducerSettings, deps: CommandDeps & { progress?: ProgressSink }): Promise<void> {
  const { logger, signal } = deps;
  const worldOptions = worldOptionsOf(settings);
  // The catalog is needed here only to publish it; the generator builds its own (same seed, same world).
  let world: SimulatedWorld | undefined;
  if (settings.publishTracks) {
    world = buildWorld(worldOptions);
    logger.info({ ...worldOptions, quirkRates: undefined, artists: world.catalog.popularity.artistCount }, 'SimulationWorldBuilt');
    // The catalog's head: a million tracks would not fit the ETL's in-memory dimension, and its tail is rarely played.
    const catalog = world.catalog;
    await publishTracks(
      catalog.headTracks(settings.publishedTracks).map(([artist, song]) => catalog.trackRecord(artist, song)),
      deps.publisher,
      deps.topics.tracks,
      { metrics: deps.metrics, logger, signal },
    );
  }
  const window = simulationWindow(settings, deps.now());
  if (!settings.backfill && usersNeededForRate(settings.rate) > settings.users) {
    logger.warn({ rate: settings.rate, users: settings.users, usersNeeded: usersNeededForRate(settings.rate) }, 'SimulationUsersSaturated');
  }
  logger.info(
    { mode: settings.backfill ? 'backfill' : 'real-time', start: new Date(window.startMs).toISOString(), days: settings.backfill ? settings.days : null, rate: settings.backfill ? null : settings.rate, maxEvents: settings.events ?? null },
    'SimulationStarted',
  );
  const source = createPlaySource(
    {
      world: worldOptions,
      window,
      malformedRatio: settings.malformedRatio,
      maxValid: settings.events ?? Number.POSITIVE_INFINITY,
      batchRecords: BATCH_RECORDS,
    },
    { thread: settings.generatorThread, world },
  );
  logger.info({ generator: source.mode }, 'SimulationGeneratorStarted');
  const progress = settings.backfill ? new BackfillProgress(deps.progress, { startMs: window.startMs, endMs: window.endMs, maxEvents: settings.events }, deps.now) : undefined;
  try {
    await runSimulation(
      {
        source,
        publisher: deps.exactlyOnce ?? deps.publisher,
        checkpoints: deps.exactlyOnce,
        summary: deps.summary,
        metrics: deps.metrics,
        limiter: settings.maxRate > 0 ? new RateLimiter(settings.maxRate) : undefined,
        logger,
        progress,
      },
      { topic: deps.topics.listeningEvents, realTime: !settings.backfill, signal, now: deps.now },
    );
  } finally {
    progress?.finish(deps.summary.valid, deps.summary.snapshot().lastMs ?? window.startMs);
    await source.close();
  }
  if (settings.events !== undefined && deps.summary.valid < settings.events && !signal.aborted) {
    logger.warn({ wanted: settings.events, produced: deps.summary.valid }, 'SimulationWindowExhausted');
  }
}

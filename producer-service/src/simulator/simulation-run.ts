import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import { encodeSimulatedPlay } from './play-encoder.js';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RateLimiter } from '../publish/rate-limiter.js';
import type { RecordPublisher } from '../publish/record-publisher.js';
import type { RunSummary } from '../publish/run-summary.js';
import type { ListeningSimulator } from './listening-simulator.js';
import type { MalformedInjector } from './malformed-injector.js';

export interface SimulationRunOptions {
  topic: string;
  /** real-time: a play goes out when the wall clock reaches its delivery time; backfill: at once. */
  realTime: boolean;
  /** Stop after exactly this many valid events (malformed ones not counted). */
  maxEvents?: number;
  signal: AbortSignal;
  now?: () => number;
}

/** Hand control back to the event loop this often, so delivery reports, signals and scrapes run. */
const YIELD_EVERY = 4096;
const SLEEP_SLICE_MS = 1_000;

export interface SimulationDeps {
  simulator: ListeningSimulator;
  publisher: RecordPublisher;
  summary: RunSummary;
  metrics: ProducerMetrics;
  injector: MalformedInjector;
  limiter?: RateLimiter;
  logger: Logger;
}

/**
 * The simulate loop: next play → (maybe a malformed record first) → encode → produce, keyed by
 * user_id with the event time as the Kafka timestamp. Returns when the window is exhausted,
 * `maxEvents` is reached or `signal` aborts; what was accepted is flushed by the caller.
 */
export async function runSimulation(deps: SimulationDeps, options: SimulationRunOptions): Promise<void> {
  const { simulator, publisher, summary, metrics, injector, limiter } = deps;
  const { topic, signal } = options;
  const now = options.now ?? Date.now;
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  let sinceYield = 0;
  let late = 0;
  while (!signal.aborted && summary.valid < maxEvents) {
    if (options.realTime) {
      const waitMs = simulator.peekDeliveryMs() - now();
      if (waitMs > 1) {
        await sleep(Math.min(waitMs, SLEEP_SLICE_MS), signal).catch(() => undefined);
        continue;
      }
    }
    const play = simulator.next();
    if (!play) break;
    const event = play.event;
    const bad = injector.before(event);
    if (bad) {
      if (!(await publisher.offer(topic, event.user_id, bad.value, play.eventTimeMs, signal))) break;
      summary.addMalformed(bad.kind);
      metrics.malformed.inc({ kind: bad.kind });
    }
    const value = Buffer.from(encodeSimulatedPlay(play));
    if (!publisher.tryProduce(topic, event.user_id, value, play.eventTimeMs) && !(await publisher.offer(topic, event.user_id, value, play.eventTimeMs, signal))) {
      break;
    }
    const isLate = play.deliverAtMs > play.eventTimeMs;
    if (isLate) late++;
    summary.addValid(play.eventTimeMs, isLate);
    if (limiter) {
      const waitMs = limiter.reserve(1);
      if (waitMs >= 5) await sleep(waitMs, signal).catch(() => undefined);
    }
    if (++sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      metrics.late.inc(late);
      late = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  metrics.late.inc(late);
}

import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import type { ProducerMetrics } from '../publish/producer-metrics.js';
import type { RateLimiter } from '../publish/rate-limiter.js';
import type { RecordSink, RunCheckpoints } from '../publish/record-sink.js';
import type { RunSummary } from '../publish/run-summary.js';
import { RecordKind } from './play-batch.js';
import type { BackfillProgress } from './backfill-progress.js';
import type { PlaySource } from './play-source.js';

export interface SimulationRunOptions {
  topic: string;
  /** real-time: a record goes out when the wall clock reaches its delivery time; backfill: at once. */
  realTime: boolean;
  signal: AbortSignal;
  now?: () => number;
}

export interface SimulationDeps {
  source: PlaySource;
  publisher: RecordSink;
  /** Exactly-once runs: skip what an earlier process committed, commit transactions as due. */
  checkpoints?: RunCheckpoints;
  summary: RunSummary;
  metrics: ProducerMetrics;
  limiter?: RateLimiter;
  logger: Logger;
  /** Backfill on a terminal: the progress line, updated once per batch. */
  progress?: BackfillProgress;
}

const SLEEP_SLICE_MS = 1_000;

/**
 * The simulate loop: batch of encoded records → produce each, keyed by user_id with the event time
 * as the Kafka timestamp → count it in the summary once librdkafka took it. Returns when the source
 * is exhausted or `signal` aborts; what was accepted is flushed by the caller.
 */
export async function runSimulation(deps: SimulationDeps, options: SimulationRunOptions): Promise<void> {
  const { source, publisher, summary, metrics, limiter, checkpoints } = deps;
  const { topic, signal } = options;
  const now = options.now ?? Date.now;
  while (!signal.aborted) {
    const batch = await source.next();
    if (!batch) break;
    const values = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
    const keys = source.keys;
    let late = 0;
    const malformed = { not_json: 0, schema_invalid: 0 };
    let i = 0;
    for (; i < batch.count && !signal.aborted; i++) {
      if (checkpoints?.skip()) continue;
      if (options.realTime) {
        for (let waitMs = batch.deliverAt[i]! - now(); waitMs > 1 && !signal.aborted; waitMs = batch.deliverAt[i]! - now()) {
          await sleep(Math.min(waitMs, SLEEP_SLICE_MS), signal).catch(() => undefined);
        }
        if (signal.aborted) break;
      }
      const value = values.subarray(batch.offsets[i]!, batch.offsets[i + 1]!);
      const key = keys[batch.keyIds[i]!]!;
      const timestampMs = batch.eventTimes[i]!;
      if (!publisher.tryProduce(topic, key, value, timestampMs) && !(await publisher.offer(topic, key, value, timestampMs, signal))) break;
      const kind = batch.kinds[i]!;
      if (kind === RecordKind.NOT_JSON) {
        summary.addMalformed('not_json');
        malformed.not_json++;
      } else if (kind === RecordKind.SCHEMA_INVALID) {
        summary.addMalformed('schema_invalid');
        malformed.schema_invalid++;
      } else {
        const isLate = kind === RecordKind.VALID_LATE;
        if (isLate) late++;
        summary.addValid(timestampMs, isLate);
      }
      if (checkpoints?.handled()) await checkpoints.commit();
      if (limiter) {
        const waitMs = limiter.reserve(1);
        if (waitMs >= 5) await sleep(waitMs, signal).catch(() => undefined);
      }
    }
    // librdkafka copied every record: the generator may reuse this batch's memory, unless the sink keeps the values.
    if (i === batch.count && !publisher.retainsValues) source.release(batch);
    // One metric update per batch, not per record.
    metrics.late.inc(late);
    if (malformed.not_json > 0) metrics.malformed.inc({ kind: 'not_json' }, malformed.not_json);
    if (malformed.schema_invalid > 0) metrics.malformed.inc({ kind: 'schema_invalid' }, malformed.schema_invalid);
    if (i > 0) deps.progress?.update(summary.valid, batch.deliverAt[i - 1]!);
    // Let delivery reports, signals and scrapes run between batches.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

import type { DeliveryReport, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyKafkaError, flush, type Producer } from '@spotify-pipeline/shared/kafka';
import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import type { ProducerMetrics, TopicTotals } from './producer-metrics.js';

/** librdkafka's RD_KAFKA_RESP_ERR__QUEUE_FULL: the bounded local queue has no room. */
export const ERR_QUEUE_FULL = -184;
/** librdkafka's RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE. */
const ERR_MSG_SIZE_TOO_LARGE = 10;
/** One record in this many carries its send time, for the delivery-latency histogram. */
const LATENCY_SAMPLE_EVERY = 256;
/** Longest wait for room before looking again (a broker that is down sends no delivery reports). */
const ROOM_POLL_MS = 50;
/**
 * A full queue is waited out until this many records were acknowledged, not just one: every
 * rejected produce() costs an Error object, so retrying on each single report wastes the CPU the
 * producer needs.
 */
const ROOM_BATCH = 2_000;

/**
 * A bounded label for a client error: librdkafka's code when the event carries one; otherwise
 * (some client events arrive as plain errors with only a message) a coarse class of the message.
 */
export function clientErrorCode(err: { code?: unknown; message?: string }): string {
  if (typeof err.code === 'number') return String(err.code);
  const message = err.message ?? '';
  if (/all broker/i.test(message)) return 'all_brokers_down';
  if (/connect|transport|refused|disconnect|timed out/i.test(message)) return 'transport';
  return 'other';
}

/**
 * The producing end of both runs (simulate, replay): hands pre-encoded records to an idempotent
 * librdkafka producer and accounts for every one through its delivery report.
 *
 * Memory stays bounded because librdkafka's queue is (queue.buffering.max.messages/kbytes): when it
 * is full, `tryProduce` says so and the source awaits `room()`, which resolves as delivery reports
 * drain the queue. A broker that is down therefore stops the source instead of growing a buffer;
 * librdkafka keeps reconnecting and retrying (idempotence makes its retries duplicate-free), and
 * only records still unsent after message.timeout.ms fail, counted by error code.
 */
export class RecordPublisher {
  /** produce() hands librdkafka a copy: nothing here holds on to a value. */
  readonly retainsValues = false;
  private sent = 0;
  /** Delivery reports seen (success or failure), to wake waiters after a batch of them. */
  private reports = 0;
  private wakeAtReports = Number.POSITIVE_INFINITY;
  private waiters: Array<() => void> = [];
  private failureLogs = 0;
  private lastTopic: string | undefined;
  private lastTotals: TopicTotals | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly metrics: ProducerMetrics,
    private readonly logger: Logger,
  ) {
    producer.on('delivery-report', (err, report) => this.onDelivery(err, report));
    producer.on('event.error', (err) => {
      const code = clientErrorCode(err);
      const errors = metrics.counters.kafkaErrors;
      errors.set(code, (errors.get(code) ?? 0) + 1);
      logger.warn({ err, code: err.code }, 'KafkaClientError');
    });
  }

  /** Records accepted and not yet acknowledged or failed. */
  get inFlight(): number {
    const counters = this.metrics.counters;
    let failed = 0;
    for (const count of counters.failed.values()) failed += count;
    return counters.accepted - counters.delivered - failed;
  }

  /**
   * Queues one record without waiting. False means the local queue is full: nothing was queued,
   * await `room()` and offer the same record again. Other produce errors throw, classified.
   */
  tryProduce(topic: string, key: string, value: Buffer, timestampMs: number): boolean {
    const sample = this.sent++ % LATENCY_SAMPLE_EVERY === 0 ? performance.now() : undefined;
    try {
      this.producer.produce(topic, null, value, key, timestampMs, sample);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === ERR_QUEUE_FULL) {
        this.sent--;
        this.metrics.counters.queueFullWaits++;
        return false;
      }
      if (code === ERR_MSG_SIZE_TOO_LARGE) {
        throw new PipelineError('RECORD_TOO_LARGE', `record of ${value.length} bytes exceeds the producer's message.max.bytes`, { cause: err });
      }
      throw classifyKafkaError(err, `produce to ${topic}`, 'KAFKA_PRODUCE_FAILED');
    }
    this.metrics.counters.accepted++;
    return true;
  }

  /** Queues one record, waiting for room as long as the queue is full (or until `signal` aborts). */
  async produce(topic: string, key: string, value: Buffer, timestampMs: number, signal?: AbortSignal): Promise<void> {
    while (!this.tryProduce(topic, key, value, timestampMs)) await this.room(signal);
  }

  /** Like `produce`, but a stop while waiting is an answer, not an error: false means not queued. */
  async offer(topic: string, key: string, value: Buffer, timestampMs: number, signal: AbortSignal): Promise<boolean> {
    if (this.tryProduce(topic, key, value, timestampMs)) return true;
    try {
      await this.produce(topic, key, value, timestampMs, signal);
      return true;
    } catch (err) {
      if (signal.aborted) return false;
      throw err;
    }
  }

  /** Resolves when a delivery report has freed room, or after a short poll while none arrive. */
  room(signal?: AbortSignal): Promise<void> {
    this.producer.poll();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new PipelineError('SHUTDOWN', 'stopped while waiting for producer queue room', { cause: signal?.reason }));
      };
      const timer = setTimeout(done, ROOM_POLL_MS);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(done);
      this.wakeAtReports = Math.min(this.wakeAtReports, this.reports + Math.min(ROOM_BATCH, Math.max(1, this.inFlight)));
    });
  }

  /** Waits until every accepted record is acknowledged or failed, up to `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await flush(this.producer, timeoutMs);
    // flush() returns once librdkafka's queue is empty; the last reports may still be in dispatch.
    while (this.inFlight > 0) {
      if (Date.now() > deadline) throw new PipelineError('TIMEOUT', `${this.inFlight} records unacknowledged after ${timeoutMs} ms`);
      this.producer.poll();
      await sleep(10);
    }
  }

  private onDelivery(err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    const counters = this.metrics.counters;
    if (err) {
      const code = String(err.code);
      counters.failed.set(code, (counters.failed.get(code) ?? 0) + 1);
      // A dead broker fails records by the thousand: log the first few, count them all.
      if (this.failureLogs++ < 10) this.logger.error({ err, topic: report?.topic, code: err.code }, 'RecordDeliveryFailed');
    } else {
      counters.delivered++;
      // Reports come by the hundred thousand per second, nearly all for one topic: skip the lookup.
      let totals = this.lastTotals;
      if (totals === undefined || this.lastTopic !== report.topic) {
        this.lastTopic = report.topic;
        totals = counters.topics.get(report.topic);
        if (!totals) counters.topics.set(report.topic, (totals = { delivered: 0, bytes: 0 }));
        this.lastTotals = totals;
      }
      totals.delivered++;
      totals.bytes += report.size;
    }
    const sentAt = (report as { opaque?: unknown } | undefined)?.opaque;
    if (typeof sentAt === 'number') this.metrics.deliveryLatency.observe((performance.now() - sentAt) / 1000);
    if (++this.reports >= this.wakeAtReports) {
      this.wakeAtReports = Number.POSITIVE_INFINITY;
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }
}

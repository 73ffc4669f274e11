import type { DeliveryReport, LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyKafkaError, flush, type Producer } from '@spotify-pipeline/shared/kafka';
import { sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from 'pino';
import { DeliveryAccounting, type DeliveredTotals } from './delivery-accounting.js';
import type { ProducerMetrics } from './producer-metrics.js';
import { parseProducerStatistics, type ProducerStatistics } from './producer-statistics.js';

/** librdkafka's RD_KAFKA_RESP_ERR__QUEUE_FULL: the bounded local queue has no room. */
export const ERR_QUEUE_FULL = -184;
/** librdkafka's RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE. */
const ERR_MSG_SIZE_TOO_LARGE = 10;
/**
 * How long a full queue is waited out before offering again. No report says when room frees up
 * (successes are not reported), and each refused produce() costs an Error object: at 200,000
 * records/s, 5 ms frees about 1,000 places; a broker that is down costs 200 refusals a second.
 */
const ROOM_POLL_MS = 5;
/** How often librdkafka writes its statistics: the freshness of the delivered counts and latency. */
export const STATISTICS_INTERVAL_MS = 1_000;

/**
 * The librdkafka settings a RecordPublisher's producer needs: failure reports only, and statistics,
 * from which DeliveryAccounting counts the successes. A report per record cost this client about
 * 5 µs of CPU per record (bench/, raw producer: 10.8 → 5.4 µs per record), as much as producing it.
 */
export const PUBLISHER_PRODUCER_SETTINGS = {
  'delivery.report.only.error': true,
  'statistics.interval.ms': STATISTICS_INTERVAL_MS,
} as const;

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
 * librdkafka producer and accounts for every one: failures through their delivery reports, by
 * error code; successes through DeliveryAccounting, from librdkafka's statistics, exact after a
 * flush. The producer must be created with PUBLISHER_PRODUCER_SETTINGS.
 *
 * Memory stays bounded because librdkafka's queue is (queue.buffering.max.messages/kbytes): when it
 * is full, `tryProduce` says so and the source awaits `room()`. A broker that is down therefore
 * stops the source instead of growing a buffer; librdkafka keeps reconnecting and retrying
 * (idempotence makes its retries duplicate-free), and only records still unsent after
 * message.timeout.ms fail, counted by error code.
 */
export class RecordPublisher {
  /** produce() hands librdkafka a copy: nothing here holds on to a value. */
  readonly retainsValues = false;
  private readonly accounting = new DeliveryAccounting();
  /** What of `accounting.delivered()` the metrics counters already hold, by topic. */
  private readonly counted = new Map<string, DeliveredTotals>();
  /** Failure reports read, to tell when a burst of them has been dispatched. */
  private failureReports = 0;
  private failureLogs = 0;

  constructor(
    private readonly producer: Producer,
    private readonly metrics: ProducerMetrics,
    private readonly logger: Logger,
  ) {
    producer.on('delivery-report', (err, report) => this.onDelivery(err, report));
    producer.on('event.stats', (event: { message: string }) => {
      // Failure reports librdkafka handled before writing these statistics are dispatched
      // separately; read them first, so a failed record is never counted delivered.
      setImmediate(() => this.onStatistics(event.message));
    });
    producer.on('event.error', (err) => {
      const code = clientErrorCode(err);
      const errors = metrics.counters.kafkaErrors;
      errors.set(code, (errors.get(code) ?? 0) + 1);
      logger.warn({ err, code: err.code }, 'KafkaClientError');
    });
  }

  /** Records accepted and not yet known to be acknowledged or failed. */
  get inFlight(): number {
    return this.accounting.unfinished;
  }

  /**
   * Queues one record without waiting. False means the local queue is full: nothing was queued,
   * await `room()` and offer the same record again. Other produce errors throw, classified.
   */
  tryProduce(topic: string, key: string, value: Buffer, timestampMs: number): boolean {
    try {
      this.producer.produce(topic, null, value, key, timestampMs);
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === ERR_QUEUE_FULL) {
        this.metrics.counters.queueFullWaits++;
        return false;
      }
      if (code === ERR_MSG_SIZE_TOO_LARGE) {
        throw new PipelineError('RECORD_TOO_LARGE', `record of ${value.length} bytes exceeds the producer's message.max.bytes`, { cause: err });
      }
      throw classifyKafkaError(err, `produce to ${topic}`, 'KAFKA_PRODUCE_FAILED');
    }
    this.accounting.accept(topic, value.length);
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

  /** Resolves after a short wait for librdkafka to send what it holds (rejects when `signal` aborts). */
  room(signal?: AbortSignal): Promise<void> {
    this.producer.poll();
    return sleep(ROOM_POLL_MS, signal).catch((cause: unknown) => {
      throw new PipelineError('SHUTDOWN', 'stopped while waiting for producer queue room', { cause });
    });
  }

  /**
   * Waits until every accepted record is acknowledged or failed, up to `timeoutMs`; then the
   * delivered counts are exact.
   */
  async flush(timeoutMs: number): Promise<void> {
    try {
      await flush(this.producer, timeoutMs);
    } catch (err) {
      throw new PipelineError('TIMEOUT', `${this.inFlight} records unacknowledged after ${timeoutMs} ms`, { cause: err });
    }
    // librdkafka's queue is empty; its last failure reports may still be in dispatch to this thread.
    for (let seen = -1; seen !== this.failureReports; ) {
      seen = this.failureReports;
      this.producer.poll();
      await sleep(10);
    }
    this.accounting.settle();
    this.countDeliveries();
  }

  private onStatistics(json: string): void {
    let statistics: ProducerStatistics;
    try {
      statistics = parseProducerStatistics(json);
    } catch (err) {
      this.logger.warn({ err }, 'ProducerStatisticsUnreadable');
      return;
    }
    this.accounting.observe(statistics.queue);
    this.countDeliveries();
    const latency = statistics.deliveryLatencyUs;
    if (latency) {
      this.metrics.deliveryLatency.set({ quantile: '0.5' }, latency.p50 / 1e6);
      this.metrics.deliveryLatency.set({ quantile: '0.99' }, latency.p99 / 1e6);
    }
  }

  /** Adds to the metrics what was delivered since the last count (counters only go up). */
  private countDeliveries(): void {
    const counters = this.metrics.counters;
    for (const [topic, now] of this.accounting.delivered()) {
      const before = this.counted.get(topic) ?? { records: 0, bytes: 0 };
      const records = Math.max(0, now.records - before.records);
      const bytes = Math.max(0, now.bytes - before.bytes);
      if (records === 0 && bytes === 0) continue;
      this.counted.set(topic, { records: before.records + records, bytes: before.bytes + bytes });
      let totals = counters.topics.get(topic);
      if (!totals) counters.topics.set(topic, (totals = { delivered: 0, bytes: 0 }));
      totals.delivered += records;
      totals.bytes += bytes;
      counters.delivered += records;
    }
  }

  private onDelivery(err: LibrdKafkaError | null | undefined, report: DeliveryReport): void {
    // Successes are counted from the statistics (a producer made without PUBLISHER_PRODUCER_SETTINGS still reports them).
    if (!err) return;
    const counters = this.metrics.counters;
    const code = String(err.code);
    counters.failed.set(code, (counters.failed.get(code) ?? 0) + 1);
    this.accounting.fail(report.topic, report.size ?? 0);
    this.failureReports++;
    // A dead broker fails records by the thousand: log the first few, count them all.
    if (this.failureLogs++ < 10) this.logger.error({ err, topic: report?.topic, code: err.code }, 'RecordDeliveryFailed');
  }
}

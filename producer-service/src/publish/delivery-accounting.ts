import type { QueueSnapshot } from './producer-statistics.js';

/** One topic's records as the publisher handed them over and as failure reports came back. */
interface TopicLedger {
  accepted: number;
  acceptedBytes: number;
  failed: number;
  failedBytes: number;
}

export interface DeliveredTotals {
  records: number;
  /** Value bytes (exact once every record is finished; until then from the topic's mean record size). */
  bytes: number;
}

/**
 * Counts delivered records without a delivery report per record.
 *
 * The publisher's producer reports failures only (`delivery.report.only.error`): in this client a
 * report per record costs about as much CPU as producing the record. Successes follow from what
 * librdkafka says it still holds: of the records it had taken when it wrote its statistics, those
 * not unfinished and not reported failed were acknowledged. After a flush nothing is unfinished,
 * so the counts are then exact; between flushes they are as fresh as the last statistics
 * (`statistics.interval.ms`).
 *
 * The statistics place most unfinished records in a topic (partition queues, requests in flight);
 * the others (a broker thread's send queue, failures not yet reported) are charged to every topic,
 * so that between flushes a count may lag, but never runs ahead: the metrics are counters, and a
 * delivery counted too early could not be taken back.
 */
export class DeliveryAccounting {
  private readonly topics = new Map<string, TopicLedger>();
  private lastTopic: string | undefined;
  private lastLedger: TopicLedger | undefined;
  private queue: QueueSnapshot = { taken: new Map(), unfinished: 0, waiting: new Map() };
  private queueFinished = 0;

  /** A record handed to librdkafka (it took it: produce() did not throw). */
  accept(topic: string, bytes: number): void {
    let ledger = this.lastLedger;
    if (ledger === undefined || topic !== this.lastTopic) ledger = this.switchTo(topic);
    ledger.accepted++;
    ledger.acceptedBytes += bytes;
  }

  /** A failure report: the record is finished, not delivered. */
  fail(topic: string, bytes: number): void {
    const ledger = this.ledger(topic);
    ledger.failed++;
    ledger.failedBytes += bytes;
  }

  /**
   * librdkafka's view at the time it wrote its statistics. Statistics dispatched out of order
   * (older than what is known) are ignored: the number of finished records never goes back.
   */
  observe(queue: QueueSnapshot): void {
    let taken = 0;
    for (const records of queue.taken.values()) taken += records;
    const finished = taken - queue.unfinished;
    if (finished < this.queueFinished) return;
    this.queue = queue;
    this.queueFinished = finished;
  }

  /** librdkafka finished every record taken so far (a flush returned and its reports were read). */
  settle(): void {
    this.observe({ taken: new Map([...this.topics].map(([topic, ledger]) => [topic, ledger.accepted])), unfinished: 0, waiting: new Map() });
  }

  /** Records accepted and not yet known to be finished. */
  get unfinished(): number {
    let accepted = 0;
    for (const ledger of this.topics.values()) accepted += ledger.accepted;
    return accepted - this.queueFinished;
  }

  /** Acknowledged records and their bytes, by topic, as of the latest view. */
  delivered(): Map<string, DeliveredTotals> {
    const queue = this.queue;
    let placed = 0;
    for (const records of queue.waiting.values()) placed += records;
    const unplaced = Math.max(0, queue.unfinished - placed);
    const totals = new Map<string, DeliveredTotals>();
    for (const [topic, ledger] of this.topics) {
      const taken = Math.min(queue.taken.get(topic) ?? 0, ledger.accepted);
      const unfinished = Math.min(Math.max(0, taken - ledger.failed), (queue.waiting.get(topic) ?? 0) + unplaced);
      const finished = taken - unfinished;
      const finishedBytes = finished === ledger.accepted ? ledger.acceptedBytes : Math.round((finished * ledger.acceptedBytes) / ledger.accepted);
      totals.set(topic, { records: Math.max(0, finished - ledger.failed), bytes: Math.max(0, finishedBytes - ledger.failedBytes) });
    }
    return totals;
  }

  private switchTo(topic: string): TopicLedger {
    const ledger = this.ledger(topic);
    this.lastTopic = topic;
    this.lastLedger = ledger;
    return ledger;
  }

  private ledger(topic: string): TopicLedger {
    let ledger = this.topics.get(topic);
    if (!ledger) {
      ledger = { accepted: 0, acceptedBytes: 0, failed: 0, failedBytes: 0 };
      this.topics.set(topic, ledger);
    }
    return ledger;
  }
}

import {
  closeConsumer,
  consumeBatch,
  createConsumer,
  type KafkaConsumer,
  type KafkaSettings,
  type Message,
  type RetentionLossCheck,
  rewindToCommitted,
  type TopicPartition,
} from '@spotify-pipeline/shared/kafka';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { partitionId, type SourceRecord } from '../pipeline/source-record.js';

export interface SourceOptions {
  groupId: string;
  clientId: string;
  topics: string[];
  sessionTimeoutMs: number;
  pollTimeoutMs: number;
  /** Called before partitions leave us: their open batches must be dropped, not committed. */
  onRevoke(ids: string[]): void;
  /** Reports records retention deleted before the group read them, at each assignment. */
  retentionCheck?: RetentionLossCheck;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  records: number;
  newestTimestampMs: number | undefined;
}

function toSourceRecord(message: Message): SourceRecord {
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    timestamp: message.timestamp ?? 0,
    key: message.key === undefined || message.key === null ? null : Buffer.isBuffer(message.key) ? message.key : Buffer.from(String(message.key)),
    value: message.value,
    ...(message.headers ? { headers: message.headers as Array<Record<string, string | Buffer>> } : {}),
  };
}

/**
 * The sink's side of the consumer group: read_committed, no auto-commit, cooperative-sticky
 * (from shared/kafka). Tracks what is assigned and paused, and rewinds to the committed offsets
 * when a flush round is abandoned.
 */
export class PartitionSource {
  private readonly assigned = new Map<string, TopicPartition>();
  private readonly paused = new Set<string>();
  private readonly newestTimestamp = new Map<string, number>();
  /** Bumped on every assignment: a partition lost and won back during a round is not the one the round read. */
  private readonly epochs = new Map<string, number>();
  private assignments = 0;

  private constructor(
    private readonly logger: Logger,
    private readonly options: SourceOptions,
    private consumer: KafkaConsumer | undefined,
  ) {}

  static async open(settings: KafkaSettings, options: SourceOptions, logger: Logger): Promise<PartitionSource> {
    const source = new PartitionSource(logger, options, undefined);
    const consumer = await createConsumer(settings, {
      clientId: options.clientId,
      groupId: options.groupId,
      overrides: {
        'session.timeout.ms': options.sessionTimeoutMs,
        // Bounds what librdkafka prefetches, so memory stays near the sink's own cap.
        'queued.max.messages.kbytes': 16_384,
        'fetch.max.bytes': 16 * 1024 * 1024,
      },
      rebalance: {
        onAssign: (partitions) => source.assign(partitions),
        onRevoke: (partitions, lost) => source.revoke(partitions, lost),
      },
      retentionCheck: options.retentionCheck,
    });
    consumer.setDefaultConsumeTimeout(options.pollTimeoutMs);
    consumer.subscribe(options.topics);
    source.consumer = consumer;
    return source;
  }

  /** The group member, for `sendOffsetsToTransaction` (its generation fences zombie commits). */
  get client(): KafkaConsumer {
    if (!this.consumer) throw new Error('source not open');
    return this.consumer;
  }

  /**
   * The next poll's fetch, started as soon as the previous one returned: the binding collects
   * messages on a thread-pool thread while the sink batches the previous ones on the main thread
   * (without it the main thread idled ~40% of a bench run, waiting for each consume call).
   * Dropped unread by rewind() and close(): its records may lie past the offsets sought to.
   */
  private prefetch: Promise<Message[]> | undefined;

  async poll(max: number): Promise<SourceRecord[]> {
    const fetching = this.prefetch ?? consumeBatch(this.client, max);
    this.prefetch = undefined;
    const messages = await fetching;
    this.prefetch = consumeBatch(this.client, max);
    // A failed fetch is thrown by the poll that reads it, not as an unhandled rejection meanwhile.
    this.prefetch.catch(() => undefined);
    const records = messages.map(toSourceRecord);
    // Records come in runs of one partition, in offset order: the last of each run is its newest.
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const next = records[i + 1];
      if (next && next.partition === r.partition && next.topic === r.topic) continue;
      this.newestTimestamp.set(partitionId(r.topic, r.partition), r.timestamp);
    }
    return records;
  }

  isAssigned(id: string): boolean {
    return this.assigned.has(id);
  }

  /**
   * Which assignment of the partition we hold now (undefined when not assigned). A round that read
   * the partition under one epoch may commit its offsets only under the same epoch: if it was
   * revoked and assigned back meanwhile, the new assignment re-reads from the committed offset.
   */
  assignmentEpoch(id: string): number | undefined {
    return this.assigned.has(id) ? this.epochs.get(id) : undefined;
  }

  assignedIds(): string[] {
    return [...this.assigned.keys()];
  }

  get pausedCount(): number {
    return this.paused.size;
  }

  pause(ids: Iterable<string>): void {
    const partitions = [...ids].filter((id) => this.assigned.has(id) && !this.paused.has(id));
    if (partitions.length === 0) return;
    this.client.pause(partitions.map((id) => this.assigned.get(id)!));
    for (const id of partitions) this.paused.add(id);
    this.logger.info({ partitions }, 'PartitionsPaused');
  }

  resumeAll(): void {
    const partitions = [...this.paused].filter((id) => this.assigned.has(id));
    this.paused.clear();
    if (partitions.length === 0) return;
    this.client.resume(partitions.map((id) => this.assigned.get(id)!));
    this.logger.info({ partitions }, 'PartitionsResumed');
  }

  /** Seeks every assigned partition back to its committed offset: the records of an abandoned round are read again. */
  async rewind(): Promise<void> {
    await this.dropPrefetch();
    const partitions = [...this.assigned.values()];
    if (partitions.length === 0) return;
    const committed = await rewindToCommitted(this.client, partitions);
    this.logger.info({ partitions: committed.map((tp) => `${partitionId(tp.topic, tp.partition)}@${tp.offset}`) }, 'PartitionsRewound');
  }

  /** Lag per assigned partition, from librdkafka's cached watermarks (no broker round trip). */
  lag(): PartitionLag[] {
    const partitions = [...this.assigned.values()];
    if (partitions.length === 0) return [];
    const positions = this.client.position(partitions);
    return positions.map((tp) => {
      let high = -1;
      try {
        high = this.client.getWatermarkOffsets(tp.topic, tp.partition).highOffset;
      } catch {
        // No fetch response cached yet for this partition: lag unknown, reported as 0.
      }
      const id = partitionId(tp.topic, tp.partition);
      return { topic: tp.topic, partition: tp.partition, records: high >= 0 && tp.offset >= 0 ? Math.max(0, high - tp.offset) : 0, newestTimestampMs: this.newestTimestamp.get(id) };
    });
  }

  async close(): Promise<void> {
    await this.dropPrefetch();
    if (this.consumer) await closeConsumer(this.consumer);
  }

  /** Waits for a fetch in flight and forgets its records (they are read again after a seek, or never). */
  private async dropPrefetch(): Promise<void> {
    const pending = this.prefetch;
    this.prefetch = undefined;
    if (pending) await pending.catch(() => undefined);
  }

  private assign(partitions: TopicPartition[]): void {
    this.assignments += 1;
    for (const tp of partitions) {
      const id = partitionId(tp.topic, tp.partition);
      this.assigned.set(id, { topic: tp.topic, partition: tp.partition });
      this.epochs.set(id, this.assignments);
    }
    this.logger.info({ partitions: partitions.map((tp) => partitionId(tp.topic, tp.partition)) }, 'PartitionsAssigned');
  }

  private revoke(partitions: TopicPartition[], lost: boolean): void {
    const ids = partitions.map((tp) => partitionId(tp.topic, tp.partition));
    for (const id of ids) {
      this.assigned.delete(id);
      this.paused.delete(id);
      this.newestTimestamp.delete(id);
      this.epochs.delete(id);
    }
    this.options.onRevoke(ids);
    this.logger.info({ partitions: ids, lost }, 'PartitionsRevoked');
  }
}

import { consumeBatch, type KafkaConsumer, type Message, type TopicPartitionOffset } from '@spotify-pipeline/shared/kafka';
import { highWatermarks, offsetsForTime, partitionCount } from './kafka-offsets.js';
import { RebuildProgress } from './rebuild-progress.js';

/** librdkafka's logical offset for "the partition's first record". */
const OFFSET_BEGINNING = -2;

export interface HorizonReaderOptions {
  topic: string;
  /** Records per consume call. */
  batchSize: number;
  /** Metadata and offset lookups give up after this long (then retried by the loop). */
  requestTimeoutMs: number;
  now: () => number;
}

/**
 * Reads every partition of the source topic from the horizon on, without a consumer group's
 * assignment or committed offsets: each replica holds the whole picture, so it takes all partitions
 * itself (manual assignment), starting at the first offset whose timestamp (the event time) is
 * inside the horizon. A restart or a new replica therefore rebuilds the same state from Kafka alone,
 * and nothing is ever committed. Partitions added to the topic later are picked up from their start.
 */
export class HorizonReader {
  readonly rebuild: RebuildProgress;
  private partitions = 0;
  /** The offset each partition was assigned at. */
  private readonly starts = new Map<number, number>();

  constructor(
    private readonly consumer: KafkaConsumer,
    private readonly options: HorizonReaderOptions,
  ) {
    this.rebuild = new RebuildProgress(options.now);
    consumer.on('partition.eof', (eof: { partition: number }) => this.rebuild.reachedEnd(eof.partition));
  }

  get partitionCount(): number {
    return this.partitions;
  }

  /** Assigns every partition at the horizon's first offset; the rebuild runs until the high watermarks seen now. */
  async start(horizonStartMs: number): Promise<void> {
    const { topic, requestTimeoutMs } = this.options;
    this.partitions = await partitionCount(this.consumer, topic, requestTimeoutMs);
    const partitions = Array.from({ length: this.partitions }, (_, p) => p);
    const starts = await offsetsForTime(this.consumer, topic, partitions, horizonStartMs, requestTimeoutMs);
    const highs = await highWatermarks(this.consumer, topic, partitions, requestTimeoutMs);
    this.rebuild.begin(starts, highs);
    for (const tp of starts) this.starts.set(tp.partition, tp.offset);
    this.consumer.assign(starts);
  }

  /**
   * Partitions the topic gained since start (or since the last call), assigned from their first
   * record (all of it is new). Every partition already held keeps its exact position. Returns how
   * many were added.
   */
  async discoverPartitions(): Promise<number> {
    const count = await partitionCount(this.consumer, this.options.topic, this.options.requestTimeoutMs);
    if (count <= this.partitions) return 0;
    const held = this.partitions;
    const positions = new Map(this.consumer.position().map((tp) => [tp.partition, tp.offset]));
    const assignment: TopicPartitionOffset[] = Array.from({ length: count }, (_, partition) => {
      const position = positions.get(partition);
      // A partition held but not read from yet has no position (negative): it keeps its assigned start.
      const offset = partition >= held ? OFFSET_BEGINNING : position !== undefined && position >= 0 ? position : (this.starts.get(partition) ?? OFFSET_BEGINNING);
      return { topic: this.options.topic, partition, offset };
    });
    this.consumer.assign(assignment);
    for (const tp of assignment) this.starts.set(tp.partition, tp.offset);
    this.partitions = count;
    return count - held;
  }

  async read(): Promise<Message[]> {
    const messages = await consumeBatch(this.consumer, this.options.batchSize);
    if (!this.rebuild.done) this.trackRebuild(messages);
    return messages;
  }

  private trackRebuild(messages: readonly Message[]): void {
    for (const m of messages) this.rebuild.read(m.partition, m.offset);
    if (this.rebuild.done) return;
    for (const tp of this.consumer.position(this.rebuild.pendingPartitions.map((partition) => ({ topic: this.options.topic, partition })))) {
      if (tp.offset >= 0) this.rebuild.position(tp.partition, tp.offset);
    }
  }
}

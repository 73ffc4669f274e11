import type { Logger } from 'pino';
import { consumeBatch, createConsumer, closeConsumer, type KafkaConsumer, type KafkaSettings, type TopicPartition } from '@spotify-pipeline/shared/kafka';
import { lakeFileManifestV1 } from '@spotify-pipeline/shared/schemas';
import { LakeLedger } from './lake-ledger.js';

/**
 * Follows the committed `pipeline.lake-files` records into a LakeLedger. It is a group member so
 * that each lake partition (manifests keyed by table/dt/hour) is followed by exactly one worker,
 * but it never commits: its state is rebuilt from the start of each partition it is assigned,
 * which is what `auto.offset.reset=earliest` with no committed offsets gives.
 */
export class ManifestFollower {
  readonly ledger = new LakeLedger();
  private consumer?: KafkaConsumer;
  private readonly assigned = new Map<number, { caughtUp: boolean }>();
  /** Which manifest-topic partition each lake partition's manifests come from. */
  private readonly sourceOf = new Map<string, number>();

  constructor(
    private readonly settings: KafkaSettings,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.consumer = await createConsumer(this.settings, {
      clientId: 'etl-compactor',
      groupId: this.groupId,
      rebalance: {
        onAssign: (ps) => ps.forEach((p) => this.assigned.set(p.partition, { caughtUp: false })),
        onRevoke: (ps) => this.revoke(ps),
      },
    });
    this.consumer.subscribe([this.topic]);
    this.consumer.setDefaultConsumeTimeout(100);
  }

  /** Reads what is there now (bounded), and notes which partitions have reached their end. */
  async poll(maxMessages = 5_000): Promise<void> {
    const consumer = this.consumer!;
    const messages = await consumeBatch(consumer, maxMessages);
    for (const message of messages) {
      const parsed = lakeFileManifestV1.safeParse(safeJson(message.value?.toString('utf8')));
      if (parsed.success) {
        this.ledger.apply(parsed.data);
        const m = parsed.data;
        this.sourceOf.set(m.partition ? LakeLedger.partitionId(m.table, m.partition) : `${m.table}/_unpartitioned`, message.partition);
      }
      else this.logger.warn({ partition: message.partition, offset: message.offset }, 'LakeManifestIgnored');
    }
    for (const [partition, state] of this.assigned) {
      const position = consumer.position([{ topic: this.topic, partition }])[0]?.offset ?? -1;
      const high = await this.highWatermark(partition);
      state.caughtUp = high === 0 || (position >= 0 && position >= high);
    }
  }

  /** True when this member owns the lake partition's manifests and has read them to the end. */
  isSettled(lakePartitionId: string): boolean {
    const source = this.sourceOf.get(lakePartitionId);
    return source !== undefined && (this.assigned.get(source)?.caughtUp ?? false);
  }

  async close(): Promise<void> {
    if (this.consumer) await closeConsumer(this.consumer);
  }

  private revoke(partitions: TopicPartition[]): void {
    // Another member follows these now; their lake partitions must not drive compaction here.
    const revoked = new Set(partitions.map((p) => p.partition));
    for (const p of revoked) this.assigned.delete(p);
    this.ledger.dropPartitionsWhere((id) => revoked.has(this.sourceOf.get(id) ?? -1));
  }

  private highWatermark(partition: number): Promise<number> {
    return new Promise((resolve) => {
      this.consumer!.queryWatermarkOffsets(this.topic, partition, 5_000, (err, offsets) => resolve(err ? -1 : offsets.highOffset));
    });
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch {
    return undefined;
  }
}

import type { Logger } from 'pino';
import { consumeBatch, createConsumer, closeConsumer, type KafkaConsumer, type KafkaSettings, type TopicPartition } from '@spotify-pipeline/shared/kafka';
import { lakeFileManifestV1 } from '@spotify-pipeline/shared/schemas';
import { followedWatermarkMs } from '../pipeline/event-time-watermark.js';
import { manifestKey } from '../pipeline/lake-keys.js';

export interface FollowerOptions {
  /** ETL_EVENT_TIME_MAX_FUTURE_MS: a manifest watermark further ahead of this clock is ignored. */
  maxFutureMs: number;
  now?: () => number;
}

/**
 * Follows the committed `pipeline.lake-files` records for two facts only: which hours this member
 * owns, and how far event time has come. Manifests are keyed by table and hour (manifestKey), so
 * all of an hour's manifests land in one partition of the topic, and the group member assigned
 * that partition is the one compactor of the hour: two members never compact the same hour.
 * What the hour holds is read from the table itself (Compactor), not from here.
 *
 * It never commits: its state is rebuilt from the start of each partition it is assigned, which
 * is what `auto.offset.reset=earliest` with no committed offsets gives.
 */
export class ManifestFollower {
  /**
   * Highest `watermark_ms` per table, cut to this process's clock (followedWatermarkMs): event-time
   * progress, which closes hours. A manifest's value beyond now + ETL_EVENT_TIME_MAX_FUTURE_MS is
   * ignored: one bogus max would otherwise close every live hour.
   */
  readonly watermarks = new Map<string, number>();
  /** The source topic of each table's files, for the lineage fields of compacted files. */
  readonly sourceTopics = new Map<string, string>();
  private consumer?: KafkaConsumer;
  private readonly assigned = new Map<number, { caughtUp: boolean }>();
  /** Which manifest-topic partition each lake hour's manifests come from (manifestKey → partition). */
  private readonly sourceOf = new Map<string, number>();
  /** The last ignored watermark per table, so a writer repeating it is logged once, not per manifest. */
  private readonly ignored = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly options: FollowerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

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
      if (!parsed.success) {
        this.logger.warn({ partition: message.partition, offset: message.offset }, 'LakeManifestIgnored');
        continue;
      }
      const m = parsed.data;
      if (m.operation === 'quarantine') continue;
      this.follow(m.table, m.watermark_ms, message.partition, message.offset);
      if (m.operation === 'add' && !this.sourceTopics.has(m.table)) this.sourceTopics.set(m.table, m.source.topic);
      this.sourceOf.set(manifestKey(m.table, m.partition), message.partition);
    }
    for (const [partition, state] of this.assigned) {
      const position = consumer.position([{ topic: this.topic, partition }])[0]?.offset ?? -1;
      const high = await this.highWatermark(partition);
      state.caughtUp = high === 0 || (position >= 0 && position >= high);
    }
  }

  /**
   * True when this member owns the hour (its manifests come from a partition assigned here) and
   * has read that partition to the end, so the watermark it acts on is current.
   */
  owns(lakePartitionId: string): boolean {
    const source = this.sourceOf.get(lakePartitionId);
    return source !== undefined && (this.assigned.get(source)?.caughtUp ?? false);
  }

  async close(): Promise<void> {
    if (this.consumer) await closeConsumer(this.consumer);
  }

  private follow(table: string, manifestMs: number, partition: number, offset: number): void {
    const followed = followedWatermarkMs(this.watermarks.get(table), manifestMs, this.now(), this.options.maxFutureMs);
    if (followed.watermarkMs !== undefined) this.watermarks.set(table, followed.watermarkMs);
    if (followed.ignored && this.ignored.get(table) !== manifestMs) {
      this.ignored.set(table, manifestMs);
      this.logger.warn({ table, partition, offset, watermarkMs: manifestMs, maxFutureMs: this.options.maxFutureMs }, 'LakeManifestWatermarkIgnored');
    }
  }

  private revoke(partitions: TopicPartition[]): void {
    // Another member follows these now; their hours must not be compacted here.
    const revoked = new Set(partitions.map((p) => p.partition));
    for (const p of revoked) this.assigned.delete(p);
    for (const [id, source] of [...this.sourceOf]) if (revoked.has(source)) this.sourceOf.delete(id);
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

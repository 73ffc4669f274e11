import { classifyKafkaError, consumeBatch, nextOffsets, rewindToCommitted, seek, type KafkaConsumer, type Message } from '@spotify-pipeline/shared/kafka';
import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import type { Logger } from '@spotify-pipeline/shared/logging';
import type { LakeCatalog, TableReader } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import type { PositionedManifest } from '../commit/plan-table-commit.js';
import type { TableCommitter } from '../commit/table-committer.js';
import { topicWatermark } from '../completeness/watermarks.js';
import { filesByHour } from '../lake/table-hours.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { JsonDocument } from '../state/json-document.js';
import type { SyncState } from '../state/sync-state.js';
import { decodeManifests } from './decode-manifests.js';
import { manifestProblem, planLineage, type LineageOptions } from './plan-lineage.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface CatalogSyncDeps {
  consumer: KafkaConsumer;
  committer: TableCommitter;
  lake: LakeCatalog;
  reader: TableReader;
  state: JsonDocument<SyncState>;
  reconciler: Reconciler;
  deadLetter(message: Message, code: ErrorCode, reason: string): Promise<void>;
  topics: { lakeFiles: string; stagedFiles: string };
  lakeBucket: string;
  lineage: LineageOptions;
  batchSize: number;
  metrics: SyncMetrics;
  logger: Logger;
  /** Called after a batch that committed at least one snapshot (the crawler trigger listens). */
  onCommitted?: () => void;
}

/**
 * The sync loop: poll committed manifests → commit each table's new files as Iceberg snapshots
 * (the summary records the manifest offsets they cover) → save the lineage ledger → reconcile the
 * hours that closed → commit the Kafka offsets. The table is the truth of what is committed: a
 * crash anywhere replays manifests the table already holds, and the committer skips them.
 */
export class CatalogSync {
  constructor(private readonly deps: CatalogSyncDeps) {}

  /** Records how many partitions each source topic has, so an hour never closes on a partition not yet heard from. */
  async seedSourcePartitions(counts: Record<string, number>): Promise<void> {
    await this.deps.state.update((state) => {
      let changed = false;
      for (const [topic, count] of Object.entries(counts)) {
        if (state.sourcePartitions[topic] !== count) {
          state.sourcePartitions[topic] = count;
          changed = true;
        }
      }
      return changed;
    });
  }

  /**
   * Puts the consumer back at its committed offsets. Called before a failed batch is retried: the
   * consumer has already moved past it, and consuming on would commit past manifests never applied.
   */
  async rewind(): Promise<void> {
    await rewindToCommitted(this.deps.consumer);
  }

  /** One poll → commit cycle; returns the number of messages handled. */
  async runOnce(): Promise<number> {
    const { consumer, metrics, logger } = this.deps;
    const messages = await consumeBatch(consumer, this.deps.batchSize);
    if (messages.length === 0) return 0;
    const started = Date.now();
    const batch = decodeManifests(messages, this.deps.topics);
    for (const bad of batch.poison) await this.reject(bad.message, bad.code, bad.reason);

    const byTable = new Map<string, PositionedManifest[]>();
    const accepted: LakeFileManifest[] = [];
    for (const m of batch.lake) {
      const message = batch.origin.get(m)!;
      const problem = manifestProblem(m, this.deps.lakeBucket);
      if (problem) {
        await this.reject(message, 'RECORD_INVALID', problem);
        continue;
      }
      accepted.push(m);
      if (m.operation === 'quarantine') continue;
      byTable.set(m.table, [...(byTable.get(m.table) ?? []), { manifest: m, topic: message.topic, partition: message.partition, offset: message.offset }]);
    }

    // Per manifest-topic partition, the first offset the tables could not take yet (a compaction read in part).
    const stops = new Map<string, number>();
    let snapshots = 0;
    for (const [table, manifests] of byTable) {
      const result = await this.deps.committer.commit(table, manifests);
      for (const s of result.plan.stops) stops.set(`${s.topic}:${s.partition}`, Math.min(stops.get(`${s.topic}:${s.partition}`) ?? Infinity, s.offset));
      for (const s of result.plan.superseded) {
        if (s.invalid) for (const m of s.manifests) await this.reject(batch.origin.get(m.manifest)!, 'RECORD_INVALID', s.reason);
        else logger.warn({ table, reason: s.reason, keys: s.manifests.map((m) => m.manifest.key) }, 'CompactionSuperseded');
      }
      snapshots += result.snapshots.length;
      for (const snapshot of result.snapshots) {
        metrics.commits.inc({ table, operation: snapshot.operation });
        metrics.commitSeconds.observe({ table }, snapshot.latencyMs / 1000);
        metrics.filesPerCommit.observe({ table }, snapshot.files);
      }
      if (result.plan.alreadyCommitted > 0) logger.info({ table, manifests: result.plan.alreadyCommitted }, 'ReplayedManifestsSkipped');
    }

    let closed: string[] = [];
    const state = await this.deps.state.update((draft) => {
      const before = JSON.stringify(draft);
      closed = planLineage(draft, accepted, batch.staged, this.deps.lineage);
      return JSON.stringify(draft) !== before;
    });
    if (closed.length > 0) await this.reconcileClosed(state, closed);

    const offsets = nextOffsets(messages).map((o) => ({ ...o, offset: Math.min(o.offset, stops.get(`${o.topic}:${o.partition}`) ?? Infinity) }));
    try {
      consumer.commitSync(offsets);
    } catch (err) {
      throw classifyKafkaError(err, 'commit manifest offsets');
    }
    // A compaction read in part: read it again, whole, from its first manifest.
    for (const [key, offset] of stops) {
      const [topic, partition] = [key.slice(0, key.lastIndexOf(':')), Number(key.slice(key.lastIndexOf(':') + 1))];
      await seek(consumer, { topic, partition, offset });
    }
    if (snapshots > 0) this.deps.onCommitted?.();
    for (const m of accepted) metrics.manifests.inc({ topic: this.deps.topics.lakeFiles, operation: m.operation });
    if (batch.staged.length > 0) metrics.manifests.inc({ topic: this.deps.topics.stagedFiles, operation: 'staged' }, batch.staged.length);
    this.exportCompleteness(state);
    metrics.batchSeconds.observe((Date.now() - started) / 1000);
    logger.debug({ messages: messages.length, lake: batch.lake.length, staged: batch.staged.length, closed: closed.length }, 'ManifestBatchCommitted');
    return messages.length;
  }

  private async reject(message: Message, code: ErrorCode, reason: string): Promise<void> {
    await this.deps.deadLetter(message, code, reason);
    this.deps.metrics.manifestsRejected.inc({ error_code: code });
    this.deps.logger.error({ topic: message.topic, partition: message.partition, offset: message.offset, code, reason }, 'ManifestDeadLettered');
  }

  private async reconcileClosed(state: SyncState, closed: string[]): Promise<void> {
    const rows = new Map<string, number>();
    for (const table of new Set(closed.map((id) => state.partitions[id]?.table).filter((t): t is string => t !== undefined))) {
      for (const [id, hour] of await filesByHour(table, await this.deps.lake.load(table), this.deps.reader)) rows.set(id, hour.rows);
    }
    await this.deps.reconciler.reconcile(state, closed, rows);
  }

  private exportCompleteness(state: SyncState): void {
    const open = new Map<string, number>();
    for (const p of Object.values(state.partitions)) if (p.dt && !p.closed) open.set(p.table, (open.get(p.table) ?? 0) + 1);
    for (const table of new Set(Object.values(state.partitions).map((p) => p.table))) this.deps.metrics.openPartitions.set({ table }, open.get(table) ?? 0);
    for (const topic of new Set(Object.values(state.sources))) {
      const watermark = topicWatermark(state, topic);
      if (watermark !== undefined) this.deps.metrics.watermark.set({ topic }, watermark / 1000);
    }
  }
}

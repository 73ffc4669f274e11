import { classifyKafkaError, consumeBatch, type KafkaConsumer, type Message } from '@spotify-pipeline/shared/kafka';
import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { topicWatermark } from '../completeness/watermarks.js';
import type { Reconciler } from '../reconcile/reconciler.js';
import type { JsonDocument } from '../state/json-document.js';
import type { SyncState } from '../state/sync-state.js';
import type { CatalogWriter } from './catalog-writer.js';
import { decodeManifests, nextOffsets } from './decode-manifests.js';
import { planBatch, type BatchPlan, type PlanOptions } from './plan-batch.js';
import type { SyncMetrics } from './sync-metrics.js';

export interface CatalogSyncDeps {
  consumer: KafkaConsumer;
  writer: CatalogWriter;
  state: JsonDocument<SyncState>;
  reconciler: Reconciler;
  deadLetter(message: Message, code: ErrorCode, reason: string): Promise<void>;
  topics: { lakeFiles: string; stagedFiles: string };
  plan: PlanOptions;
  batchSize: number;
  metrics: SyncMetrics;
  logger: Logger;
}

/**
 * The sync loop: poll committed manifests → plan the catalog writes → write the catalog → save the
 * sync state → reconcile what closed → commit the offsets. Offsets move only after the catalog and
 * the state are durable; since every write is idempotent, at-least-once is exactly-once in effect.
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

  /** One poll → catalog → commit cycle; returns the number of messages handled. */
  async runOnce(): Promise<number> {
    const { consumer, metrics, logger } = this.deps;
    const messages = await consumeBatch(consumer, this.deps.batchSize);
    if (messages.length === 0) return 0;
    const started = Date.now();
    const batch = decodeManifests(messages, this.deps.topics);
    for (const bad of batch.poison) {
      await this.deps.deadLetter(bad.message, bad.code, bad.reason);
      metrics.manifestsRejected.inc({ error_code: bad.code });
      logger.error({ topic: bad.message.topic, partition: bad.message.partition, offset: bad.message.offset, code: bad.code, reason: bad.reason }, 'ManifestDeadLettered');
    }

    let plan: BatchPlan | undefined;
    const state = await this.deps.state.update(
      (draft) => {
        // A batch that changes nothing (a replay) writes nothing: every action it could plan was
        // carried out before the state that already holds it was saved.
        const before = JSON.stringify(draft);
        plan = planBatch(draft, batch.lake, batch.staged, this.deps.plan);
        return JSON.stringify(draft) !== before;
      },
      () => this.deps.writer.apply(plan!.actions),
    );
    for (const rejected of plan?.rejected ?? []) {
      const message = batch.origin.get(rejected.manifest);
      if (message) await this.deps.deadLetter(message, 'RECORD_INVALID', rejected.reason);
      metrics.manifestsRejected.inc({ error_code: 'RECORD_INVALID' });
      logger.error({ key: rejected.manifest.key, table: rejected.manifest.table, reason: rejected.reason }, 'ManifestDeadLettered');
    }
    for (const replay of plan?.replays ?? []) logger.warn({ key: replay.key, staged: replay.staged_key }, 'ReplayedAddIgnored');
    // Only a catalog with one location per partition misses these; the embedded catalog lists files.
    if (this.deps.writer.mode !== 'local') for (const m of plan?.misplaced ?? []) logger.warn(m, 'FilesOutsideLocation');
    if (plan && plan.closed.length > 0) await this.deps.reconciler.reconcile(state, plan.closed);

    try {
      consumer.commitSync(nextOffsets(messages));
    } catch (err) {
      throw classifyKafkaError(err, 'commit manifest offsets');
    }
    for (const m of batch.lake) metrics.manifests.inc({ topic: this.deps.topics.lakeFiles, operation: m.operation });
    if (batch.staged.length > 0) metrics.manifests.inc({ topic: this.deps.topics.stagedFiles, operation: 'staged' }, batch.staged.length);
    this.exportCompleteness(state);
    metrics.batchSeconds.observe((Date.now() - started) / 1000);
    logger.debug({ messages: messages.length, lake: batch.lake.length, staged: batch.staged.length, closed: plan?.closed.length ?? 0 }, 'ManifestBatchCommitted');
    return messages.length;
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

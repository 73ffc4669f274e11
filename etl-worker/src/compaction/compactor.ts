import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { commitLakeTransaction } from '../commit/lake-commit.js';
import type { TransactionQueue } from '../commit/transaction-queue.js';
import type { EtlMetrics } from '../metrics.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import { compactedFileKey } from '../pipeline/lake-keys.js';
import { putFile, type LakeStore } from '../sink/lake-store.js';
import { sqlString } from '../transform/listening-events-sql.js';
import { planCompaction, type CompactionPlan, type CompactionPolicy } from './compaction-plan.js';
import { LakeLedger, type PartitionState } from './lake-ledger.js';
import { LiveGenerationMarkers } from './live-generation-marker.js';
import type { ManifestFollower } from './manifest-follower.js';

export interface CompactorDeps {
  follower: ManifestFollower;
  encoder: DuckDbEncoder;
  store: LakeStore;
  txn: TransactionalProducer;
  transactions: TransactionQueue;
  lakeFilesTopic: string;
  policy: CompactionPolicy;
  metrics: EtlMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * Merges the small files of closed hour partitions. The merged files go to a new prefix
 * (`compacted-<generation>/`) and are announced by `compact` manifests that list every replaced
 * key, committed in one transaction: a catalog switches the partition from the old files to the
 * new in one step, so a reader sees one set or the other, never both, never neither. The old
 * objects stay where they are (readers in flight may still read them) until the janitor's TTL.
 * After the commit the partition's live-generation marker names the new generation, so late rows
 * are written inside its folder (the one folder a Glue partition reads); the next round merges
 * them with the compacted files into a new generation.
 */
export class Compactor {
  private readonly markers: LiveGenerationMarkers;
  /** Marker contents this member wrote or confirmed, per lake partition. */
  private readonly markedGeneration = new Map<string, string>();

  constructor(private readonly deps: CompactorDeps) {
    this.markers = new LiveGenerationMarkers(deps.store);
  }

  /** One round: compacts every closed partition this member owns; returns how many it compacted. */
  async runOnce(): Promise<number> {
    const { follower, policy } = this.deps;
    await follower.poll();
    let compacted = 0;
    for (const [id, state] of follower.ledger.partitions) {
      // Hour partitions only: the unpartitioned tracks snapshot is rewritten by the tracks dimension.
      if (!follower.isSettled(id) || !state.partition.dt) continue;
      await this.syncMarker(id, state);
      const misplaced = LakeLedger.misplaced(state);
      if (misplaced.length > 0) this.deps.logger.warn({ partition: id, misplaced }, 'LateFilesOutsideLiveGeneration');
      const plan = planCompaction(state, follower.ledger.watermarks.get(state.table) ?? 0, policy);
      if (!plan) continue;
      const manifests = await this.compact(plan, follower.ledger.watermarks.get(state.table) ?? 0);
      // Applied at once: the next round must not compact the same inputs again while our manifests are in flight.
      for (const m of manifests) follower.ledger.apply(m);
      await this.syncMarker(id, state);
      compacted++;
    }
    return compacted;
  }

  /**
   * Makes the partition's marker name the generation the committed manifests make live. Only
   * committed state reaches the ledger, so a marker never names a generation that is not live; a
   * crash between a commit and this write is repaired on the next round (the ledger is rebuilt).
   */
  private async syncMarker(id: string, state: PartitionState): Promise<void> {
    const generation = LakeLedger.liveGeneration(state);
    if (!generation || this.markedGeneration.get(id) === generation) return;
    await this.markers.write(state.table, state.partition, generation, (this.deps.now ?? Date.now)());
    this.markedGeneration.set(id, generation);
    this.deps.logger.info({ partition: id, generation }, 'LiveGenerationMarked');
  }

  async compact(plan: CompactionPlan, watermarkMs: number): Promise<LakeFileManifest[]> {
    const { encoder, store, logger } = this.deps;
    const locals = plan.inputs.map(() => encoder.tempPath('.parquet'));
    const outputs: string[] = [];
    try {
      await Promise.all(plan.inputs.map((f, i) => store.download(f.key, locals[i]!)));
      const files = `[${locals.map(sqlString).join(', ')}]`;
      // Input order is key order and preserve_insertion_order is on: the same inputs give the same bytes.
      const numbered = `SELECT *, row_number() OVER () AS __row FROM read_parquet(${files}, union_by_name = true)`;
      const manifests: LakeFileManifest[] = [];
      const sources = plan.inputs.map((f) => f.manifest.source);
      const written = (this.deps.now ?? Date.now)();
      for (const [index, range] of plan.outputs.entries()) {
        const local = encoder.tempPath('.parquet');
        outputs.push(local);
        const rows = await encoder.run(
          `COPY (SELECT * EXCLUDE (__row) FROM (${numbered}) WHERE __row BETWEEN ${range.firstRow} AND ${range.lastRow} ORDER BY __row) ` +
            `TO ${sqlString(local)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${encoder.rowGroupRows})`,
        );
        if (rows !== range.lastRow - range.firstRow + 1) throw new PipelineError('INTERNAL', `compaction wrote ${rows} rows, planned ${range.lastRow - range.firstRow + 1}`);
        const key = compactedFileKey(plan.table, plan.partition, plan.generation, index);
        const stored = await putFile(store, key, local);
        manifests.push({
          schema_version: 1,
          operation: 'compact',
          table: plan.table,
          bucket: store.bucket,
          key,
          partition: plan.partition,
          size_bytes: stored.sizeBytes,
          sha256: stored.sha256,
          row_count: rows,
          // A compacted file spans several staged objects: the range covers them all.
          source: {
            topic: sources[0]!.topic,
            partition: Math.min(...sources.map((s) => s.partition)),
            first_offset: Math.min(...sources.map((s) => s.first_offset)),
            last_offset: Math.max(...sources.map((s) => s.last_offset)),
          },
          staged_key: null,
          input: null,
          event_time_min_ms: Math.min(...plan.inputs.map((f) => f.manifest.event_time_min_ms)),
          event_time_max_ms: Math.max(...plan.inputs.map((f) => f.manifest.event_time_max_ms)),
          watermark_ms: watermarkMs,
          new_columns: unionColumns(plan.inputs.map((f) => f.manifest.new_columns)),
          replaces: plan.inputs.map((f) => f.key),
          written_at_ms: written,
        });
        this.deps.metrics.filesWritten.inc({ operation: 'compact' });
        this.deps.metrics.bytesWritten.inc({ operation: 'compact' }, stored.sizeBytes);
      }
      const inputRows = plan.inputs.reduce((sum, f) => sum + f.rowCount, 0);
      const outputRows = manifests.reduce((sum, m) => sum + m.row_count, 0);
      if (inputRows !== outputRows) throw new PipelineError('INTERNAL', `compaction of ${LakeLedger.partitionId(plan.table, plan.partition)} lost rows: ${inputRows} in, ${outputRows} out`);
      await this.deps.transactions.run(() => commitLakeTransaction(this.deps.txn, undefined, this.deps.lakeFilesTopic, manifests, [], []));
      this.deps.metrics.compactions.inc();
      logger.info({ partition: LakeLedger.partitionId(plan.table, plan.partition), inputs: plan.inputs.length, outputs: manifests.length, rows: outputRows }, 'PartitionCompacted');
      return manifests;
    } finally {
      await Promise.all([...locals, ...outputs].map((p) => rm(p, { force: true })));
    }
  }
}

function unionColumns(lists: Array<LakeFileManifest['new_columns']>): LakeFileManifest['new_columns'] {
  const byName = new Map<string, string>();
  for (const list of lists) for (const c of list) byName.set(c.name, c.type);
  return [...byName].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => ({ name, type }));
}

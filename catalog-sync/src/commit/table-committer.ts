import type { Logger } from '@spotify-pipeline/shared/logging';
import { PipelineError, isRetriable } from '@spotify-pipeline/shared/errors';
import {
  DELETED,
  defaultSpec,
  prepareSnapshot,
  type LakeCatalog,
  type LoadedTable,
  type S3FileIO,
  type SnapshotChange,
  type TableMetadata,
  type TableReader,
} from '@spotify-pipeline/shared/iceberg';
import { NO_FAULT_POINTS, type FaultPoints } from '@spotify-pipeline/shared/lifecycle';
import { retry } from '@spotify-pipeline/shared/retry';
import { OFFSETS_SUMMARY_KEY, committedOffsets, formatCommittedOffsets, mergeOffsets, type CommittedOffsets } from './committed-offsets.js';
import { dataFileOf, fileUri } from './data-file.js';
import { planTableCommit, type PositionedManifest, type TableCommitPlan } from './plan-table-commit.js';

export interface TableCommitResult {
  table: string;
  plan: TableCommitPlan;
  /** Snapshots this call committed (0 when the batch held nothing new for the table). */
  snapshots: Array<{ operation: string; files: number; latencyMs: number }>;
}

export interface TableCommitterDeps {
  lake: LakeCatalog;
  io: S3FileIO;
  reader: TableReader;
  logger: Logger;
  /** Attempts per batch when other writers commit to the same table at the same time. */
  maxAttempts?: number;
  /** Crash tests: `catalog.before-commit` (snapshot files written, not committed), `catalog.after-commit`. */
  faults?: FaultPoints;
}

/**
 * The one committer of a lake table: turns a batch of its committed `pipeline.lake-files`
 * manifests into Iceberg snapshots — an append for new files, then a replace per compaction —
 * each carrying in its summary the manifest offsets it covers. Every attempt reloads the table and
 * re-plans from what it holds, so a conflict (another replica, Athena OPTIMIZE), a commit whose
 * answer was lost (it may have landed) or a replay after a crash never commits a file twice.
 */
export class TableCommitter {
  /** Data files each snapshot removed, by snapshot id: snapshots never change, so each is read once. */
  private readonly removedBySnapshot = new Map<bigint, string[]>();

  constructor(private readonly deps: TableCommitterDeps) {}

  async commit(table: string, manifests: PositionedManifest[]): Promise<TableCommitResult> {
    return retry(() => this.attempt(table, manifests), {
      maxAttempts: this.deps.maxAttempts ?? 10,
      baseDelayMs: 100,
      maxDelayMs: 5_000,
      shouldRetry: (err) => err instanceof PipelineError && (err.code === 'CATALOG_CONFLICT' || err.code === 'CATALOG_COMMIT_UNKNOWN') && isRetriable(err),
      onRetry: (err, attempt) => this.deps.logger.warn({ table, attempt, reason: (err as Error).message }, 'CommitRetried'),
    });
  }

  private async attempt(table: string, manifests: PositionedManifest[]): Promise<TableCommitResult> {
    let loaded = await this.deps.lake.load(table);
    const spec = defaultSpec(loaded.metadata);
    const live = new Map((await this.deps.reader.currentFiles(loaded.metadata)).map((f) => [f.entry.dataFile.filePath, f.entry.dataFile.recordCount]));
    const committed = committedOffsets(loaded.metadata);
    const adding = manifests.some((m) => m.manifest.operation === 'add' && !live.has(fileUri(m.manifest.bucket, m.manifest.key)));
    const removed = adding ? await this.removedFiles(loaded.metadata) : new Set<string>();
    const plan = planTableCommit(manifests, committed, live, spec.fields.length > 0, removed);
    const result: TableCommitResult = { table, plan, snapshots: [] };
    const replacing = plan.replacements.length > 0;

    if (plan.appends.length > 0) {
      const change: SnapshotChange = {
        operation: 'append',
        added: plan.appends.map((m) => dataFileOf(m.manifest, spec)),
        removed: new Set(),
        summary: this.summary(committed, replacing ? plan.appendProgress : plan.progress),
      };
      loaded = await this.commitChange(table, loaded, change, result);
    }
    for (const [i, replacement] of plan.replacements.entries()) {
      const last = i === plan.replacements.length - 1;
      const change: SnapshotChange = {
        operation: replacement.operation,
        added: replacement.added.map((m) => dataFileOf(m.manifest, spec)),
        removed: new Set(replacement.removed),
        // Offsets move once every replacement of the batch is in: a crash in between replays them.
        summary: this.summary(committed, last ? plan.progress : plan.appendProgress),
      };
      loaded = await this.commitChange(table, loaded, change, result);
    }
    return result;
  }

  /**
   * Every data file a snapshot still in the table's history removed (compactions, the tracks
   * overwrite, Athena OPTIMIZE): the DELETED entries each such snapshot wrote with its own id.
   * An `add` naming one is a replay of a file whose rows the table already holds elsewhere.
   */
  private async removedFiles(metadata: TableMetadata): Promise<Set<string>> {
    const removed = new Set<string>();
    const ids = new Set<bigint>();
    for (const snapshot of metadata.snapshots ?? []) {
      const id = snapshot['snapshot-id'];
      ids.add(id);
      if (snapshot.summary.operation === 'append') continue;
      let paths = this.removedBySnapshot.get(id);
      if (!paths) {
        paths = [];
        for (const manifest of await this.deps.reader.manifestList(snapshot)) {
          if (manifest.addedSnapshotId !== id || manifest.deletedFilesCount === 0) continue;
          for (const entry of await this.deps.reader.entries(manifest)) if (entry.status === DELETED && entry.snapshotId === id) paths.push(entry.dataFile.filePath);
        }
        this.removedBySnapshot.set(id, paths);
      }
      for (const path of paths) removed.add(path);
    }
    // Expired snapshots are gone from the metadata: forget them too (bounded by the table's history).
    for (const id of this.removedBySnapshot.keys()) if (!ids.has(id)) this.removedBySnapshot.delete(id);
    return removed;
  }

  private summary(committed: CommittedOffsets, progress: CommittedOffsets): Record<string, string> {
    return { [OFFSETS_SUMMARY_KEY]: formatCommittedOffsets(mergeOffsets(committed, progress)) };
  }

  private async commitChange(table: string, loaded: LoadedTable, change: SnapshotChange, result: TableCommitResult): Promise<LoadedTable> {
    const started = performance.now();
    const faults = this.deps.faults ?? NO_FAULT_POINTS;
    const prepared = await prepareSnapshot(this.deps.io, this.deps.reader, loaded.metadata, change);
    faults.reach('catalog.before-commit');
    const committed = await this.deps.lake.rest.commit(this.deps.lake.namespace, table, prepared.requirements, prepared.updates);
    faults.reach('catalog.after-commit');
    const latencyMs = performance.now() - started;
    result.snapshots.push({ operation: change.operation, files: change.added.length + change.removed.size, latencyMs });
    this.deps.logger.info(
      { table, snapshotId: prepared.snapshot['snapshot-id'].toString(), operation: change.operation, added: change.added.length, removed: change.removed.size, latencyMs: Math.round(latencyMs) },
      'SnapshotCommitted',
    );
    return committed;
  }
}

import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { fileIdentity, generationOfKey, type HourPartition } from '../pipeline/lake-keys.js';

export interface LiveFile {
  key: string;
  sizeBytes: number;
  rowCount: number;
  manifest: LakeFileManifest;
}

export interface PartitionState {
  table: string;
  partition: HourPartition;
  live: Map<string, LiveFile>;
  /** Identities (fileIdentity) of every add ever applied: a second key for one of them is a replay. */
  added: Set<string>;
  /** Keys of committed adds dropped as replays: objects that exist but must never be read. */
  dropped: Set<string>;
}

/**
 * The lake as the manifests describe it: which files of each partition are live. Applying the
 * committed `pipeline.lake-files` records in order gives exactly what a catalog serves:
 * `add` makes a file live, `compact` makes its file live and the `replaces` files dead in one
 * step. A key once replaced stays dead, so a stray re-add of a compacted small file (a replayed
 * manifest) cannot bring its rows back twice, and neither can a replayed staged object written
 * under another folder (its identity is its offsets, whatever the folder). Quarantine objects are
 * kept apart.
 */
export class LakeLedger {
  readonly partitions = new Map<string, PartitionState>();
  readonly quarantine = new Map<string, LakeFileManifest>();
  private readonly replaced = new Set<string>();
  /** Highest `watermark_ms` seen per table: event-time progress, which closes hour partitions. */
  readonly watermarks = new Map<string, number>();

  static partitionId(table: string, p: HourPartition): string {
    return `${table}/dt=${p.dt}/hour=${p.hour}`;
  }

  apply(manifest: LakeFileManifest): void {
    if (manifest.operation === 'quarantine') {
      this.quarantine.set(manifest.key, manifest);
      return;
    }
    this.watermarks.set(manifest.table, Math.max(this.watermarks.get(manifest.table) ?? 0, manifest.watermark_ms));
    const id = manifest.partition ? LakeLedger.partitionId(manifest.table, manifest.partition) : `${manifest.table}/_unpartitioned`;
    let state = this.partitions.get(id);
    if (!state) {
      state = { table: manifest.table, partition: manifest.partition ?? { dt: '', hour: '' }, live: new Map(), added: new Set(), dropped: new Set() };
      this.partitions.set(id, state);
    }
    if (this.replaced.has(manifest.key)) return;
    if (manifest.operation === 'add') {
      const identity = fileIdentity(manifest.key);
      if (state.added.has(identity) && !state.live.has(manifest.key)) {
        state.dropped.add(manifest.key);
        return;
      }
      state.added.add(identity);
    }
    if (manifest.operation === 'compact') {
      for (const key of manifest.replaces) {
        state.live.delete(key);
        this.replaced.add(key);
      }
    }
    state.live.set(manifest.key, { key: manifest.key, sizeBytes: manifest.size_bytes, rowCount: manifest.row_count, manifest });
  }

  /**
   * The compacted generation a partition is read from: the folder of its live compacted files.
   * Undefined before the first compaction (readers read the partition folder).
   */
  static liveGeneration(state: PartitionState): string | undefined {
    let newest: LiveFile | undefined;
    for (const f of state.live.values()) {
      if (f.manifest.operation === 'compact' && (!newest || f.manifest.written_at_ms > newest.manifest.written_at_ms)) newest = f;
    }
    return newest ? generationOfKey(newest.key) : undefined;
  }

  /**
   * Files a one-location catalog (Glue) gets wrong: live files outside the live generation's
   * folder (a late file whose writer had not yet seen the compaction) and dropped replays inside
   * it. The next compaction of the partition moves it to a folder holding exactly its live files.
   */
  static misplaced(state: PartitionState): string[] {
    const generation = LakeLedger.liveGeneration(state);
    if (!generation) return [];
    const inLive = (key: string): boolean => generationOfKey(key) === generation;
    return [...[...state.live.keys()].filter((k) => !inLive(k)), ...[...state.dropped].filter(inLive)].sort();
  }

  /** Live files of a table, sorted by key: what a reader of the catalog scans. */
  liveFiles(table: string): LiveFile[] {
    return [...this.partitions.values()]
      .filter((p) => p.table === table)
      .flatMap((p) => [...p.live.values()])
      .sort((a, b) => a.key.localeCompare(b.key));
  }

  dropPartitionsWhere(predicate: (id: string) => boolean): void {
    for (const id of [...this.partitions.keys()]) if (predicate(id)) this.partitions.delete(id);
  }
}

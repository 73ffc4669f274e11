import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { mergeOffsets, nextOffsetOf, type CommittedOffsets } from './committed-offsets.js';
import { fileUri } from './data-file.js';

/** A lake manifest and where it was read from on `pipeline.lake-files`. */
export interface PositionedManifest {
  manifest: LakeFileManifest;
  topic: string;
  partition: number;
  offset: number;
}

/** Files that replace others in one snapshot: a compaction (same rows) or the tracks snapshot (new rows). */
export interface Replacement {
  operation: 'replace' | 'overwrite';
  removed: string[];
  added: PositionedManifest[];
}

export interface TableCommitPlan {
  appends: PositionedManifest[];
  replacements: Replacement[];
  /** Offsets the whole plan covers once committed (per manifest-topic partition: next offset). */
  progress: CommittedOffsets;
  /** Offsets the append snapshot alone covers: below the first manifest of a replacement. */
  appendProgress: CommittedOffsets;
  /** First offset of a compaction not yet read whole: nothing from it on is committed, it is read again. */
  stops: PositionedManifest[];
  /** Manifests the table already holds (a replay after a crash, or a zombie's batch). */
  alreadyCommitted: number;
  /** Compactions that cannot apply: inputs no longer live (replaced by another) or rows that do not add up. */
  superseded: Array<{ manifests: PositionedManifest[]; reason: string; invalid: boolean }>;
}

const partitionKey = (p: Pick<PositionedManifest, 'topic' | 'partition'>): string => `${p.topic}:${p.partition}`;

function progressOf(manifests: PositionedManifest[], stops: Map<string, number>, limit?: Map<string, number>): CommittedOffsets {
  const progress: CommittedOffsets = {};
  for (const m of manifests) {
    const key = partitionKey(m);
    const next = Math.min(stops.get(key) ?? Infinity, limit?.get(key) ?? Infinity, m.offset + 1);
    const topic = (progress[m.topic] ??= {});
    topic[String(m.partition)] = Math.max(topic[String(m.partition)] ?? 0, next);
  }
  return progress;
}

/**
 * What one batch of a table's `add`/`compact` manifests does to the table, given the offsets and
 * the live files (path → rows) it holds now. Pure, so a retry after a conflict re-plans against
 * the reloaded table and never applies a manifest twice:
 * - a manifest below the table's committed offset is skipped; an `add` of a file already live too;
 * - the `compact` manifests naming the same `replaces` are one compaction: applied only when all
 *   its files are here (their rows add up to the replaced files' rows) and every replaced file is
 *   still live; until then the partition stops at its first manifest and is read again;
 * - a `compact` of an unpartitioned table replaces every live file (the tracks snapshot);
 * - an `add` of a file a snapshot of the table already removed (`removed`: a compaction replaced
 *   it) is skipped too: it is a replay (the ETL's keys are deterministic) whose rows the table
 *   holds in the file that replaced it, so appending it again would count them twice.
 */
export function planTableCommit(
  manifests: PositionedManifest[],
  committed: CommittedOffsets,
  live: ReadonlyMap<string, number>,
  partitioned: boolean,
  removed: ReadonlySet<string> = new Set(),
): TableCommitPlan {
  const fresh = manifests.filter((m) => m.offset >= nextOffsetOf(committed, m.topic, m.partition)).sort((a, b) => a.offset - b.offset);
  const plan: TableCommitPlan = { appends: [], replacements: [], progress: {}, appendProgress: {}, stops: [], alreadyCommitted: manifests.length - fresh.length, superseded: [] };

  // Compactions of hour partitions, grouped by what they replace; an incomplete one stops its partition.
  const groups = new Map<string, PositionedManifest[]>();
  for (const m of fresh) {
    if (m.manifest.operation !== 'compact' || !partitioned) continue;
    const id = [...m.manifest.replaces].sort().join('\n');
    const group = groups.get(id) ?? [];
    // The same compaction announced again (the compactor retries after its in-flight window) names
    // the same files: each file counts once, or its rows would be counted twice.
    if (!group.some((g) => g.manifest.key === m.manifest.key)) group.push(m);
    groups.set(id, group);
  }
  const stops = new Map<string, number>();
  const working = new Map(live);
  const complete: Array<{ group: PositionedManifest[]; removed: string[] }> = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const removed = first.manifest.replaces.map((key) => fileUri(first.manifest.bucket, key));
    if (removed.length === 0 || removed.some((uri) => !working.has(uri))) {
      plan.superseded.push({ manifests: group, reason: `compaction of ${first.manifest.key.slice(0, first.manifest.key.lastIndexOf('/'))}: ${removed.filter((uri) => !working.has(uri)).length} of ${removed.length} replaced files are no longer live`, invalid: false });
      continue;
    }
    const needed = removed.reduce((sum, uri) => sum + working.get(uri)!, 0);
    const arrived = group.reduce((sum, m) => sum + m.manifest.row_count, 0);
    if (arrived > needed) {
      plan.superseded.push({ manifests: group, reason: `compaction files hold ${arrived} rows, the files they replace ${needed}`, invalid: true });
      continue;
    }
    if (arrived < needed) {
      const key = partitionKey(first);
      stops.set(key, Math.min(stops.get(key) ?? Infinity, Math.min(...group.map((m) => m.offset))));
      plan.stops.push(first);
      continue;
    }
    for (const uri of removed) working.delete(uri);
    complete.push({ group, removed });
  }
  const beforeStop = (m: PositionedManifest): boolean => m.offset < (stops.get(partitionKey(m)) ?? Infinity);
  for (const { group, removed } of complete) {
    if (group.every(beforeStop)) plan.replacements.push({ operation: 'replace', removed, added: group });
  }

  // The tracks snapshot: the newest replaces everything live; older ones in the same batch never show.
  if (!partitioned) {
    const snapshots = fresh.filter((m) => m.manifest.operation === 'compact' && beforeStop(m));
    const newest = snapshots[snapshots.length - 1];
    if (newest && !live.has(fileUri(newest.manifest.bucket, newest.manifest.key))) {
      plan.replacements.push({ operation: 'overwrite', removed: [...live.keys()], added: [newest] });
    }
    for (const older of snapshots.slice(0, -1)) plan.superseded.push({ manifests: [older], reason: 'a newer snapshot of the table follows in the same batch', invalid: false });
  }

  const seen = new Set<string>();
  for (const m of fresh) {
    if (m.manifest.operation !== 'add' || !beforeStop(m)) continue;
    const uri = fileUri(m.manifest.bucket, m.manifest.key);
    if (live.has(uri) || seen.has(uri) || removed.has(uri)) {
      plan.alreadyCommitted++;
      continue;
    }
    seen.add(uri);
    plan.appends.push(m);
  }

  plan.progress = progressOf(fresh, stops);
  const firstReplacing = new Map<string, number>();
  for (const r of plan.replacements) for (const m of r.added) firstReplacing.set(partitionKey(m), Math.min(firstReplacing.get(partitionKey(m)) ?? Infinity, m.offset));
  plan.appendProgress = progressOf(fresh, stops, firstReplacing);
  return plan;
}

export { mergeOffsets };

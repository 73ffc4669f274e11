import { ancestors, type TableMetadata } from '@spotify-pipeline/shared/iceberg';

/**
 * Snapshot summary key holding, per manifest topic and partition, the next `pipeline.lake-files`
 * offset not yet in the table: every manifest of this table below it is committed (the Iceberg
 * Kafka Connect sink's design). A committer that crashes after an Iceberg commit but before its
 * Kafka offsets, or a zombie replica, re-reads manifests the table already holds and skips them.
 */
export const OFFSETS_SUMMARY_KEY = 'pipeline.lake-files.offsets';

/** topic → partition → next offset. */
export type CommittedOffsets = Record<string, Record<string, number>>;

export function parseCommittedOffsets(value: string | undefined): CommittedOffsets | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const offsets: CommittedOffsets = {};
    for (const [topic, partitions] of Object.entries(parsed as Record<string, unknown>)) {
      if (typeof partitions !== 'object' || partitions === null) continue;
      offsets[topic] = {};
      for (const [partition, offset] of Object.entries(partitions as Record<string, unknown>)) if (Number.isSafeInteger(offset)) offsets[topic]![partition] = offset as number;
    }
    return offsets;
  } catch {
    return undefined;
  }
}

/**
 * The offsets the table holds: from the newest snapshot of `main` that carries them. Snapshots
 * committed by others (Athena OPTIMIZE, Trino, Glue compaction) carry none, so the walk goes back
 * past them; a table with no snapshot of ours holds nothing of ours.
 */
export function committedOffsets(metadata: TableMetadata): CommittedOffsets {
  for (const snapshot of ancestors(metadata)) {
    const offsets = parseCommittedOffsets(snapshot.summary[OFFSETS_SUMMARY_KEY]);
    if (offsets) return offsets;
  }
  return {};
}

export const nextOffsetOf = (offsets: CommittedOffsets, topic: string, partition: number): number => offsets[topic]?.[String(partition)] ?? 0;

/** `base` with `progress` applied; an offset never moves back (a zombie's older progress is ignored). */
export function mergeOffsets(base: CommittedOffsets, progress: CommittedOffsets): CommittedOffsets {
  const merged: CommittedOffsets = JSON.parse(JSON.stringify(base)) as CommittedOffsets;
  for (const [topic, partitions] of Object.entries(progress)) {
    const target = (merged[topic] ??= {});
    for (const [partition, offset] of Object.entries(partitions)) target[partition] = Math.max(target[partition] ?? 0, offset);
  }
  return merged;
}

/** Stable text for the summary (sorted keys), so equal offsets always read the same. */
export function formatCommittedOffsets(offsets: CommittedOffsets): string {
  const sorted: CommittedOffsets = {};
  for (const topic of Object.keys(offsets).sort()) {
    sorted[topic] = {};
    for (const partition of Object.keys(offsets[topic]!).sort((a, b) => Number(a) - Number(b))) sorted[topic]![partition] = offsets[topic]![partition]!;
  }
  return JSON.stringify(sorted);
}

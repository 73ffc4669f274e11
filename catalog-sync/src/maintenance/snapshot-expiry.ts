import { ancestors, currentSnapshot, type Snapshot, type TableMetadata } from '@spotify-pipeline/shared/iceberg';

export interface ExpiryPolicy {
  /** Snapshots older than this are expired (time travel reaches this far back). */
  maxAgeMs: number;
  /** ...but at least this many of the newest snapshots of `main` are kept whatever their age. */
  minSnapshots: number;
}

/**
 * The snapshots to expire, as Iceberg's ExpireSnapshots decides by default: any snapshot older
 * than the age limit, except the current one and the newest `minSnapshots` ancestors of `main`,
 * and except snapshots other refs (tags, branches) point at.
 */
export function snapshotsToExpire(metadata: TableMetadata, policy: ExpiryPolicy, nowMs: number): Snapshot[] {
  const keep = new Set<bigint>();
  let kept = 0;
  for (const snapshot of ancestors(metadata)) {
    if (kept >= Math.max(1, policy.minSnapshots)) break;
    keep.add(snapshot['snapshot-id']);
    kept++;
  }
  const current = currentSnapshot(metadata);
  if (current) keep.add(current['snapshot-id']);
  for (const ref of Object.values(metadata.refs ?? {})) keep.add(ref['snapshot-id']);
  return (metadata.snapshots ?? []).filter((s) => !keep.has(s['snapshot-id']) && s['timestamp-ms'] < nowMs - policy.maxAgeMs);
}

import type { PartitionLedger, SyncState } from '../state/sync-state.js';

const HOUR_MS = 3_600_000;

/** End of an hour partition (exclusive), in epoch ms. */
export function hourEndMs(dt: string, hour: string): number {
  return Date.parse(`${dt}T${hour}:00:00.000Z`) + HOUR_MS;
}

/** Raises a source partition's watermark; never lowers it (manifests may be replayed out of order). */
export function advanceWatermark(state: SyncState, topic: string, partition: number, watermarkMs: number): boolean {
  const id = `${topic}:${partition}`;
  const current = state.watermarks[id];
  if (current !== undefined && current >= watermarkMs) return false;
  state.watermarks[id] = watermarkMs;
  return true;
}

/**
 * The event-time watermark of a whole source topic: the lowest over its partitions. Undefined
 * while a partition the broker reports has never been seen: it may still hold old events.
 */
export function topicWatermark(state: SyncState, topic: string): number | undefined {
  const seen = Object.entries(state.watermarks)
    .filter(([id]) => id.slice(0, id.lastIndexOf(':')) === topic)
    .map(([id, ms]) => ({ partition: Number(id.slice(id.lastIndexOf(':') + 1)), ms }));
  const expected = state.sourcePartitions[topic] ?? 0;
  if (seen.length === 0) return undefined;
  for (let p = 0; p < expected; p++) if (!seen.some((s) => s.partition === p)) return undefined;
  return Math.min(...seen.map((s) => s.ms));
}

/**
 * Open hour partitions that are complete: every partition of their source topic has reported
 * events later than the hour's end plus the allowed lateness, so the ETL accepts no more rows for
 * them (it quarantines later arrivals as too late).
 */
export function partitionsToClose(state: SyncState, allowedLatenessMs: number): Array<{ id: string; ledger: PartitionLedger; watermarkMs: number }> {
  const closable: Array<{ id: string; ledger: PartitionLedger; watermarkMs: number }> = [];
  for (const [id, ledger] of Object.entries(state.partitions)) {
    if (ledger.closed || !ledger.dt) continue;
    const topic = state.sources[ledger.table];
    const watermarkMs = topic === undefined ? undefined : topicWatermark(state, topic);
    if (watermarkMs !== undefined && watermarkMs >= hourEndMs(ledger.dt, ledger.hour) + allowedLatenessMs) {
      closable.push({ id, ledger, watermarkMs });
    }
  }
  return closable;
}

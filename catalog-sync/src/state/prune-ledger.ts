import { hourEndMs, topicWatermark } from '../completeness/watermarks.js';
import type { SyncState } from './sync-state.js';

/**
 * Drops the ledger of hours closed longer than `retentionMs` ago (event time), with the staged
 * objects only they referenced, so the sync state — rewritten on every batch — stays the size of the
 * recent past. The table is not touched (it does not depend on this ledger); what is lost is only
 * the ability to reconcile those hours again from `catalog status`. Staged objects no partition has referenced yet are kept: their lake
 * manifests may still be on the way.
 */
export function pruneLedger(state: SyncState, retentionMs: number, keep: ReadonlySet<string> = new Set()): string[] {
  const pruned: string[] = [];
  const released = new Set<string>();
  for (const [id, ledger] of Object.entries(state.partitions)) {
    if (!ledger.closed || !ledger.dt || keep.has(id)) continue;
    const topic = state.sources[ledger.table];
    const watermark = topic === undefined ? undefined : topicWatermark(state, topic);
    if (watermark === undefined || hourEndMs(ledger.dt, ledger.hour) + retentionMs > watermark) continue;
    for (const key of ledger.stagedKeys) released.add(key);
    delete state.partitions[id];
    pruned.push(id);
  }
  if (released.size === 0) return pruned;
  for (const ledger of Object.values(state.partitions)) for (const key of ledger.stagedKeys) released.delete(key);
  for (const key of released) {
    delete state.objects[key];
    delete state.staged[key];
  }
  return pruned;
}

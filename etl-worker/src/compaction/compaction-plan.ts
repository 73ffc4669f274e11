import { createHash } from 'node:crypto';
import type { HourPartition } from '../pipeline/lake-keys.js';
import { LakeLedger, type LiveFile, type PartitionState } from './lake-ledger.js';

export interface CompactionPolicy {
  allowedLatenessMs: number;
  targetBytes: number;
  minFiles: number;
}

export interface CompactionPlan {
  table: string;
  partition: HourPartition;
  inputs: LiveFile[];
  /** Output files, each a contiguous range of the inputs' rows (1-based, inclusive). */
  outputs: Array<{ firstRow: number; lastRow: number }>;
  /** Hash of the replaced keys: the same inputs always compact to the same keys (crash-safe rerun). */
  generation: string;
}

/** End of an hour partition in epoch ms. */
export const partitionEndMs = (p: HourPartition): number => Date.parse(`${p.dt}T${p.hour}:00:00Z`) + 3_600_000;

/**
 * A partition is compacted once event time (the table's watermark) has passed its end by the
 * allowed lateness, and it holds at least `minFiles` files smaller than the target — or at once,
 * closed or not, when a one-location catalog would read it wrong (LakeLedger.misplaced: a late
 * file outside the live generation's folder, a dropped replay inside it). Every live file is
 * merged, large ones too: the new generation's folder becomes the partition's only location, so
 * it must hold all of the partition's rows.
 */
export function planCompaction(state: PartitionState, watermarkMs: number, policy: CompactionPolicy): CompactionPlan | undefined {
  if (!state.partition.dt) return undefined;
  const inputs = [...state.live.values()].sort((a, b) => a.key.localeCompare(b.key));
  if (inputs.length === 0) return undefined;
  if (LakeLedger.misplaced(state).length === 0) {
    if (partitionEndMs(state.partition) + policy.allowedLatenessMs > watermarkMs) return undefined;
    const small = inputs.filter((f) => f.sizeBytes < policy.targetBytes * 0.75);
    if (small.length < Math.max(2, policy.minFiles)) return undefined;
  }
  const totalBytes = inputs.reduce((sum, f) => sum + f.sizeBytes, 0);
  const totalRows = inputs.reduce((sum, f) => sum + f.rowCount, 0);
  const outputCount = Math.max(1, Math.ceil(totalBytes / policy.targetBytes));
  const rowsPerOutput = Math.ceil(totalRows / outputCount);
  const outputs: CompactionPlan['outputs'] = [];
  for (let first = 1; first <= totalRows; first += rowsPerOutput) outputs.push({ firstRow: first, lastRow: Math.min(totalRows, first + rowsPerOutput - 1) });
  const generation = createHash('sha256')
    .update(inputs.map((f) => f.key).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { table: state.table, partition: state.partition, inputs, outputs, generation };
}

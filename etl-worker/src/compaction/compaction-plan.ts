import { createHash } from 'node:crypto';
import type { HourPartition } from '../pipeline/lake-keys.js';
import type { LiveFile, PartitionState } from './lake-ledger.js';

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
 * allowed lateness, and it holds at least `minFiles` files smaller than the target. Files already
 * at the target size are left alone; only the small ones are merged.
 */
export function planCompaction(state: PartitionState, watermarkMs: number, policy: CompactionPolicy): CompactionPlan | undefined {
  if (!state.partition.dt) return undefined;
  if (partitionEndMs(state.partition) + policy.allowedLatenessMs > watermarkMs) return undefined;
  const inputs = [...state.live.values()].filter((f) => f.sizeBytes < policy.targetBytes * 0.75).sort((a, b) => a.key.localeCompare(b.key));
  if (inputs.length < Math.max(2, policy.minFiles)) return undefined;
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

import { createHash } from 'node:crypto';
import type { PartitionValues } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import type { ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { hourStartMs, type HourPartition } from '../pipeline/lake-keys.js';

export interface CompactionPolicy {
  allowedLatenessMs: number;
  targetBytes: number;
  minFiles: number;
}

/** A table spec's `parquet` settings: the codec of its files and, when the spec sets one, the target size of its compacted files. */
export type TableParquet = ResolvedTableSpec['parquet'];

/**
 * The policy of one table: the target size its spec sets (`parquet.target_file_size_mb`), else the
 * worker's (ETL_COMPACTION_TARGET_BYTES). The built-in specs set none, so listening_events is
 * planned exactly as before specs had a say.
 */
export function tablePolicy(policy: CompactionPolicy, parquet: TableParquet | undefined): CompactionPolicy {
  return parquet?.targetFileBytes === undefined ? policy : { ...policy, targetBytes: parquet.targetFileBytes };
}

/** A live data file of the table, as its current snapshot lists it. */
export interface TableFile {
  /** Key in the lake bucket (the file's path without `s3://<bucket>/`). */
  key: string;
  sizeBytes: number;
  rowCount: number;
}

/**
 * The live files of one event hour of a table, and of one tuple of its other partition values
 * (a spec table's identity and bucket fields): files of different tuples are never merged.
 */
export interface HourFiles {
  table: string;
  partition: HourPartition;
  /** The files' Iceberg partition tuple (every field, the time one included): where merged files go. */
  tuple?: PartitionValues;
  /** The tuple's fields beyond the event time, as a lake manifest's `partition_values`; absent when there are none. */
  partitionValues?: LakeFileManifest['partition_values'];
  files: TableFile[];
}

export interface CompactionPlan {
  table: string;
  partition: HourPartition;
  tuple?: PartitionValues;
  partitionValues?: LakeFileManifest['partition_values'];
  /** The small files merged, sorted by key. */
  inputs: TableFile[];
  /** Output files, each a contiguous range of the inputs' rows (1-based, inclusive). */
  outputs: Array<{ firstRow: number; lastRow: number }>;
  /** Hash of the input keys: the same inputs always compact to the same keys (crash-safe rerun). */
  generation: string;
}

/** End of an hour partition in epoch ms. */
export const partitionEndMs = (p: HourPartition): number => hourStartMs(p) + 3_600_000;

/** Files below this share of the target are "small": worth merging. */
export const SMALL_FILE_SHARE = 0.75;

/**
 * An hour is compacted once event time (the table's watermark) has passed its end by the allowed
 * lateness, when it holds at least `minFiles` (and at least 2) small files not already being
 * compacted (`busy`: inputs of a compaction the committer has not applied yet). Only the small
 * files are merged: a file near the target stays as it is, and in Iceberg a partition's files
 * need no common folder, so nothing else has to move. Later files of the hour are plain appends,
 * merged by a later round like any others.
 */
export function planCompaction(hour: HourFiles, watermarkMs: number, policy: CompactionPolicy, busy: (key: string) => boolean = () => false): CompactionPlan | undefined {
  if (partitionEndMs(hour.partition) + policy.allowedLatenessMs > watermarkMs) return undefined;
  const inputs = hour.files.filter((f) => f.sizeBytes < policy.targetBytes * SMALL_FILE_SHARE && !busy(f.key)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (inputs.length < Math.max(2, policy.minFiles)) return undefined;
  const totalBytes = inputs.reduce((sum, f) => sum + f.sizeBytes, 0);
  const totalRows = inputs.reduce((sum, f) => sum + f.rowCount, 0);
  const outputCount = Math.max(1, Math.ceil(totalBytes / policy.targetBytes));
  const rowsPerOutput = Math.max(1, Math.ceil(totalRows / outputCount));
  const outputs: CompactionPlan['outputs'] = [];
  for (let first = 1; first <= totalRows; first += rowsPerOutput) outputs.push({ firstRow: first, lastRow: Math.min(totalRows, first + rowsPerOutput - 1) });
  if (outputs.length === 0) return undefined;
  const generation = createHash('sha256')
    .update(inputs.map((f) => f.key).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { table: hour.table, partition: hour.partition, ...(hour.tuple ? { tuple: hour.tuple } : {}), ...(hour.partitionValues ? { partitionValues: hour.partitionValues } : {}), inputs, outputs, generation };
}

import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { RejectReason } from '../validate/reasons.js';

/** `dt`/`hour` of event time: the Hive partition a row lands in. */
export interface HourPartition {
  dt: string;
  hour: string;
}

const offsetPart = (source: StagedFileManifest['source']): string =>
  `${source.topic}+${source.partition}+${String(source.first_offset).padStart(20, '0')}`;

/** The partition of an ISO-8601 UTC `ts` (validated as `YYYY-MM-DDTHH:...Z` before it gets here). */
export function hourPartitionOf(ts: string): HourPartition {
  return { dt: ts.slice(0, 10), hour: ts.slice(11, 13) };
}

export const partitionPrefix = (table: string, p: HourPartition): string => `${table}/dt=${p.dt}/hour=${p.hour}/`;

/** The folder a partition's readers read: the live compacted generation's, or the partition's own. */
export const liveFolder = (table: string, p: HourPartition, generation: string | undefined): string =>
  generation ? `${partitionPrefix(table, p)}compacted-${generation}/` : partitionPrefix(table, p);

/**
 * `<table>/dt=YYYY-MM-DD/hour=HH/part-<topic>+<partition>+<firstOffset:020>.parquet` (DESIGN.md), or,
 * once the hour has a live compacted generation, `…/hour=HH/compacted-<generation>/part-…parquet`:
 * a catalog with one location per partition (Glue) reads only the live generation's folder, so a
 * late file must be written inside it. Depends only on the staged object's offsets, the rows' event
 * time and the partition's live generation (lake state), never the wall clock, so reprocessing a
 * manifest against the same lake overwrites the same objects instead of adding duplicates.
 */
export function lakeFileKey(table: string, p: HourPartition, source: StagedFileManifest['source'], generation?: string): string {
  return `${liveFolder(table, p, generation)}part-${offsetPart(source)}.parquet`;
}

/** The compacted generation whose folder holds a key, if any. */
export function generationOfKey(key: string): string | undefined {
  return /\/compacted-([^/]+)\/[^/]+$/.exec(key)?.[1];
}

/**
 * What a file is, wherever it was written: an `add` is named by its staged object's offsets
 * (`part-<topic>+<partition>+<first>.parquet`), the same under the partition folder and under any
 * generation folder, so one staged object written twice (a replay after a compaction moved the
 * folder) is recognised as one file. Other keys (compacted files) are their own identity.
 */
export function fileIdentity(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return /^part-.+\+\d+\+\d{20}\.parquet$/.test(name) ? name : key;
}

/** `_quarantine/<table>/reason=<code>/<topic>+<partition>+<firstOffset:020>.ndjson.gz`. */
export function quarantineKey(table: string, reason: RejectReason, source: StagedFileManifest['source']): string {
  return `_quarantine/${table}/reason=${reason}/${offsetPart(source)}.ndjson.gz`;
}

/** Compacted files go under a new prefix per generation, so old and new files never share a name. */
export function compactedFileKey(table: string, p: HourPartition, generation: string, index: number): string {
  return `${partitionPrefix(table, p)}compacted-${generation}/part-${String(index).padStart(5, '0')}.parquet`;
}

/** Kafka key of a lake manifest: every manifest of one partition lands in one manifest-topic partition, in order. */
export const manifestKey = (table: string, p: HourPartition | null): string => (p ? `${table}/dt=${p.dt}/hour=${p.hour}` : `${table}/_unpartitioned`);

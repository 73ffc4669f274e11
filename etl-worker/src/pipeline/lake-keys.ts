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

/**
 * `<table>/dt=YYYY-MM-DD/hour=HH/part-<topic>+<partition>+<firstOffset:020>.parquet` (DESIGN.md).
 * Depends only on the staged object's offsets and the rows' event time, never the wall clock, so
 * reprocessing a manifest overwrites the same objects instead of adding duplicates.
 */
export function lakeFileKey(table: string, p: HourPartition, source: StagedFileManifest['source']): string {
  return `${partitionPrefix(table, p)}part-${offsetPart(source)}.parquet`;
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

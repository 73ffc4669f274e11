import { icebergSchemaOf, partitionPath, partitionSpecOf, partitionToPath, timeTransform, type PartitionField, type PartitionSpec, type PartitionValues } from '@spotify-pipeline/shared/iceberg';
import type { ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { lakeTableDefinition, TRACKS_TABLE, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { decodePartitionKey } from '../validate/field-partition-key.js';
import type { RejectReason } from '../validate/reasons.js';

/**
 * The event hour a row belongs to, as the lake manifests name it (`partition: {dt, hour}`);
 * the table's hidden `hour(ts)` partition value is derived from it (hourValueOf).
 */
export interface HourPartition {
  dt: string;
  hour: string;
}

const offsetPart = (source: StagedFileManifest['source']): string =>
  `${source.topic}+${source.partition}+${String(source.first_offset).padStart(20, '0')}`;

/** The hour of an ISO-8601 UTC `ts` (validated as `YYYY-MM-DDTHH:...Z` before it gets here). */
export function hourPartitionOf(ts: string): HourPartition {
  return { dt: ts.slice(0, 10), hour: ts.slice(11, 13) };
}

export const hourStartMs = (p: HourPartition): number => Date.parse(`${p.dt}T${p.hour}:00:00Z`);

/** Iceberg's `hour` transform of the hour: hours since 1970-01-01T00:00Z. */
export const hourValueOf = (p: HourPartition): number => timeTransform('hour', hourStartMs(p));

/** The inverse of hourValueOf, for partition values read from the table's manifests. */
export function hourPartitionOfValue(value: number): HourPartition {
  return hourPartitionOf(new Date(value * 3_600_000).toISOString());
}

/**
 * The partition field a table is created with (the same function the catalog uses), so the folder
 * of a data file is the one Iceberg's own writers would pick: `ts_hour=2026-11-20-10`.
 */
export function partitionFieldOf(table: string): Pick<PartitionField, 'name' | 'transform'> {
  const definition = lakeTableDefinition(table);
  const field = definition ? partitionSpecOf(icebergSchemaOf(definition.columns), definition.partitioning).fields[0] : undefined;
  if (!field || (field.transform !== 'hour' && field.transform !== 'day')) throw new Error(`table ${table} is not partitioned by event time`);
  return field;
}

/** `<table>/data/ts_hour=YYYY-MM-DD-HH/`: where the data files of an event hour go. */
export function dataFolder(table: string, p: HourPartition): string {
  const field = partitionFieldOf(table);
  return `${table}/data/${partitionPath(field, timeTransform(field.transform as 'hour' | 'day', hourStartMs(p)))}/`;
}

/**
 * `<table>/data/ts_hour=YYYY-MM-DD-HH/part-<topic>+<partition>+<firstOffset:020>.parquet`. Depends
 * only on the staged object's offsets and the rows' event hour, never the clock or the lake's
 * state, so reprocessing a manifest (a crash before its commit, a replay) overwrites the same
 * object; a file is in the table only once the committer has listed it in a snapshot.
 */
export function lakeFileKey(table: string, p: HourPartition, source: StagedFileManifest['source']): string {
  return `${dataFolder(table, p)}part-${offsetPart(source)}.parquet`;
}

/**
 * `<table>/data/ts_hour=…/compacted-<generation>-<NNNNN>.parquet`: generation is a hash of the
 * replaced keys, so a compaction that crashed before its commit reruns into the same objects.
 */
export function compactedFileKey(table: string, p: HourPartition, generation: string, index: number): string {
  return compactedFileKeyIn(table, dataFolder(table, p).slice(`${table}/data/`.length, -1), generation, index);
}

/** `<table>/data/<partition folders>/compacted-<generation>-<NNNNN>.parquet`, the folders as Iceberg's writers name the tuple (partitionToPath). */
export function compactedFileKeyIn(table: string, folders: string, generation: string, index: number): string {
  return `${table}/data/${folders}/compacted-${generation}-${String(index).padStart(5, '0')}.parquet`;
}


/** `tracks/data/tracks-<content hash>.parquet`: the same dimension always has the same key. */
export const tracksSnapshotKey = (hash: string): string => `${TRACKS_TABLE}/data/tracks-${hash}.parquet`;

/** `_quarantine/<table>/reason=<code>/<topic>+<partition>+<firstOffset:020>.ndjson.gz`. */
export function quarantineKey(table: string, reason: RejectReason, source: StagedFileManifest['source']): string {
  return `_quarantine/${table}/reason=${reason}/${offsetPart(source)}.ndjson.gz`;
}

/**
 * Kafka key of a lake manifest: every manifest of one hour lands in one manifest-topic partition,
 * in order, so one compactor (the member assigned that partition) owns the hour.
 */
export const manifestKey = (table: string, p: HourPartition | null): string => (p ? `${table}/dt=${p.dt}/hour=${p.hour}` : `${table}/_unpartitioned`);

/**
 * A spec table's file partition tuple: the event-time field's value from the hour, the other
 * fields' values as the validator computed them (`partitionKey`, decodePartitionKey).
 */
export function specPartitionValues(spec: ResolvedTableSpec, p: HourPartition, partitionKey: string | undefined): PartitionValues {
  const fieldValues = partitionKey === undefined ? {} : decodePartitionKey(spec, partitionKey);
  const values: PartitionValues = {};
  for (const field of spec.partitionSpec.fields) {
    if (field.transform === 'hour' || field.transform === 'day') values[field.name] = timeTransform(field.transform, hourStartMs(p));
    else {
      const value = fieldValues[field.name];
      if (value === undefined) throw new Error(`table ${spec.table}: the line's partition values ${partitionKey ?? '(none)'} lack ${field.name}`);
      values[field.name] = value;
    }
  }
  return values;
}

/**
 * `<table>/data/<partition folders>/part-<topic>+<partition>+<firstOffset:020>-<YYYY-MM-DD-HH>.parquet`:
 * a spec table's file of one event hour and one tuple of field-partition values. The hour is in
 * the name because a `day` partition folder holds the object's files of several hours.
 */
export function specFileKey(spec: ResolvedTableSpec, p: HourPartition, tuple: PartitionValues, source: StagedFileManifest['source']): string {
  const folders = partitionToPath(spec.partitionSpec, spec.icebergSchema, tuple);
  return `${spec.table}/data/${folders ? `${folders}/` : ''}part-${offsetPart(source)}-${p.dt}-${p.hour}.parquet`;
}

const isTimeField = (f: PartitionField): boolean => f.transform === 'hour' || f.transform === 'day';

/**
 * A partition tuple's fields beyond the event time, as a lake manifest's `partition_values` (JSON:
 * a long beyond 2^53 as its digits); undefined when the spec has no such field.
 */
export function fieldPartitionValues(spec: PartitionSpec, tuple: PartitionValues): LakeFileManifest['partition_values'] {
  const fields = spec.fields.filter((f) => !isTimeField(f));
  if (fields.length === 0) return undefined;
  return Object.fromEntries(
    fields.map((f) => {
      const value = tuple[f.name] ?? null;
      return [f.name, typeof value === 'bigint' ? value.toString() : value];
    }),
  );
}

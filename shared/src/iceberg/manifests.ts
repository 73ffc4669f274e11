import { decodeAvroFile, encodeAvroFile } from './avro-container.js';
import { MANIFEST_FILE_SCHEMA, manifestEntrySchema, partitionValueType } from './manifest-schemas.js';
import { exactLong } from './partition-transforms.js';
import type { IcebergSchema, PartitionSpec } from './table-metadata.js';

/**
 * A partition value as the manifest holds it: an int for hour, day and bucket[N]; the source
 * value for identity (timestamps in µs, dates in days). A long is a number while exact, a bigint
 * beyond 2^53.
 */
export type PartitionValue = number | bigint | string | boolean | null;
export type PartitionValues = Record<string, PartitionValue>;

/** A data file as a manifest describes it (spec: Manifests, `data_file`). Counts are safe integers. */
export interface DataFile {
  filePath: string;
  fileFormat: 'PARQUET';
  partition: PartitionValues;
  recordCount: number;
  fileSizeInBytes: number;
  columnSizes?: Record<number, number>;
  valueCounts?: Record<number, number>;
  nullValueCounts?: Record<number, number>;
  lowerBounds?: Record<number, Buffer>;
  upperBounds?: Record<number, Buffer>;
  splitOffsets?: number[];
}

export const EXISTING = 0;
export const ADDED = 1;
export const DELETED = 2;
export type EntryStatus = typeof EXISTING | typeof ADDED | typeof DELETED;

export interface ManifestEntry {
  status: EntryStatus;
  snapshotId: bigint | null;
  /** Data sequence number; null in a new manifest's ADDED entries (inherited from the manifest list). */
  sequenceNumber: number | null;
  fileSequenceNumber: number | null;
  dataFile: DataFile;
}

export interface PartitionFieldSummary {
  containsNull: boolean;
  containsNan: boolean | null;
  lowerBound: Buffer | null;
  upperBound: Buffer | null;
}

/** One manifest list entry (spec: Manifest Lists, `manifest_file`). */
export interface ManifestFile {
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: 0 | 1;
  sequenceNumber: number;
  minSequenceNumber: number;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: number;
  existingRowsCount: number;
  deletedRowsCount: number;
  partitions: PartitionFieldSummary[] | null;
}

interface AvroDataFile {
  content: number;
  file_path: string;
  file_format: string;
  partition: Record<string, unknown>;
  record_count: bigint;
  file_size_in_bytes: bigint;
  column_sizes: Array<{ key: number; value: bigint }> | null;
  value_counts: Array<{ key: number; value: bigint }> | null;
  null_value_counts: Array<{ key: number; value: bigint }> | null;
  nan_value_counts: Array<{ key: number; value: bigint }> | null;
  lower_bounds: Array<{ key: number; value: Buffer }> | null;
  upper_bounds: Array<{ key: number; value: Buffer }> | null;
  key_metadata: Buffer | null;
  split_offsets: bigint[] | null;
  equality_ids: number[] | null;
  sort_order_id: number | null;
  referenced_data_file?: string | null;
}

interface AvroEntry {
  status: number;
  snapshot_id: bigint | null;
  sequence_number: bigint | null;
  file_sequence_number: bigint | null;
  data_file: AvroDataFile;
}

const toAvroMap = <V>(map: Record<number, V> | undefined, convert: (v: V) => unknown): Array<{ key: number; value: unknown }> | null =>
  map ? Object.entries(map).map(([k, v]) => ({ key: Number(k), value: convert(v) })).sort((a, b) => a.key - b.key) : null;

const fromAvroMap = <V, R>(entries: Array<{ key: number; value: V }> | null | undefined, convert: (v: V) => R): Record<number, R> | undefined =>
  entries ? Object.fromEntries(entries.map((e) => [e.key, convert(e.value)])) : undefined;

const optionalBig = (n: number | null): bigint | null => (n === null ? null : BigInt(n));
const optionalNumber = (n: bigint | null | undefined): number | null => (n === null || n === undefined ? null : Number(n));

const LONG_VALUE_TYPES: ReadonlySet<string> = new Set(['long', 'timestamp', 'timestamptz', 'time']);

/**
 * Partition values in Avro, one per field of the spec: bigints where the value type is a long
 * (Avro longs are bigints here, see avro-container.ts). A field missing from the tuple is an
 * error, not a null: null is a real partition, and a file filed there is pruned from queries.
 */
function avroPartition(filePath: string, partition: PartitionValues, spec: PartitionSpec, longFields: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(
    spec.fields.map((f) => {
      const v = partition[f.name];
      if (v === undefined) throw new Error(`${filePath} has no value for partition field ${f.name} (null is written as null)`);
      return [f.name, longFields.has(f.name) && typeof v === 'number' ? BigInt(v) : v];
    }),
  );
}

/** A partition value read back: longs as numbers while exact (see PartitionValue). */
const partitionValueRead = (v: unknown): PartitionValue => (typeof v === 'bigint' ? exactLong(v) : (v as PartitionValue));

/**
 * Encodes a manifest: the entries of one partition spec, with the table schema and spec in the
 * file's metadata as Iceberg's own writer puts them (readers take the spec from there).
 */
export function encodeManifest(entries: ManifestEntry[], schema: IcebergSchema, spec: PartitionSpec): Buffer {
  const sourceTypes = new Map(schema.fields.map((f) => [f.id, f.type]));
  const longFields = new Set(spec.fields.filter((f) => LONG_VALUE_TYPES.has(partitionValueType(f.transform, sourceTypes.get(f['source-id'])))).map((f) => f.name));
  const records = entries.map(
    (e): AvroEntry => ({
      status: e.status,
      snapshot_id: e.snapshotId,
      sequence_number: optionalBig(e.sequenceNumber),
      file_sequence_number: optionalBig(e.fileSequenceNumber),
      data_file: {
        content: 0,
        file_path: e.dataFile.filePath,
        file_format: e.dataFile.fileFormat,
        partition: avroPartition(e.dataFile.filePath, e.dataFile.partition, spec, longFields),
        record_count: BigInt(e.dataFile.recordCount),
        file_size_in_bytes: BigInt(e.dataFile.fileSizeInBytes),
        column_sizes: toAvroMap(e.dataFile.columnSizes, BigInt) as AvroDataFile['column_sizes'],
        value_counts: toAvroMap(e.dataFile.valueCounts, BigInt) as AvroDataFile['value_counts'],
        null_value_counts: toAvroMap(e.dataFile.nullValueCounts, BigInt) as AvroDataFile['null_value_counts'],
        nan_value_counts: null,
        lower_bounds: toAvroMap(e.dataFile.lowerBounds, (b) => b) as AvroDataFile['lower_bounds'],
        upper_bounds: toAvroMap(e.dataFile.upperBounds, (b) => b) as AvroDataFile['upper_bounds'],
        key_metadata: null,
        split_offsets: e.dataFile.splitOffsets ? e.dataFile.splitOffsets.map(BigInt) : null,
        equality_ids: null,
        sort_order_id: null,
        referenced_data_file: null,
      },
    }),
  );
  return encodeAvroFile(manifestEntrySchema(spec, sourceTypes), records, {
    schema: JSON.stringify(schema),
    'schema-id': String(schema['schema-id']),
    'partition-spec': JSON.stringify(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': '2',
    content: 'data',
  });
}

/**
 * Decodes a manifest written by anyone (our committer, Trino, Athena, Spark). Null sequence
 * numbers of ADDED entries are inherited from the manifest list entry, as the spec requires.
 */
export function decodeManifest(buf: Buffer, listed?: Pick<ManifestFile, 'sequenceNumber'>): ManifestEntry[] {
  const { records } = decodeAvroFile<AvroEntry>(buf);
  return records.map((r) => {
    const inherit = r.status === ADDED && listed ? listed.sequenceNumber : null;
    const f = r.data_file;
    const dataFile: DataFile = {
      filePath: f.file_path,
      fileFormat: 'PARQUET',
      partition: Object.fromEntries(Object.entries(f.partition ?? {}).map(([k, v]) => [k, partitionValueRead(v)])),
      recordCount: Number(f.record_count),
      fileSizeInBytes: Number(f.file_size_in_bytes),
    };
    if (f.file_format.toUpperCase() !== 'PARQUET' || f.content !== 0) {
      throw new Error(`manifest lists ${f.file_path} (format ${f.file_format}, content ${f.content}): only Parquet data files are supported`);
    }
    const columnSizes = fromAvroMap(f.column_sizes, Number);
    const valueCounts = fromAvroMap(f.value_counts, Number);
    const nullValueCounts = fromAvroMap(f.null_value_counts, Number);
    const lowerBounds = fromAvroMap(f.lower_bounds, (b) => Buffer.from(b));
    const upperBounds = fromAvroMap(f.upper_bounds, (b) => Buffer.from(b));
    if (columnSizes) dataFile.columnSizes = columnSizes;
    if (valueCounts) dataFile.valueCounts = valueCounts;
    if (nullValueCounts) dataFile.nullValueCounts = nullValueCounts;
    if (lowerBounds) dataFile.lowerBounds = lowerBounds;
    if (upperBounds) dataFile.upperBounds = upperBounds;
    if (f.split_offsets) dataFile.splitOffsets = f.split_offsets.map(Number);
    return {
      status: r.status as EntryStatus,
      snapshotId: r.snapshot_id,
      sequenceNumber: optionalNumber(r.sequence_number) ?? inherit,
      fileSequenceNumber: optionalNumber(r.file_sequence_number) ?? inherit,
      dataFile,
    };
  });
}

interface AvroManifestFile {
  manifest_path: string;
  manifest_length: bigint;
  partition_spec_id: number;
  content: number;
  sequence_number: bigint;
  min_sequence_number: bigint;
  added_snapshot_id: bigint;
  added_files_count: number;
  existing_files_count: number;
  deleted_files_count: number;
  added_rows_count: bigint;
  existing_rows_count: bigint;
  deleted_rows_count: bigint;
  partitions: Array<{ contains_null: boolean; contains_nan: boolean | null; lower_bound: Buffer | null; upper_bound: Buffer | null }> | null;
  key_metadata: Buffer | null;
}

export interface ManifestListContext {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: number;
}

export function encodeManifestList(manifests: ManifestFile[], context: ManifestListContext): Buffer {
  const records = manifests.map(
    (m): AvroManifestFile => ({
      manifest_path: m.manifestPath,
      manifest_length: BigInt(m.manifestLength),
      partition_spec_id: m.partitionSpecId,
      content: m.content,
      sequence_number: BigInt(m.sequenceNumber),
      min_sequence_number: BigInt(m.minSequenceNumber),
      added_snapshot_id: m.addedSnapshotId,
      added_files_count: m.addedFilesCount,
      existing_files_count: m.existingFilesCount,
      deleted_files_count: m.deletedFilesCount,
      added_rows_count: BigInt(m.addedRowsCount),
      existing_rows_count: BigInt(m.existingRowsCount),
      deleted_rows_count: BigInt(m.deletedRowsCount),
      partitions: m.partitions ? m.partitions.map((p) => ({ contains_null: p.containsNull, contains_nan: p.containsNan, lower_bound: p.lowerBound, upper_bound: p.upperBound })) : null,
      key_metadata: null,
    }),
  );
  return encodeAvroFile(MANIFEST_FILE_SCHEMA, records, {
    'snapshot-id': context.snapshotId.toString(),
    ...(context.parentSnapshotId === null ? {} : { 'parent-snapshot-id': context.parentSnapshotId.toString() }),
    'sequence-number': String(context.sequenceNumber),
    'format-version': '2',
  });
}

export function decodeManifestList(buf: Buffer): ManifestFile[] {
  const { records } = decodeAvroFile<AvroManifestFile>(buf);
  return records.map((r) => ({
    manifestPath: r.manifest_path,
    manifestLength: Number(r.manifest_length),
    partitionSpecId: r.partition_spec_id,
    content: (r.content ?? 0) as 0 | 1,
    sequenceNumber: Number(r.sequence_number ?? 0n),
    minSequenceNumber: Number(r.min_sequence_number ?? 0n),
    addedSnapshotId: r.added_snapshot_id,
    addedFilesCount: r.added_files_count ?? 0,
    existingFilesCount: r.existing_files_count ?? 0,
    deletedFilesCount: r.deleted_files_count ?? 0,
    addedRowsCount: Number(r.added_rows_count ?? 0n),
    existingRowsCount: Number(r.existing_rows_count ?? 0n),
    deletedRowsCount: Number(r.deleted_rows_count ?? 0n),
    partitions: r.partitions
      ? r.partitions.map((p) => ({ containsNull: p.contains_null, containsNan: p.contains_nan ?? null, lowerBound: p.lower_bound ?? null, upperBound: p.upper_bound ?? null }))
      : null,
  }));
}

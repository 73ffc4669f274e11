import type { IcebergField, IcebergPrimitive, PartitionSpec } from './table-metadata.js';

/**
 * The Avro schemas of Iceberg v2 manifests and manifest lists, field for field as Apache Iceberg's
 * Java writer (and so Trino) writes them, `field-id` attributes included: readers project by field
 * id, so a field without one is invisible to them.
 */
const intMap = (id: number, keyId: number, valueId: number, value: 'long' | 'bytes', name: string, doc: string): object => ({
  name,
  type: ['null', { type: 'array', items: { type: 'record', name: `k${keyId}_v${valueId}`, fields: [{ name: 'key', type: 'int', 'field-id': keyId }, { name: 'value', type: value, 'field-id': valueId }] }, logicalType: 'map' }],
  doc,
  default: null,
  'field-id': id,
});

const PARTITION_AVRO: Partial<Record<IcebergPrimitive, unknown>> = {
  boolean: 'boolean',
  int: 'int',
  long: 'long',
  float: 'float',
  double: 'double',
  string: 'string',
  date: { type: 'int', logicalType: 'date' },
  time: { type: 'long', logicalType: 'time-micros' },
  timestamp: { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false },
  timestamptz: { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true },
};

/** Source types of each transform (spec: Partition Transforms), among the primitives written here. */
const BUCKET_SOURCES: ReadonlySet<string> = new Set(['int', 'long', 'date', 'time', 'timestamp', 'timestamptz', 'string']);
const DATE_SOURCES: ReadonlySet<string> = new Set(['date', 'timestamp', 'timestamptz']);
const HOUR_SOURCES: ReadonlySet<string> = new Set(['timestamp', 'timestamptz']);

/**
 * The type of a partition field's values (spec: Partition Transforms, "Result type"): int for
 * bucket[N], year, month, day and hour; the source type for identity. Throws for a transform
 * the source type does not allow, or a type this writer has no Avro encoding for: a manifest
 * written anyway would be one engines misread or refuse. An undefined source type (the column was
 * dropped from the schema) is accepted where the result type does not depend on it.
 */
export function partitionValueType(transform: string, sourceType: IcebergField['type'] | undefined): IcebergPrimitive {
  const source = sourceType === undefined || typeof sourceType === 'string' ? sourceType : JSON.stringify(sourceType);
  const allows = (sources: ReadonlySet<string>): boolean => source === undefined || sources.has(source);
  const fits =
    transform === 'identity'
      ? source !== undefined && PARTITION_AVRO[source as IcebergPrimitive] !== undefined
      : /^bucket\[[1-9]\d*\]$/.test(transform)
        ? allows(BUCKET_SOURCES)
        : transform === 'hour'
          ? allows(HOUR_SOURCES)
          : (transform === 'day' || transform === 'month' || transform === 'year') && allows(DATE_SOURCES);
  if (!fits) throw new Error(`partition transform ${transform} of ${source === undefined ? 'a dropped column' : `a ${source} column`} is not supported`);
  return transform === 'identity' ? (source as IcebergPrimitive) : 'int';
}

export function manifestEntrySchema(spec: PartitionSpec, sourceTypes: ReadonlyMap<number, IcebergField['type']>): object {
  const partitionFields = spec.fields.map((f) => {
    const valueType = partitionValueType(f.transform, sourceTypes.get(f['source-id']));
    return { name: f.name, type: ['null', PARTITION_AVRO[valueType]], default: null, 'field-id': f['field-id'] };
  });
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      { name: 'status', type: 'int', 'field-id': 0 },
      { name: 'snapshot_id', type: ['null', 'long'], default: null, 'field-id': 1 },
      { name: 'sequence_number', type: ['null', 'long'], default: null, 'field-id': 3 },
      { name: 'file_sequence_number', type: ['null', 'long'], default: null, 'field-id': 4 },
      {
        name: 'data_file',
        type: {
          type: 'record',
          name: 'r2',
          fields: [
            { name: 'content', type: 'int', doc: 'Contents of the file: 0=data, 1=position deletes, 2=equality deletes', 'field-id': 134 },
            { name: 'file_path', type: 'string', doc: 'Location URI with FS scheme', 'field-id': 100 },
            { name: 'file_format', type: 'string', doc: 'File format name: avro, orc, or parquet', 'field-id': 101 },
            { name: 'partition', type: { type: 'record', name: 'r102', fields: partitionFields }, doc: 'Partition data tuple, schema based on the partition spec', 'field-id': 102 },
            { name: 'record_count', type: 'long', doc: 'Number of records in the file', 'field-id': 103 },
            { name: 'file_size_in_bytes', type: 'long', doc: 'Total file size in bytes', 'field-id': 104 },
            intMap(108, 117, 118, 'long', 'column_sizes', 'Map of column id to total size on disk'),
            intMap(109, 119, 120, 'long', 'value_counts', 'Map of column id to total count, including null and NaN'),
            intMap(110, 121, 122, 'long', 'null_value_counts', 'Map of column id to null value count'),
            intMap(137, 138, 139, 'long', 'nan_value_counts', 'Map of column id to number of NaN values in the column'),
            intMap(125, 126, 127, 'bytes', 'lower_bounds', 'Map of column id to lower bound'),
            intMap(128, 129, 130, 'bytes', 'upper_bounds', 'Map of column id to upper bound'),
            { name: 'key_metadata', type: ['null', 'bytes'], doc: 'Encryption key metadata blob', default: null, 'field-id': 131 },
            { name: 'split_offsets', type: ['null', { type: 'array', items: 'long', 'element-id': 133 }], doc: 'Splittable offsets', default: null, 'field-id': 132 },
            { name: 'equality_ids', type: ['null', { type: 'array', items: 'int', 'element-id': 136 }], doc: 'Equality comparison field IDs', default: null, 'field-id': 135 },
            { name: 'sort_order_id', type: ['null', 'int'], doc: 'Sort order ID', default: null, 'field-id': 140 },
            { name: 'referenced_data_file', type: ['null', 'string'], doc: 'Fully qualified location (URI with FS scheme) of a data file that all deletes reference', default: null, 'field-id': 143 },
          ],
        },
        'field-id': 2,
      },
    ],
  };
}

export const MANIFEST_FILE_SCHEMA: object = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    { name: 'manifest_path', type: 'string', doc: 'Location URI with FS scheme', 'field-id': 500 },
    { name: 'manifest_length', type: 'long', doc: 'Total file size in bytes', 'field-id': 501 },
    { name: 'partition_spec_id', type: 'int', doc: 'Spec ID used to write', 'field-id': 502 },
    { name: 'content', type: 'int', doc: 'Contents of the manifest: 0=data, 1=deletes', 'field-id': 517 },
    { name: 'sequence_number', type: 'long', doc: 'Sequence number when the manifest was added', 'field-id': 515 },
    { name: 'min_sequence_number', type: 'long', doc: 'Lowest sequence number in the manifest', 'field-id': 516 },
    { name: 'added_snapshot_id', type: 'long', doc: 'Snapshot ID that added the manifest', 'field-id': 503 },
    { name: 'added_files_count', type: 'int', doc: 'Added entry count', 'field-id': 504 },
    { name: 'existing_files_count', type: 'int', doc: 'Existing entry count', 'field-id': 505 },
    { name: 'deleted_files_count', type: 'int', doc: 'Deleted entry count', 'field-id': 506 },
    { name: 'added_rows_count', type: 'long', doc: 'Added rows count', 'field-id': 512 },
    { name: 'existing_rows_count', type: 'long', doc: 'Existing rows count', 'field-id': 513 },
    { name: 'deleted_rows_count', type: 'long', doc: 'Deleted rows count', 'field-id': 514 },
    {
      name: 'partitions',
      type: [
        'null',
        {
          type: 'array',
          items: {
            type: 'record',
            name: 'r508',
            fields: [
              { name: 'contains_null', type: 'boolean', doc: 'True if any file has a null partition value', 'field-id': 509 },
              { name: 'contains_nan', type: ['null', 'boolean'], doc: 'True if any file has a nan partition value', default: null, 'field-id': 518 },
              { name: 'lower_bound', type: ['null', 'bytes'], doc: 'Partition lower bound for all files', default: null, 'field-id': 510 },
              { name: 'upper_bound', type: ['null', 'bytes'], doc: 'Partition upper bound for all files', default: null, 'field-id': 511 },
            ],
          },
          'element-id': 508,
        },
      ],
      doc: 'Summary for each partition',
      default: null,
      'field-id': 507,
    },
    { name: 'key_metadata', type: ['null', 'bytes'], doc: 'Encryption key metadata blob', default: null, 'field-id': 519 },
  ],
};

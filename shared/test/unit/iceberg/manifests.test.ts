import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ADDED,
  DELETED,
  EXISTING,
  decodeAvroFile,
  decodeManifest,
  decodeManifestList,
  deserializeBound,
  encodeManifest,
  encodeManifestList,
  parseIcebergJson,
  partitionSummaries,
  partitionToPath,
  recordPartitioner,
  serializeBound,
  stringifyIcebergJson,
  type DataFile,
  type IcebergSchema,
  type ManifestEntry,
  type PartitionSpec,
  type PartitionValues,
  type TableMetadata,
} from '@spotify-pipeline/shared/iceberg';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';

const fixture = (name: string): Buffer => readFileSync(join(__dirname, '..', '..', 'fixtures', 'iceberg', name));

const schema: IcebergSchema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: false, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamp' },
  ],
};
const spec: PartitionSpec = { 'spec-id': 0, fields: [{ name: 'ts_hour', transform: 'hour', 'source-id': 2, 'field-id': 1000 }] };

describe('Iceberg manifests (Avro, format v2)', () => {
  it('reads a manifest and manifest list written by Trino 476 (Iceberg Java 1.9), snapshot ids beyond 2^53 exact', () => {
    const [list] = decodeManifestList(fixture('trino-manifest-list.avro'));
    expect(list).toMatchObject({ partitionSpecId: 0, content: 0, sequenceNumber: 2, addedFilesCount: 2, addedRowsCount: 2, existingFilesCount: 0 });
    expect(list!.addedSnapshotId).toBe(5939886075600680830n);
    const entries = decodeManifest(fixture('trino-manifest.avro'), list);
    expect(entries).toHaveLength(2);
    const first = entries.find((e) => e.dataFile.partition.ts_hour === 474802)!;
    expect(first.status).toBe(ADDED);
    // Null sequence numbers of ADDED entries are inherited from the manifest list entry.
    expect(first.sequenceNumber).toBe(2);
    expect(first.dataFile.recordCount).toBe(1);
    expect(deserializeBound('timestamp', first.dataFile.lowerBounds![3]!)).toBe(BigInt(Date.UTC(2024, 2, 1, 10, 11, 12)) * 1000n + 123456n);
    expect(deserializeBound('string', first.dataFile.lowerBounds![2]!)).toBe('a');
    expect(deserializeBound('date', first.dataFile.lowerBounds![4]!)).toBe(19783);
    expect(deserializeBound('double', first.dataFile.lowerBounds![5]!)).toBe(1.5);
    expect(deserializeBound('boolean', first.dataFile.lowerBounds![6]!)).toBe(true);
  });

  it('writes manifests that carry the field ids, schema and spec readers project by', () => {
    const entries: ManifestEntry[] = [
      {
        status: ADDED,
        snapshotId: 9_000_000_000_000_000_001n,
        sequenceNumber: null,
        fileSequenceNumber: null,
        dataFile: {
          filePath: 's3://lake/t/data/ts_hour=2024-03-01-10/a.parquet',
          fileFormat: 'PARQUET',
          partition: { ts_hour: 474802 },
          recordCount: 10,
          fileSizeInBytes: 1234,
          valueCounts: { 1: 10, 2: 10 },
          nullValueCounts: { 1: 0, 2: 0 },
          lowerBounds: { 1: serializeBound('long', 1) },
          upperBounds: { 1: serializeBound('long', 10) },
        },
      },
      {
        status: EXISTING,
        snapshotId: 7n,
        sequenceNumber: 3,
        fileSequenceNumber: 3,
        dataFile: { filePath: 's3://lake/t/data/ts_hour=2024-03-01-11/b.parquet', fileFormat: 'PARQUET', partition: { ts_hour: 474803 }, recordCount: 5, fileSizeInBytes: 99 },
      },
    ];
    const buf = encodeManifest(entries, schema, spec);
    const file = decodeAvroFile<unknown>(buf);
    expect(JSON.stringify(file.schema)).toContain('"field-id":1000');
    expect(file.metadata['partition-spec']).toBe(JSON.stringify(spec.fields));
    expect(JSON.parse(file.metadata.schema!)).toEqual(schema);
    expect(file.metadata['format-version']).toBe('2');
    const decoded = decodeManifest(buf, { sequenceNumber: 4 });
    expect(decoded[0]).toMatchObject({ status: ADDED, snapshotId: 9_000_000_000_000_000_001n, sequenceNumber: 4, fileSequenceNumber: 4 });
    expect(decoded[0]!.dataFile).toEqual(entries[0]!.dataFile);
    // Only ADDED entries inherit; an EXISTING entry keeps the sequence number it was written with.
    expect(decoded[1]).toMatchObject({ status: EXISTING, sequenceNumber: 3, snapshotId: 7n });
  });

  it('round-trips a manifest list, deleted counts and partition summaries included', () => {
    const manifests = [
      {
        manifestPath: 's3://lake/t/metadata/x-m0.avro',
        manifestLength: 4000,
        partitionSpecId: 0,
        content: 0 as const,
        sequenceNumber: 5,
        minSequenceNumber: 2,
        addedSnapshotId: 2n ** 62n + 3n,
        addedFilesCount: 1,
        existingFilesCount: 2,
        deletedFilesCount: 3,
        addedRowsCount: 10,
        existingRowsCount: 20,
        deletedRowsCount: 30,
        partitions: [{ containsNull: false, containsNan: null, lowerBound: serializeBound('int', 474802), upperBound: serializeBound('int', 474803) }],
      },
    ];
    const buf = encodeManifestList(manifests, { snapshotId: 2n ** 62n + 3n, parentSnapshotId: null, sequenceNumber: 5 });
    expect(decodeManifestList(buf)).toEqual(manifests);
    expect(decodeAvroFile(buf).metadata['snapshot-id']).toBe((2n ** 62n + 3n).toString());
    expect(DELETED).toBe(2);
  });
});

/** The Avro schema of `data_file.partition` (field 102) as the manifest's header holds it. */
function partitionAvroFields(buf: Buffer): Array<{ name: string; type: unknown; 'field-id': number }> {
  const entry = decodeAvroFile<unknown>(buf).schema as { fields: Array<{ name: string; type: { fields: Array<{ name: string; type: unknown }> } }> };
  const dataFile = entry.fields.find((f) => f.name === 'data_file')!.type;
  return (dataFile.fields.find((f) => f.name === 'partition')!.type as unknown as { fields: Array<{ name: string; type: unknown; 'field-id': number }> }).fields;
}

const addedEntry = (dataFile: DataFile): ManifestEntry => ({ status: ADDED, snapshotId: 11n, sequenceNumber: null, fileSequenceNumber: null, dataFile });

describe('manifests of identity and bucket partitions', () => {
  // A table spec's partitioning: day(ts), identity(device), bucket[8](user_id).
  const columns: LakeColumn[] = [
    { name: 'ts', type: 'timestamp_ms', nullable: false },
    { name: 'device', type: 'string', nullable: true },
    { name: 'user_id', type: 'bigint', nullable: true },
  ];
  const tableSchema: IcebergSchema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'ts', required: false, type: 'timestamp' },
      { id: 2, name: 'device', required: false, type: 'string' },
      { id: 3, name: 'user_id', required: false, type: 'long' },
    ],
  };
  const tableSpec: PartitionSpec = {
    'spec-id': 0,
    fields: [
      { name: 'ts_day', transform: 'day', 'source-id': 1, 'field-id': 1000 },
      { name: 'device', transform: 'identity', 'source-id': 2, 'field-id': 1001 },
      { name: 'user_id_bucket', transform: 'bucket[8]', 'source-id': 3, 'field-id': 1002 },
    ],
  };
  const partitionOf = recordPartitioner(
    [
      { name: 'ts_day', column: 'ts', transform: 'day' },
      { name: 'device', column: 'device', transform: 'identity' },
      { name: 'user_id_bucket', column: 'user_id', transform: 'bucket', buckets: 8 },
    ],
    columns,
  );
  // user 34 hashes to 2017239379 (spec, Appendix B): bucket 3 of 8; user 1 to 1392991556: bucket 4.
  const rows = [
    { ts: Date.UTC(2017, 10, 16, 22, 31, 8), device: 'tv', user_id: 34 },
    { ts: Date.UTC(2017, 10, 17, 1), device: 'car', user_id: 1 },
    { ts: Date.UTC(2017, 10, 17, 2), device: null, user_id: null },
  ];
  const files: DataFile[] = rows.map((row, i) => {
    const partition = partitionOf(row);
    return { filePath: `s3://lake/t/data/${partitionToPath(tableSpec, tableSchema, partition)}/f${i}.parquet`, fileFormat: 'PARQUET', partition, recordCount: 1, fileSizeInBytes: 100 };
  });

  it('computes the tuples and folders Iceberg would', () => {
    expect(files.map((f) => f.partition)).toEqual([
      { ts_day: 17486, device: 'tv', user_id_bucket: 3 },
      { ts_day: 17487, device: 'car', user_id_bucket: 4 },
      { ts_day: 17487, device: null, user_id_bucket: null },
    ]);
    expect(files.map((f) => f.filePath)).toEqual([
      's3://lake/t/data/ts_day=2017-11-16/device=tv/user_id_bucket=3/f0.parquet',
      's3://lake/t/data/ts_day=2017-11-17/device=car/user_id_bucket=4/f1.parquet',
      's3://lake/t/data/ts_day=2017-11-17/device=null/user_id_bucket=null/f2.parquet',
    ]);
  });

  it('writes the partition struct with the result types and field ids, and reads the tuples back', () => {
    const buf = encodeManifest(files.map(addedEntry), tableSchema, tableSpec);
    expect(partitionAvroFields(buf)).toEqual([
      { name: 'ts_day', type: ['null', 'int'], default: null, 'field-id': 1000 },
      { name: 'device', type: ['null', 'string'], default: null, 'field-id': 1001 },
      { name: 'user_id_bucket', type: ['null', 'int'], default: null, 'field-id': 1002 },
    ]);
    expect(decodeAvroFile(buf).metadata['partition-spec']).toBe(JSON.stringify(tableSpec.fields));
    expect(decodeManifest(buf, { sequenceNumber: 1 }).map((e) => e.dataFile)).toEqual(files);
  });

  it('summarises each partition field for the manifest list: nulls flagged, bounds in each result type', () => {
    const summaries = partitionSummaries(files.map(addedEntry), tableSpec, tableSchema);
    const [day, device, bucket] = summaries;
    expect(day).toMatchObject({ containsNull: false, containsNan: null });
    expect([deserializeBound('int', day!.lowerBound!), deserializeBound('int', day!.upperBound!)]).toEqual([17486, 17487]);
    expect(device).toMatchObject({ containsNull: true, containsNan: null });
    expect([deserializeBound('string', device!.lowerBound!), deserializeBound('string', device!.upperBound!)]).toEqual(['car', 'tv']);
    expect(bucket).toMatchObject({ containsNull: true, containsNan: null });
    expect([deserializeBound('int', bucket!.lowerBound!), deserializeBound('int', bucket!.upperBound!)]).toEqual([3, 4]);
    const list = encodeManifestList(
      [
        {
          manifestPath: 's3://lake/t/metadata/m0.avro',
          manifestLength: 1,
          partitionSpecId: 0,
          content: 0,
          sequenceNumber: 1,
          minSequenceNumber: 1,
          addedSnapshotId: 11n,
          addedFilesCount: 3,
          existingFilesCount: 0,
          deletedFilesCount: 0,
          addedRowsCount: 3,
          existingRowsCount: 0,
          deletedRowsCount: 0,
          partitions: summaries,
        },
      ],
      { snapshotId: 11n, parentSnapshotId: null, sequenceNumber: 1 },
    );
    expect(decodeManifestList(list)[0]!.partitions).toEqual(summaries);
  });

  it('round-trips identity partitions of every lake type: source types kept, longs past 2^53 exact', () => {
    const identitySchema: IcebergSchema = {
      type: 'struct',
      'schema-id': 0,
      fields: (['string', 'int', 'long', 'boolean', 'date', 'timestamp', 'double'] as const).map((type, i) => ({ id: i + 1, name: `c_${type}`, required: false, type })),
    };
    const identitySpec: PartitionSpec = { 'spec-id': 0, fields: identitySchema.fields.map((f, i) => ({ name: f.name, transform: 'identity', 'source-id': f.id, 'field-id': 1000 + i })) };
    const partitions: PartitionValues[] = [
      { c_string: 'é tv', c_int: -7, c_long: 2n ** 62n + 1n, c_boolean: true, c_date: 17486, c_timestamp: 1_510_871_468_123_456, c_double: 0.5 },
      { c_string: 'a', c_int: 12, c_long: -3, c_boolean: false, c_date: -1, c_timestamp: -1, c_double: Number.NaN },
    ];
    const buf = encodeManifest(
      partitions.map((partition, i) => addedEntry({ filePath: `s3://lake/t/data/f${i}.parquet`, fileFormat: 'PARQUET', partition, recordCount: 1, fileSizeInBytes: 1 })),
      identitySchema,
      identitySpec,
    );
    expect(partitionAvroFields(buf).map((f) => f.type)).toEqual([
      ['null', 'string'],
      ['null', 'int'],
      ['null', 'long'],
      ['null', 'boolean'],
      ['null', { type: 'int', logicalType: 'date' }],
      ['null', { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false }],
      ['null', 'double'],
    ]);
    const decoded = decodeManifest(buf).map((e) => e.dataFile.partition);
    expect(decoded).toEqual(partitions);
    expect(decoded[0]!.c_long).toBe(2n ** 62n + 1n);

    const summaries = partitionSummaries(decodeManifest(buf), identitySpec, identitySchema);
    const bounds = summaries.map((s, i) => {
      const type = identitySchema.fields[i]!.type as 'string';
      return [deserializeBound(type, s.lowerBound!), deserializeBound(type, s.upperBound!)];
    });
    expect(bounds).toEqual([
      ['a', 'é tv'],
      [-7, 12],
      [-3n, 2n ** 62n + 1n],
      [false, true],
      [-1, 17486],
      [-1n, 1_510_871_468_123_456n],
      // NaN stays out of the bounds and sets contains_nan instead.
      [0.5, 0.5],
    ]);
    expect(summaries.map((s) => s.containsNan)).toEqual([null, null, null, null, null, null, true]);
  });

  it('refuses to write a tuple missing a field, or a transform its source type does not allow', () => {
    const file = (partition: PartitionValues): ManifestEntry => addedEntry({ filePath: 's3://lake/t/data/x.parquet', fileFormat: 'PARQUET', partition, recordCount: 1, fileSizeInBytes: 1 });
    expect(() => encodeManifest([file({ ts_day: 1, device: 'tv' })], tableSchema, tableSpec)).toThrow(/no value for partition field user_id_bucket/);
    const hourOfString: PartitionSpec = { 'spec-id': 0, fields: [{ name: 'device_hour', transform: 'hour', 'source-id': 2, 'field-id': 1000 }] };
    expect(() => encodeManifest([file({ device_hour: 1 })], tableSchema, hourOfString)).toThrow(/hour of a string column is not supported/);
  });
});

describe('snapshot ids through JSON', () => {
  it('parses ids beyond 2^53 exactly and writes them back as bare numbers', () => {
    const metadata = parseIcebergJson<TableMetadata>(fixture('trino-table-metadata.json').toString('utf8'));
    expect(metadata['current-snapshot-id']).toBe(5939886075600680830n);
    expect(metadata.refs!.main!['snapshot-id']).toBe(5939886075600680830n);
    expect(metadata.snapshots![1]!['parent-snapshot-id']).toBe(4476595548846904421n);
    const text = stringifyIcebergJson({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 5939886075600680830n, other: { 'snapshot-id': null } });
    expect(text).toBe('{"type":"assert-ref-snapshot-id","ref":"main","snapshot-id":5939886075600680830,"other":{"snapshot-id":null}}');
  });

  it('leaves id-like text inside string values alone', () => {
    const parsed = parseIcebergJson<{ summary: Record<string, string> }>('{"summary":{"pipeline.note":"{\\"snapshot-id\\": 5}"}}');
    expect(parsed.summary['pipeline.note']).toBe('{"snapshot-id": 5}');
  });
});

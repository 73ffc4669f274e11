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
  serializeBound,
  stringifyIcebergJson,
  type IcebergSchema,
  type ManifestEntry,
  type PartitionSpec,
  type TableMetadata,
} from '@spotify-pipeline/shared/iceberg';

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

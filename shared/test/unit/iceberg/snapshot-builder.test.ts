import {
  decodeManifest,
  decodeManifestList,
  deserializeBound,
  prepareSnapshot,
  TableReader,
  type DataFile,
  type IcebergSchema,
  type PartitionSpec,
  type S3FileIO,
  type TableMetadata,
} from '@spotify-pipeline/shared/iceberg';

/** The two calls prepareSnapshot makes of S3, in memory. */
class MemoryFileIO {
  readonly objects = new Map<string, Buffer>();
  async read(uri: string): Promise<Buffer> {
    const body = this.objects.get(uri);
    if (!body) throw new Error(`no object ${uri}`);
    return body;
  }
  async write(uri: string, body: Buffer): Promise<void> {
    this.objects.set(uri, body);
  }
}

const schema: IcebergSchema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'ts', required: false, type: 'timestamp' },
    { id: 2, name: 'device', required: false, type: 'string' },
    { id: 3, name: 'user_id', required: false, type: 'long' },
  ],
};

const tableWith = (spec: PartitionSpec): TableMetadata => ({
  'format-version': 2,
  'table-uuid': '00000000-0000-0000-0000-000000000001',
  location: 's3://lake/t',
  'last-sequence-number': 0,
  'last-updated-ms': 0,
  'last-column-id': 3,
  'current-schema-id': 0,
  schemas: [schema],
  'default-spec-id': 0,
  'partition-specs': [spec],
  'last-partition-id': 999 + spec.fields.length,
});

const file = (name: string, partition: DataFile['partition']): DataFile => ({ filePath: `s3://lake/t/data/${name}.parquet`, fileFormat: 'PARQUET', partition, recordCount: 2, fileSizeInBytes: 10 });

async function commit(spec: PartitionSpec, added: DataFile[]) {
  const io = new MemoryFileIO();
  const fileIO = io as unknown as S3FileIO;
  const prepared = await prepareSnapshot(fileIO, new TableReader(fileIO), tableWith(spec), { operation: 'append', added, removed: new Set(), summary: {} });
  const [manifest] = decodeManifestList(await io.read(prepared.snapshot['manifest-list']));
  return { prepared, manifest: manifest!, entries: decodeManifest(await io.read(manifest!.manifestPath), manifest) };
}

describe('prepareSnapshot with identity and bucket partitions', () => {
  const spec: PartitionSpec = {
    'spec-id': 0,
    fields: [
      { name: 'ts_day', transform: 'day', 'source-id': 1, 'field-id': 1000 },
      { name: 'device', transform: 'identity', 'source-id': 2, 'field-id': 1001 },
      { name: 'user_id_bucket', transform: 'bucket[8]', 'source-id': 3, 'field-id': 1002 },
    ],
  };

  it('writes the manifest list partition summaries engines prune manifests by', async () => {
    const added = [
      file('a', { ts_day: 17487, device: 'tv', user_id_bucket: 7 }),
      file('b', { ts_day: 17486, device: 'car', user_id_bucket: 0 }),
      file('c', { ts_day: 17487, device: null, user_id_bucket: null }),
    ];
    const { prepared, manifest, entries } = await commit(spec, added);
    expect(entries.map((e) => e.dataFile.partition)).toEqual(added.map((f) => f.partition));
    const [day, device, bucket] = manifest.partitions!;
    expect([day!.containsNull, deserializeBound('int', day!.lowerBound!), deserializeBound('int', day!.upperBound!)]).toEqual([false, 17486, 17487]);
    expect([device!.containsNull, deserializeBound('string', device!.lowerBound!), deserializeBound('string', device!.upperBound!)]).toEqual([true, 'car', 'tv']);
    expect([bucket!.containsNull, deserializeBound('int', bucket!.lowerBound!), deserializeBound('int', bucket!.upperBound!)]).toEqual([true, 0, 7]);
    expect(prepared.snapshot.summary['changed-partition-count']).toBe('3');
  });

  it('orders string bounds by UTF-8 bytes (code points), as Iceberg and Parquet do, not by UTF-16 units', async () => {
    // U+FF61 sorts after U+1F4B0 in UTF-16 code units (0xFF61 > 0xD83D), but before it in code points.
    const { manifest } = await commit(spec, [file('a', { ts_day: 1, device: '\uFF61', user_id_bucket: 1 }), file('b', { ts_day: 1, device: '\u{1F4B0}', user_id_bucket: 1 })]);
    const device = manifest.partitions![1]!;
    expect([deserializeBound('string', device.lowerBound!), deserializeBound('string', device.upperBound!)]).toEqual(['\uFF61', '\u{1F4B0}']);
  });

  it('counts changed partitions of long identity values past 2^53 without rounding them together', async () => {
    const longSpec: PartitionSpec = { 'spec-id': 0, fields: [{ name: 'user_id', transform: 'identity', 'source-id': 3, 'field-id': 1000 }] };
    const { prepared, manifest } = await commit(longSpec, [file('a', { user_id: 2n ** 60n }), file('b', { user_id: 2n ** 60n + 1n })]);
    expect(prepared.snapshot.summary['changed-partition-count']).toBe('2');
    expect([deserializeBound('long', manifest.partitions![0]!.lowerBound!), deserializeBound('long', manifest.partitions![0]!.upperBound!)]).toEqual([2n ** 60n, 2n ** 60n + 1n]);
  });
});

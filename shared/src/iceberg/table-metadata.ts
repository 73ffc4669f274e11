/**
 * The parts of Iceberg table metadata (format v2, spec "Table Metadata") this project reads and
 * writes. Snapshot ids are bigints (see big-ids.ts); everything else is JSON as the spec has it.
 */
export type IcebergPrimitive = 'boolean' | 'int' | 'long' | 'float' | 'double' | 'date' | 'time' | 'timestamp' | 'timestamptz' | 'string' | 'uuid' | 'binary';

export interface IcebergField {
  id: number;
  name: string;
  required: boolean;
  /** Primitive types only: the lake's columns are flat. */
  type: IcebergPrimitive | string | object;
  doc?: string;
}

export interface IcebergSchema {
  type: 'struct';
  'schema-id': number;
  'identifier-field-ids'?: number[];
  fields: IcebergField[];
}

export interface PartitionField {
  name: string;
  transform: string;
  'source-id': number;
  'field-id': number;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export interface Snapshot {
  'snapshot-id': bigint;
  'parent-snapshot-id'?: bigint | null;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: Record<string, string> & { operation: string };
  'schema-id'?: number;
}

export interface SnapshotRef {
  'snapshot-id': bigint;
  type: 'branch' | 'tag';
}

export interface TableMetadata {
  'format-version': number;
  'table-uuid': string;
  location: string;
  'last-sequence-number': number;
  'last-updated-ms': number;
  'last-column-id': number;
  'current-schema-id': number;
  schemas: IcebergSchema[];
  'default-spec-id': number;
  'partition-specs': PartitionSpec[];
  'last-partition-id': number;
  properties?: Record<string, string>;
  'current-snapshot-id'?: bigint | null;
  refs?: Record<string, SnapshotRef>;
  snapshots?: Snapshot[];
  'snapshot-log'?: Array<{ 'snapshot-id': bigint; 'timestamp-ms': number }>;
  'metadata-log'?: Array<{ 'metadata-file': string; 'timestamp-ms': number }>;
}

export interface LoadedTable {
  metadataLocation: string | undefined;
  metadata: TableMetadata;
}

export function currentSchema(metadata: TableMetadata): IcebergSchema {
  const schema = metadata.schemas.find((s) => s['schema-id'] === metadata['current-schema-id']);
  if (!schema) throw new Error(`table ${metadata.location} has no schema ${metadata['current-schema-id']}`);
  return schema;
}

export function defaultSpec(metadata: TableMetadata): PartitionSpec {
  const spec = metadata['partition-specs'].find((s) => s['spec-id'] === metadata['default-spec-id']);
  if (!spec) throw new Error(`table ${metadata.location} has no partition spec ${metadata['default-spec-id']}`);
  return spec;
}

/** The snapshot the `main` branch points at; undefined for a table nothing was committed to. */
export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata.refs?.main?.['snapshot-id'] ?? metadata['current-snapshot-id'] ?? undefined;
  if (id === undefined || id === null || id === -1n) return undefined;
  return snapshotById(metadata, id);
}

export function snapshotById(metadata: TableMetadata, id: bigint): Snapshot | undefined {
  return metadata.snapshots?.find((s) => s['snapshot-id'] === id);
}

/** The current snapshot and its parents, newest first, as far back as the metadata still holds them. */
export function* ancestors(metadata: TableMetadata, from = currentSnapshot(metadata)): Generator<Snapshot> {
  let snapshot = from;
  const seen = new Set<bigint>();
  while (snapshot && !seen.has(snapshot['snapshot-id'])) {
    seen.add(snapshot['snapshot-id']);
    yield snapshot;
    const parent = snapshot['parent-snapshot-id'];
    snapshot = parent === undefined || parent === null ? undefined : snapshotById(metadata, parent);
  }
}

/**
 * Time travel: the snapshot of `main` that was current at `timestampMs` (the newest ancestor
 * committed at or before it), as `FOR TIMESTAMP AS OF` means in Trino and Athena.
 */
export function snapshotAsOf(metadata: TableMetadata, timestampMs: number): Snapshot | undefined {
  for (const snapshot of ancestors(metadata)) if (snapshot['timestamp-ms'] <= timestampMs) return snapshot;
  return undefined;
}

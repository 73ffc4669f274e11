import type { LakeColumn } from '@spotify-pipeline/shared/schemas';

/** One Parquet object of a table, as its lake-files manifest described it. */
export interface LakeFile {
  key: string;
  sizeBytes: number;
  rowCount: number;
  sha256: string;
}

/** dt/hour of a Hive partition; both empty for an unpartitioned table (tracks). */
export interface PartitionKey {
  dt: string;
  hour: string;
}

export interface TableSpec {
  name: string;
  columns: LakeColumn[];
  /** Empty for unpartitioned tables. */
  partitionKeys: LakeColumn[];
  /** s3://bucket/table/ */
  location: string;
}

export interface PartitionFiles extends PartitionKey {
  /** s3:// prefix the partition's files live under. */
  location: string;
  files: LakeFile[];
}

/** A compaction swap: the partition reads `add` instead of `remove` from one catalog write on. */
export interface PartitionSwap extends PartitionKey {
  location: string;
  remove: string[];
  add: LakeFile[];
}

export interface CompletenessMark {
  closedAtMs: number;
  watermarkMs: number;
}

export interface CatalogPartition extends PartitionKey {
  location: string;
  /** Exactly the files readers see; undefined where the catalog knows only a location (Glue). */
  files?: LakeFile[];
  closed: boolean;
  closedAtMs?: number;
  updatedAtMs?: number;
}

export interface CatalogTable {
  name: string;
  columns: LakeColumn[];
  partitionKeys: LakeColumn[];
  location: string;
  updatedAtMs?: number;
}

/**
 * What catalog-sync keeps current, whatever the backend (embedded JSON, Glue, Glue + crawler,
 * Glue + partition projection). Every write is idempotent: the sync commits its Kafka offsets only
 * after the write succeeded, so a crash replays writes that may already have happened.
 */
export interface Catalog {
  readonly mode: string;
  ensureTable(spec: TableSpec): Promise<void>;
  /** Adds the columns the table lacks (schema evolution); existing ones are left alone. */
  addColumns(table: string, columns: LakeColumn[]): Promise<void>;
  /** Creates missing partitions and, where the catalog lists files, adds these files to them. */
  registerPartitions(table: string, partitions: PartitionFiles[]): Promise<void>;
  /** Switches a partition to its compacted files in one write: readers see the old set or the new, never both. */
  switchPartitionFiles(table: string, swap: PartitionSwap): Promise<void>;
  setPartitionClosed(table: string, partition: PartitionKey, mark: CompletenessMark): Promise<void>;
  listPartitions(table: string): Promise<CatalogPartition[]>;
  listTables(): Promise<CatalogTable[]>;
  close(): Promise<void>;
}

export const partitionId = (table: string, p: PartitionKey): string => (p.dt ? `${table}/dt=${p.dt}/hour=${p.hour}` : table);

/** s3://bucket/prefix/ of an object key's folder. */
export function folderOf(bucket: string, key: string): string {
  const slash = key.lastIndexOf('/');
  return `s3://${bucket}/${slash >= 0 ? key.slice(0, slash + 1) : ''}`;
}

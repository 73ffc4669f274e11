import type { S3Client } from '@aws-sdk/client-s3';
import { defaultSpec, parseS3Uri, prepareSnapshot, S3FileIO, TableReader, timeTransform, type DataFile, type LiveFile, type RestCatalog, type SnapshotChange } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';

const numbers = (map: Record<string, number>): Record<number, number> => Object.fromEntries(Object.entries(map).map(([k, v]) => [Number(k), v]));
const buffers = (map: Record<string, string>): Record<number, Buffer> => Object.fromEntries(Object.entries(map).map(([k, v]) => [Number(k), Buffer.from(v, 'base64')]));

/**
 * A test-only stand-in for catalog-sync (the one committer in production): commits the ETL's
 * lake manifests to the Iceberg table, `add`s as an append snapshot, each group of `compact`s
 * naming the same `replaces` as one replace snapshot (an unpartitioned table's: every live file
 * replaced by the newest), so a test can see the table the ETL's
 * output makes (and a compactor can plan from it). It keeps catalog-sync's two rules that the
 * tests lean on: a manifest is applied once (a file already added, live or compacted away, is not
 * appended again), and a compaction whose inputs are not all live is dropped.
 */
export class TestCommitter {
  readonly io: S3FileIO;
  readonly reader: TableReader;
  /**
   * Every file this committer ever added: a manifest is applied once (catalog-sync knows by the
   * offsets in its snapshot summaries), so a file compacted away is never appended again.
   */
  private readonly added = new Set<string>();

  constructor(
    private readonly rest: RestCatalog,
    private readonly namespace: string,
    s3: S3Client,
  ) {
    this.io = new S3FileIO(s3);
    this.reader = new TableReader(this.io);
  }

  async liveFiles(table: string): Promise<LiveFile[]> {
    const loaded = await this.rest.loadTable(this.namespace, table);
    return loaded ? this.reader.currentFiles(loaded.metadata) : [];
  }

  /** Keys (in the lake bucket) of the table's live data files, sorted. */
  async liveKeys(table: string): Promise<string[]> {
    return (await this.liveFiles(table)).map((f) => parseS3Uri(f.entry.dataFile.filePath).key).sort();
  }

  /** Commits what these manifests add or replace; returns how many snapshots it made. */
  async commit(table: string, manifests: LakeFileManifest[]): Promise<number> {
    let snapshots = 0;
    const live = new Set((await this.liveFiles(table)).map((f) => f.entry.dataFile.filePath));
    const adds = new Map<string, LakeFileManifest>();
    for (const m of manifests) if (m.table === table && m.operation === 'add' && !live.has(uri(m)) && !this.added.has(uri(m))) adds.set(uri(m), m);
    if (adds.size > 0 && (await this.apply(table, { operation: 'append', added: [...adds.values()], removed: [] }))) snapshots++;

    const groups = new Map<string, LakeFileManifest[]>();
    for (const m of manifests) {
      if (m.table !== table || m.operation !== 'compact') continue;
      const id = [...m.replaces].sort().join('\n');
      groups.set(id, [...(groups.get(id) ?? []).filter((x) => x.key !== m.key), m]);
    }
    for (const group of groups.values()) {
      // An unpartitioned table's compact (the tracks snapshot) replaces every live file.
      const unpartitioned = group[0]!.partition === null;
      const removed = unpartitioned ? (await this.liveFiles(table)).map((f) => f.entry.dataFile.filePath) : group[0]!.replaces.map((key) => `s3://${group[0]!.bucket}/${key}`);
      if (await this.apply(table, { operation: unpartitioned ? 'overwrite' : 'replace', added: unpartitioned ? group.slice(-1) : group, removed })) snapshots++;
    }
    return snapshots;
  }

  private async apply(table: string, change: { operation: SnapshotChange['operation']; added: LakeFileManifest[]; removed: string[] }): Promise<boolean> {
    const loaded = await this.rest.loadTable(this.namespace, table);
    if (!loaded) throw new Error(`table ${this.namespace}.${table} does not exist`);
    const live = new Set((await this.reader.currentFiles(loaded.metadata)).map((f) => f.entry.dataFile.filePath));
    if (change.removed.some((path) => !live.has(path)) || change.added.some((m) => live.has(uri(m)))) return false;
    const spec = defaultSpec(loaded.metadata);
    const prepared = await prepareSnapshot(this.io, this.reader, loaded.metadata, {
      operation: change.operation,
      added: change.added.map((m) => dataFileOf(m, spec.fields)),
      removed: new Set(change.removed),
      summary: { 'pipeline.test-committer': 'true' },
    });
    await this.rest.commit(this.namespace, table, prepared.requirements, prepared.updates);
    for (const m of change.added) this.added.add(uri(m));
    return true;
  }
}

const uri = (m: LakeFileManifest): string => `s3://${m.bucket}/${m.key}`;

/** The Iceberg data file a manifest describes: partition value from the event hour, metrics as the ETL measured them. */
function dataFileOf(m: LakeFileManifest, fields: ReturnType<typeof defaultSpec>['fields']): DataFile {
  const partition: DataFile['partition'] = {};
  for (const field of fields) partition[field.name] = timeTransform(field.transform as 'hour' | 'day', Date.parse(`${m.partition!.dt}T${m.partition!.hour}:00:00Z`));
  const file: DataFile = { filePath: uri(m), fileFormat: 'PARQUET', partition, recordCount: m.row_count, fileSizeInBytes: m.size_bytes };
  if (m.metrics) {
    file.columnSizes = numbers(m.metrics.column_sizes);
    file.valueCounts = numbers(m.metrics.value_counts);
    file.nullValueCounts = numbers(m.metrics.null_value_counts);
    file.lowerBounds = buffers(m.metrics.lower_bounds);
    file.upperBounds = buffers(m.metrics.upper_bounds);
  }
  return file;
}

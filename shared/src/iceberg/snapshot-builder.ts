import { randomBytes, randomUUID } from 'node:crypto';
import type { S3FileIO } from './file-io.js';
import {
  ADDED,
  DELETED,
  EXISTING,
  encodeManifest,
  encodeManifestList,
  type DataFile,
  type ManifestEntry,
  type ManifestFile,
  type PartitionValues,
} from './manifests.js';
import { partitionSummaries } from './partition-summaries.js';
import type { TableRequirement, TableUpdate } from './rest-catalog.js';
import type { TableReader } from './table-reader.js';
import { currentSchema, currentSnapshot, defaultSpec, type IcebergSchema, type PartitionSpec, type Snapshot, type TableMetadata } from './table-metadata.js';

export interface SnapshotChange {
  /** `append` adds files; `replace` swaps files for the same rows (compaction); `overwrite` swaps them for other rows. */
  operation: 'append' | 'replace' | 'overwrite';
  added: DataFile[];
  /** Paths of live files this snapshot removes; every one must be live in the current snapshot. */
  removed: ReadonlySet<string>;
  /** Extra summary properties (`pipeline.*`), kept beside the standard ones. */
  summary: Record<string, string>;
}

export interface PreparedSnapshot {
  snapshot: Snapshot;
  requirements: TableRequirement[];
  updates: TableUpdate[];
  /** Manifests and the manifest list this attempt wrote: orphans if the commit does not land. */
  written: string[];
}

export interface SnapshotBuilderOptions {
  /** Past this many manifests in the list, the smaller ones are merged into one (Iceberg's manifest merging). */
  maxManifests?: number;
  now?: () => number;
}

/** A fresh positive 63-bit snapshot id, as Iceberg's Java writer draws them. */
export function newSnapshotId(): bigint {
  const id = BigInt.asUintN(63, randomBytes(8).readBigUInt64LE());
  return id === 0n ? 1n : id;
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** A partition tuple as a set key: JSON.stringify refuses bigints, which long partition values beyond 2^53 are. */
const partitionKey = (partition: PartitionValues): string =>
  JSON.stringify(partition, (_, v: unknown) => (typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : `${v}n`) : v));

/**
 * Builds one snapshot on top of the table's current one: writes the new manifests and manifest
 * list, and returns the catalog commit (requirements + updates) that makes it current. Nothing is
 * visible until that commit lands; a conflicting commit means: reload the table, build again.
 * - New files go into one new manifest (ADDED entries, sequence numbers inherited).
 * - A removed file's manifest is rewritten: the others as EXISTING (sequence numbers kept), the
 *   removed ones as DELETED, so readers of this snapshot never see them and history stays exact.
 * - Untouched manifests are carried over as they are; past `maxManifests` the small ones merge.
 */
export async function prepareSnapshot(
  io: S3FileIO,
  reader: TableReader,
  metadata: TableMetadata,
  change: SnapshotChange,
  options: SnapshotBuilderOptions = {},
): Promise<PreparedSnapshot> {
  const now = options.now ?? Date.now;
  const schema = currentSchema(metadata);
  const spec = defaultSpec(metadata);
  const parent = currentSnapshot(metadata);
  const snapshotId = newSnapshotId();
  const sequenceNumber = metadata['last-sequence-number'] + 1;
  const prefix = `${metadata.location.replace(/\/$/, '')}/metadata`;
  const commitId = randomUUID();
  const written: string[] = [];
  let manifestIndex = 0;

  const writeManifest = async (entries: ManifestEntry[]): Promise<ManifestFile> => {
    const path = `${prefix}/${commitId}-m${manifestIndex++}.avro`;
    const body = encodeManifest(entries, schema, spec);
    await io.write(path, body, 'application/octet-stream');
    written.push(path);
    return describeManifest(path, body.length, entries, spec, schema, snapshotId, sequenceNumber);
  };

  const carried: ManifestFile[] = [];
  const toRewrite: ManifestFile[] = [];
  const previous = parent ? await reader.manifestList(parent) : [];
  const found = new Set<string>();
  for (const manifest of previous) {
    if (change.removed.size === 0) {
      carried.push(manifest);
      continue;
    }
    const entries = await reader.entries(manifest);
    const hits = entries.filter((e) => e.status !== DELETED && change.removed.has(e.dataFile.filePath));
    for (const hit of hits) found.add(hit.dataFile.filePath);
    (hits.length > 0 ? toRewrite : carried).push(manifest);
  }
  const missing = [...change.removed].filter((p) => !found.has(p));
  if (missing.length > 0) throw new RemovedFileNotLive(missing);

  const newManifests: ManifestFile[] = [];
  if (change.added.length > 0) {
    newManifests.push(await writeManifest(change.added.map((dataFile) => ({ status: ADDED, snapshotId, sequenceNumber: null, fileSequenceNumber: null, dataFile }))));
  }
  const removedFiles: DataFile[] = [];
  for (const manifest of toRewrite) {
    const entries: ManifestEntry[] = [];
    for (const e of await reader.entries(manifest)) {
      if (e.status === DELETED) continue;
      if (change.removed.has(e.dataFile.filePath)) {
        removedFiles.push(e.dataFile);
        entries.push({ ...e, status: DELETED, snapshotId });
      } else {
        entries.push({ ...e, status: EXISTING });
      }
    }
    newManifests.push(await writeManifest(entries));
  }

  // Manifest merging: keeps planning cost flat however many commits a table has seen.
  const maxManifests = options.maxManifests ?? 100;
  if (carried.length + newManifests.length > maxManifests) {
    const merged = [...carried].sort((a, b) => a.addedFilesCount + a.existingFilesCount - (b.addedFilesCount + b.existingFilesCount)).slice(0, carried.length - Math.floor(maxManifests / 2));
    if (merged.length > 1) {
      const entries: ManifestEntry[] = [];
      for (const manifest of merged) for (const e of await reader.entries(manifest)) if (e.status !== DELETED) entries.push({ ...e, status: EXISTING });
      const mergedSet = new Set(merged.map((m) => m.manifestPath));
      carried.splice(0, carried.length, ...carried.filter((m) => !mergedSet.has(m.manifestPath)));
      if (entries.length > 0) newManifests.push(await writeManifest(entries));
    }
  }

  const manifests = [...newManifests, ...carried];
  const listPath = `${prefix}/snap-${snapshotId}-1-${commitId}.avro`;
  await io.write(listPath, encodeManifestList(manifests, { snapshotId, parentSnapshotId: parent?.['snapshot-id'] ?? null, sequenceNumber }));
  written.push(listPath);

  const addedRecords = sum(change.added.map((f) => f.recordCount));
  const removedRecords = sum(removedFiles.map((f) => f.recordCount));
  const addedSize = sum(change.added.map((f) => f.fileSizeInBytes));
  const removedSize = sum(removedFiles.map((f) => f.fileSizeInBytes));
  const changedPartitions = new Set([...change.added, ...removedFiles].map((f) => partitionKey(f.partition)));
  const previousTotal = (key: string): number | undefined => {
    const value = parent?.summary[key];
    return value === undefined ? (parent ? undefined : 0) : Number(value);
  };
  const totalSize = previousTotal('total-files-size');
  const summary: Record<string, string> = {
    operation: change.operation,
    'added-data-files': String(change.added.length),
    'added-records': String(addedRecords),
    'added-files-size': String(addedSize),
    ...(removedFiles.length > 0 ? { 'deleted-data-files': String(removedFiles.length), 'deleted-records': String(removedRecords), 'removed-files-size': String(removedSize) } : {}),
    'changed-partition-count': String(changedPartitions.size),
    'total-records': String(sum(manifests.map((m) => m.addedRowsCount + m.existingRowsCount))),
    'total-data-files': String(sum(manifests.map((m) => m.addedFilesCount + m.existingFilesCount))),
    ...(totalSize === undefined ? {} : { 'total-files-size': String(totalSize + addedSize - removedSize) }),
    'total-delete-files': '0',
    'total-position-deletes': '0',
    'total-equality-deletes': '0',
    ...change.summary,
  };
  const snapshot: Snapshot = {
    'snapshot-id': snapshotId,
    ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
    'sequence-number': sequenceNumber,
    'timestamp-ms': now(),
    'manifest-list': listPath,
    summary: summary as Snapshot['summary'],
    'schema-id': schema['schema-id'],
  };
  return {
    snapshot,
    written,
    requirements: [
      { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent?.['snapshot-id'] ?? null },
    ],
    updates: [
      { action: 'add-snapshot', snapshot },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': snapshotId },
    ],
  };
}

/** A file to remove is not live any more: another commit replaced it first. The change must be dropped or rebuilt. */
export class RemovedFileNotLive extends Error {
  constructor(readonly paths: string[]) {
    super(`${paths.length} file(s) to remove are not live in the table: ${paths.slice(0, 3).join(', ')}${paths.length > 3 ? ', …' : ''}`);
    this.name = 'RemovedFileNotLive';
  }
}

function describeManifest(
  path: string,
  length: number,
  entries: ManifestEntry[],
  spec: PartitionSpec,
  schema: IcebergSchema,
  snapshotId: bigint,
  sequenceNumber: number,
): ManifestFile {
  const count = (status: number): number => entries.filter((e) => e.status === status).length;
  const rows = (status: number): number => sum(entries.filter((e) => e.status === status).map((e) => e.dataFile.recordCount));
  const sequences = entries.map((e) => e.sequenceNumber ?? sequenceNumber);
  return {
    manifestPath: path,
    manifestLength: length,
    partitionSpecId: spec['spec-id'],
    content: 0,
    sequenceNumber,
    minSequenceNumber: sequences.length > 0 ? Math.min(...sequences) : sequenceNumber,
    addedSnapshotId: snapshotId,
    addedFilesCount: count(ADDED),
    existingFilesCount: count(EXISTING),
    deletedFilesCount: count(DELETED),
    addedRowsCount: rows(ADDED),
    existingRowsCount: rows(EXISTING),
    deletedRowsCount: rows(DELETED),
    partitions: partitionSummaries(entries, spec, schema),
  };
}

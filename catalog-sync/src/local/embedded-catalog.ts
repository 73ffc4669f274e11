import type { S3Client } from '@aws-sdk/client-s3';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import type { RetryOptions } from '@spotify-pipeline/shared/retry';
import type {
  Catalog,
  CatalogPartition,
  CatalogTable,
  CompletenessMark,
  PartitionFiles,
  PartitionKey,
  PartitionSwap,
  TableSpec,
} from '../catalog/catalog.js';
import { JsonDocument } from '../state/json-document.js';
import { catalogDocumentV1, emptyCatalogDocument, type CatalogDocument, type DocumentPartition, type DocumentTable } from './catalog-document.js';

const keyOf = (p: PartitionKey): string => (p.dt ? `dt=${p.dt}/hour=${p.hour}` : '');

/**
 * Local mode's catalog: one JSON document in the lake bucket, written conditionally. Each method
 * is one read-modify-write of the whole document, so a reader sees every change whole.
 */
export class EmbeddedCatalog implements Catalog {
  readonly mode = 'local';
  private readonly document: JsonDocument<CatalogDocument>;

  constructor(
    s3: S3Client,
    bucket: string,
    key: string,
    private readonly now: () => number = Date.now,
    retryOptions: Partial<RetryOptions> = {},
  ) {
    this.document = new JsonDocument(s3, bucket, key, emptyCatalogDocument, (raw) => catalogDocumentV1.parse(raw), retryOptions);
  }

  /** The whole document as it is in S3 now: the snapshot one query reads. */
  async snapshot(): Promise<CatalogDocument> {
    return (await this.document.read()).value;
  }

  /** The snapshot with its ETag, so a reader can tell an unchanged catalog without comparing it. */
  versionedSnapshot(): Promise<{ value: CatalogDocument; etag: string | undefined }> {
    return this.document.read();
  }

  async ensureTable(spec: TableSpec): Promise<void> {
    await this.document.update((doc) => {
      const existing = doc.tables[spec.name];
      if (existing) return mergeColumns(existing, spec.columns, this.now()) && touch(doc, this.now());
      doc.tables[spec.name] = {
        name: spec.name,
        location: spec.location,
        columns: spec.columns,
        partitionKeys: spec.partitionKeys,
        updatedAtMs: this.now(),
        partitions: {},
      };
      return touch(doc, this.now());
    });
  }

  async addColumns(table: string, columns: LakeColumn[]): Promise<void> {
    await this.document.update((doc) => mergeColumns(tableIn(doc, table), columns, this.now()) && touch(doc, this.now()));
  }

  async registerPartitions(table: string, partitions: PartitionFiles[]): Promise<void> {
    await this.document.update((doc) => {
      const t = tableIn(doc, table);
      let changed = false;
      for (const p of partitions) {
        const current = (t.partitions[keyOf(p)] ??= { dt: p.dt, hour: p.hour, location: p.location, files: [], retired: [], closed: false, updatedAtMs: this.now() });
        const known = new Set([...current.files.map((f) => f.key), ...current.retired]);
        const fresh = p.files.filter((f) => !known.has(f.key));
        if (fresh.length === 0 && current.files.length + current.retired.length > 0) continue;
        current.files.push(...fresh);
        current.updatedAtMs = this.now();
        changed = true;
      }
      return changed && touch(doc, this.now());
    });
  }

  async switchPartitionFiles(table: string, swap: PartitionSwap): Promise<void> {
    await this.document.update((doc) => {
      // A snapshot table's first snapshot arrives as a swap into nothing (the ETL's tracks snapshot).
      const t = tableIn(doc, table);
      const p = (t.partitions[keyOf(swap)] ??= { dt: swap.dt, hour: swap.hour, location: swap.location, files: [], retired: [], closed: false, updatedAtMs: this.now() });
      const removing = new Set(swap.remove);
      const present = new Set(p.files.map((f) => f.key));
      // Already switched (a replay): the new files are in and the old ones gone.
      if (swap.add.every((f) => present.has(f.key)) && swap.remove.every((k) => !present.has(k))) return false;
      p.files = [...p.files.filter((f) => !removing.has(f.key)), ...swap.add.filter((f) => !present.has(f.key))];
      p.retired = [...new Set([...p.retired, ...swap.remove])];
      p.location = swap.location;
      p.updatedAtMs = this.now();
      return touch(doc, this.now());
    });
  }

  async setPartitionClosed(table: string, partition: PartitionKey, mark: CompletenessMark): Promise<void> {
    await this.document.update((doc) => {
      const p = partitionIn(tableIn(doc, table), partition, table);
      if (p.closed) return false;
      p.closed = true;
      p.closedAtMs = mark.closedAtMs;
      p.watermarkMs = mark.watermarkMs;
      p.updatedAtMs = this.now();
      return touch(doc, this.now());
    });
  }

  async listPartitions(table: string): Promise<CatalogPartition[]> {
    const doc = await this.snapshot();
    const t = doc.tables[table];
    if (!t) return [];
    return Object.values(t.partitions).map((p) => ({
      dt: p.dt,
      hour: p.hour,
      location: p.location,
      files: p.files,
      closed: p.closed,
      closedAtMs: p.closedAtMs,
      updatedAtMs: p.updatedAtMs,
    }));
  }

  async listTables(): Promise<CatalogTable[]> {
    const doc = await this.snapshot();
    return Object.values(doc.tables).map(({ name, columns, partitionKeys, location, updatedAtMs }) => ({ name, columns, partitionKeys, location, updatedAtMs }));
  }

  async close(): Promise<void> {}
}

function touch(doc: CatalogDocument, now: number): true {
  doc.updatedAtMs = now;
  return true;
}

function tableIn(doc: CatalogDocument, table: string): DocumentTable {
  const t = doc.tables[table];
  if (!t) throw new PipelineError('INTERNAL', `table ${table} is not in the catalog; ensureTable first`);
  return t;
}

function partitionIn(t: DocumentTable, key: PartitionKey, table: string): DocumentPartition {
  const p = t.partitions[keyOf(key)];
  if (!p) throw new PipelineError('INTERNAL', `partition ${keyOf(key)} of ${table} is not in the catalog`);
  return p;
}

function mergeColumns(t: DocumentTable, columns: LakeColumn[], now: number): boolean {
  const known = new Set([...t.columns, ...t.partitionKeys].map((c) => c.name));
  const fresh = columns.filter((c) => !known.has(c.name));
  if (fresh.length === 0) return false;
  t.columns.push(...fresh);
  t.updatedAtMs = now;
  return true;
}

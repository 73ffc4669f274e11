import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { toDuckDbType, type LakeColumn } from '@spotify-pipeline/shared/schemas';
import { partitionPredicate, type Cell, type QueryEngine, type QueryResult } from '../queries/query-engine.js';
import type { CatalogDocument, DocumentTable } from './catalog-document.js';
import type { FileMirror } from './file-mirror.js';

export interface CatalogSnapshotSource {
  /** The catalog document and its version (ETag): one version always lists the same files. */
  versionedSnapshot(): Promise<{ value: CatalogDocument; etag: string | undefined }>;
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * "Athena on a laptop": DuckDB over the lake's Parquet. Before each query the views are rebuilt
 * from one snapshot of the embedded catalog, over exactly the files it lists — so a compaction
 * swap is atomic for readers here too: a query sees the old file set or the new, never both.
 * Views are rebuilt only when the catalog's version (ETag) moved since they were built.
 */
/** How often the mirror is swept, and how old an unlisted file must be to go. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

export class DuckDbEngine implements QueryEngine {
  readonly name = 'duckdb';
  private lastPruneMs = 0;
  /** Catalog version the views were built from; unchanged catalog, unchanged views. */
  private viewsVersion: string | undefined;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly catalog: CatalogSnapshotSource,
    private readonly mirror: FileMirror,
  ) {}

  static async create(catalog: CatalogSnapshotSource, mirror: FileMirror): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // A failed extension install reaches for the network; Parquet is built in.
    await connection.run('SET autoinstall_known_extensions = false');
    await connection.run('SET autoload_known_extensions = false');
    return new DuckDbEngine(instance, connection, catalog, mirror);
  }

  async query(sql: string): Promise<QueryResult> {
    await this.refreshViews();
    return this.run(sql);
  }

  async countPartitionRows(table: string, dt: string, hour: string): Promise<number> {
    const result = await this.query(`SELECT COUNT(*) AS n FROM ${quote(table)} WHERE ${partitionPredicate(dt, hour)}`);
    return Number(result.rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async run(sql: string): Promise<QueryResult> {
    let reader;
    try {
      reader = await this.connection.runAndReadAll(sql);
    } catch (err) {
      throw new PipelineError('QUERY_FAILED', `DuckDB: ${(err as Error).message}`, { cause: err });
    }
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    const rows = reader.getRowObjectsJS().map((row) => {
      const typed: Record<string, Cell> = {};
      for (const name of names) typed[name] = toCell(row[name]);
      return typed;
    });
    return { columns: names.map((name, i) => ({ name, type: types[i] ?? 'VARCHAR' })), rows };
  }

  /** One view per table over the files of one catalog snapshot. */
  private async refreshViews(): Promise<void> {
    const { value: doc, etag } = await this.catalog.versionedSnapshot();
    if (etag !== undefined && etag === this.viewsVersion) return;
    const listed = new Set<string>();
    for (const table of Object.values(doc.tables)) {
      const files = Object.values(table.partitions).flatMap((p) => p.files);
      const paths = [...(await this.mirror.localPaths(`${table.name}/`, files)).values()];
      for (const path of paths) listed.add(path);
      await this.connection.run(`CREATE OR REPLACE VIEW ${quote(table.name)} AS ${await this.viewSelect(table, paths)}`);
    }
    this.viewsVersion = etag;
    if (Date.now() - this.lastPruneMs > PRUNE_INTERVAL_MS) {
      this.lastPruneMs = Date.now();
      await this.mirror.prune(listed, PRUNE_INTERVAL_MS);
    }
  }

  /**
   * Projects the catalog's columns in catalog order: a column no file has yet (just added by
   * schema evolution) reads as NULL of its type, so every query sees the table the catalog declares.
   */
  private async viewSelect(table: DocumentTable, paths: string[]): Promise<string> {
    const columns: LakeColumn[] = [...table.columns, ...table.partitionKeys];
    if (paths.length === 0) {
      return `SELECT ${columns.map((c) => `CAST(NULL AS ${toDuckDbType(c.type)}) AS ${quote(c.name)}`).join(', ')} WHERE false`;
    }
    const hive = table.partitionKeys.length > 0;
    const options = hive ? `, hive_partitioning = true, hive_types = {${table.partitionKeys.map((k) => `${literal(k.name)}: VARCHAR`).join(', ')}}` : ', hive_partitioning = false';
    const source = `read_parquet([${paths.map(literal).join(', ')}], union_by_name = true${options})`;
    const present = new Set((await this.run(`DESCRIBE SELECT * FROM ${source}`)).rows.map((r) => String(r.column_name)));
    const projection = columns.map((c) => (present.has(c.name) ? quote(c.name) : `CAST(NULL AS ${toDuckDbType(c.type)}) AS ${quote(c.name)}`));
    return `SELECT ${projection.join(', ')} FROM ${source}`;
  }
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, '');
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  return String(value);
}

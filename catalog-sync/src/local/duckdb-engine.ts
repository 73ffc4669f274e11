import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import {
  currentSchema,
  currentSnapshot,
  lakeColumnsOf,
  snapshotAsOf,
  snapshotById,
  type LakeCatalog,
  type LoadedTable,
  type Snapshot,
  type TableReader,
} from '@spotify-pipeline/shared/iceberg';
import { toDuckDbType } from '@spotify-pipeline/shared/schemas';
import { hourCountSql, type Cell, type QueryEngine, type QueryResult } from '../queries/query-engine.js';
import type { FileMirror } from './file-mirror.js';
import { timeTravelClauses } from './time-travel.js';

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/** How often the mirror is swept, and how old an unlisted file must be to go. */
const PRUNE_INTERVAL_MS = 10 * 60_000;

/**
 * "Athena on a laptop": DuckDB over the lake's Iceberg tables without DuckDB's iceberg extension
 * (it cannot be installed offline). Before each query every table is loaded from the catalog and
 * its view rebuilt over exactly the data files of the current snapshot (read from the manifests,
 * never by listing folders) — only when the snapshot changed. A query therefore reads one
 * snapshot per table, as Trino and Athena do; `FOR TIMESTAMP|VERSION AS OF` reads an older one.
 */
export class DuckDbEngine implements QueryEngine {
  readonly name = 'duckdb';
  private lastPruneMs = 0;
  /** Snapshot id each table's view was built from. */
  private readonly viewSnapshots = new Map<string, string>();
  private readonly listed = new Map<string, Set<string>>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly lake: LakeCatalog,
    private readonly reader: TableReader,
    private readonly mirror: FileMirror,
  ) {}

  static async create(lake: LakeCatalog, reader: TableReader, mirror: FileMirror): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    // A failed extension install reaches for the network; Parquet is built in.
    await connection.run('SET autoinstall_known_extensions = false');
    await connection.run('SET autoload_known_extensions = false');
    // Timestamps are UTC by contract; DuckDB must not shift them into the machine's zone.
    await connection.run("SET TimeZone = 'UTC'");
    return new DuckDbEngine(instance, connection, lake, reader, mirror);
  }

  async query(sql: string): Promise<QueryResult> {
    const tables = await this.refreshViews();
    let rewritten = sql;
    for (const clause of timeTravelClauses(sql)) {
      const loaded = tables.get(clause.table);
      if (!loaded) throw new PipelineError('QUERY_FAILED', `time travel: no table ${clause.table} in the lake`);
      const snapshot = 'timestampMs' in clause.asOf ? snapshotAsOf(loaded.metadata, clause.asOf.timestampMs) : snapshotById(loaded.metadata, clause.asOf.snapshotId);
      if (!snapshot) throw new PipelineError('QUERY_FAILED', `time travel: ${clause.table} has no snapshot ${'timestampMs' in clause.asOf ? `at or before ${new Date(clause.asOf.timestampMs).toISOString()}` : clause.asOf.snapshotId} (expired, or before the table's first commit)`);
      const view = `${clause.table}__snapshot_${snapshot['snapshot-id']}`;
      await this.connection.run(`CREATE OR REPLACE TEMP VIEW ${quote(view)} AS ${await this.viewSelect(loaded, snapshot)}`);
      rewritten = rewritten.replace(clause.text, `${quote(view)} AS ${clause.table}`);
    }
    return this.run(rewritten);
  }

  async countHourRows(table: string, dt: string, hour: string): Promise<number> {
    const result = await this.query(hourCountSql(table, dt, hour));
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

  /** One view per lake table over its current snapshot's files; rebuilt only when the snapshot moved. */
  private async refreshViews(): Promise<Map<string, LoadedTable>> {
    const tables = new Map<string, LoadedTable>();
    // Every table of the namespace, as Trino and Athena see them: the built-in ones and those of table specs.
    for (const name of await this.tableNames()) {
      const loaded = await this.lake.rest.loadTable(this.lake.namespace, name);
      if (!loaded) continue;
      tables.set(name, loaded);
      const snapshot = currentSnapshot(loaded.metadata);
      const version = `${snapshot?.['snapshot-id'] ?? 'empty'}/${loaded.metadata['current-schema-id']}`;
      if (this.viewSnapshots.get(name) === version) continue;
      await this.connection.run(`CREATE OR REPLACE VIEW ${quote(name)} AS ${await this.viewSelect(loaded, snapshot, name)}`);
      this.viewSnapshots.set(name, version);
    }
    if (Date.now() - this.lastPruneMs > PRUNE_INTERVAL_MS) {
      this.lastPruneMs = Date.now();
      await this.mirror.prune(new Set([...this.listed.values()].flatMap((s) => [...s])), PRUNE_INTERVAL_MS);
    }
    return tables;
  }

  /** The namespace's tables; none before the first table created it. */
  private async tableNames(): Promise<string[]> {
    try {
      return await this.lake.rest.listTables(this.lake.namespace);
    } catch (err) {
      if (err instanceof PipelineError && err.code === 'CATALOG_NOT_FOUND') return [];
      throw err;
    }
  }

  /**
   * The table's current columns in schema order over one snapshot's files: a column no file has
   * yet (just added by schema evolution) reads as NULL of its type, as in any Iceberg reader.
   */
  private async viewSelect(loaded: LoadedTable, snapshot: Snapshot | undefined, trackAs?: string): Promise<string> {
    const columns = lakeColumnsOf(currentSchema(loaded.metadata));
    const files = (await this.reader.liveFiles(snapshot)).map((f) => ({ uri: f.entry.dataFile.filePath, sizeBytes: f.entry.dataFile.fileSizeInBytes }));
    const paths = [...(await this.mirror.localPaths(files)).values()].sort();
    if (trackAs) this.listed.set(trackAs, new Set(paths));
    if (paths.length === 0) return `SELECT ${columns.map((c) => `CAST(NULL AS ${toDuckDbType(c.type)}) AS ${quote(c.name)}`).join(', ')} WHERE false`;
    const source = `read_parquet([${paths.map(literal).join(', ')}], union_by_name = true, hive_partitioning = false)`;
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

import { lakeTableDefinition } from '@spotify-pipeline/shared/schemas';

export type Cell = string | number | boolean | null;

export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, Cell>>;
}

/** Runs SQL over the lake: Athena in AWS, DuckDB locally. Saved queries run unchanged on both. */
export interface QueryEngine {
  readonly name: string;
  query(sql: string): Promise<QueryResult>;
  /** Rows a reader of the table sees in one event hour (reconciliation); the whole table when dt is empty. */
  countHourRows(table: string, dt: string, hour: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * SQL counting one event hour of a time-partitioned table, in the SQL both engines read the same
 * way: a half-open range on the event time column (the partition is hidden: readers filter on `ts`).
 */
export function hourCountSql(table: string, dt: string, hour: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a table name: ${table}`);
  const column = lakeTableDefinition(table)?.partitioning?.column;
  if (!dt || !column) return `SELECT COUNT(*) AS n FROM ${table}`;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt) || !/^\d{2}$/.test(hour)) throw new Error(`not an hour: dt=${dt} hour=${hour}`);
  const start = new Date(`${dt}T${hour}:00:00Z`);
  const end = new Date(start.getTime() + 3_600_000);
  const literal = (d: Date): string => `TIMESTAMP '${d.toISOString().slice(0, 19).replace('T', ' ')}'`;
  return `SELECT COUNT(*) AS n FROM ${table} WHERE ${column} >= ${literal(start)} AND ${column} < ${literal(end)}`;
}

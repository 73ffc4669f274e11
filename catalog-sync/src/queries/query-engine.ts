export type Cell = string | number | boolean | null;

export interface QueryResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, Cell>>;
}

/** Runs SQL over the lake: Athena in AWS, DuckDB locally. Saved queries run unchanged on both. */
export interface QueryEngine {
  readonly name: string;
  query(sql: string): Promise<QueryResult>;
  /** Rows a reader of the catalog sees in one partition (reconciliation). */
  countPartitionRows(table: string, dt: string, hour: string): Promise<number>;
  close(): Promise<void>;
}

/** dt/hour values go into SQL text; they are validated by the manifest schema, and checked again here. */
export function partitionPredicate(dt: string, hour: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt) || !/^\d{2}$/.test(hour)) throw new Error(`not a partition: dt=${dt} hour=${hour}`);
  return `dt = '${dt}' AND hour = '${hour}'`;
}

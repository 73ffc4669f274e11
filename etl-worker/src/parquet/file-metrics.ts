import { serializeBound, type IcebergPrimitive } from '@spotify-pipeline/shared/iceberg';
import type { DataFileMetrics } from '@spotify-pipeline/shared/schemas';
import type { ColumnFields } from './copy-options.js';
import { compareBounds, parseStatValue, publishableBounds, type BoundValue } from './stat-values.js';

/** What a Parquet footer says about one written file: its row count and its Iceberg column metrics. */
export interface FileFooter {
  rows: number;
  metrics: DataFileMetrics;
}

const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/**
 * One row per column chunk (row group × column) of every file, from the footers alone: the row
 * counts and the metrics cost one footer read per file, never a scan of the data.
 */
export function footerQuery(paths: readonly string[]): string {
  return (
    'SELECT file_name, row_group_id, row_group_num_rows, path_in_schema, num_values, stats_null_count, ' +
    'stats_min_value, stats_max_value, min_is_exact, max_is_exact, total_compressed_size ' +
    `FROM parquet_metadata([${paths.map(sqlString).join(', ')}])`
  );
}

/** A row of footerQuery as DuckDB's JSON rows give it (BIGINTs as strings). */
export type ColumnChunkRow = Record<string, unknown>;

interface ColumnAccumulator {
  id: number;
  type: IcebergPrimitive;
  size: number;
  values: number;
  nulls: number | undefined;
  lower?: BoundValue;
  upper?: BoundValue;
  /** Some chunk holding values had no exact statistics: the file gets no bounds for the column. */
  unbounded: boolean;
}

const count = (value: unknown): number => (value === null || value === undefined ? NaN : Number(value));

/**
 * Folds the column chunks of each file into Iceberg data-file metrics (spec: Manifests,
 * `data_file`), keyed by the field ids in `fields`: column_sizes = compressed bytes, value_counts =
 * values including nulls, null_value_counts, and lower/upper bounds over the row groups. A bound
 * is published only when every row group that holds a value has exact statistics for it; row
 * groups of nulls only have none and do not count. Columns without a field are skipped.
 */
export function summariseFooters(rows: readonly ColumnChunkRow[], fields: ColumnFields): Map<string, FileFooter> {
  const files = new Map<string, { rowGroups: Map<string, number>; columns: Map<string, ColumnAccumulator> }>();
  for (const row of rows) {
    const fileName = String(row.file_name);
    let file = files.get(fileName);
    if (!file) files.set(fileName, (file = { rowGroups: new Map(), columns: new Map() }));
    file.rowGroups.set(String(row.row_group_id), count(row.row_group_num_rows));
    const name = String(row.path_in_schema);
    const field = fields.get(name);
    if (!field) continue;
    let column = file.columns.get(name);
    if (!column) file.columns.set(name, (column = { id: field.id, type: field.type, size: 0, values: 0, nulls: 0, unbounded: false }));
    addChunk(column, row);
  }
  const footers = new Map<string, FileFooter>();
  for (const [fileName, file] of files) {
    const metrics: DataFileMetrics = { column_sizes: {}, value_counts: {}, null_value_counts: {}, lower_bounds: {}, upper_bounds: {} };
    for (const column of file.columns.values()) {
      const id = String(column.id);
      metrics.column_sizes[id] = column.size;
      metrics.value_counts[id] = column.values;
      if (column.nulls !== undefined) metrics.null_value_counts[id] = column.nulls;
      if (column.unbounded || column.lower === undefined || column.upper === undefined) continue;
      const bounds = publishableBounds(column.type, column.lower, column.upper);
      if (!bounds) continue;
      metrics.lower_bounds[id] = serializeBound(column.type, bounds.lower).toString('base64');
      metrics.upper_bounds[id] = serializeBound(column.type, bounds.upper).toString('base64');
    }
    footers.set(fileName, { rows: [...file.rowGroups.values()].reduce((a, b) => a + b, 0), metrics });
  }
  return footers;
}

function addChunk(column: ColumnAccumulator, row: ColumnChunkRow): void {
  const values = count(row.num_values);
  const nulls = count(row.stats_null_count);
  column.size += count(row.total_compressed_size);
  column.values += values;
  column.nulls = column.nulls === undefined || Number.isNaN(nulls) ? undefined : column.nulls + nulls;
  // Only nulls here: no statistics to read, and none needed.
  if (!Number.isNaN(nulls) && nulls >= values) return;
  const exact = row.min_is_exact !== false && row.max_is_exact !== false && (column.type !== 'string' || (row.min_is_exact === true && row.max_is_exact === true));
  const lower = typeof row.stats_min_value === 'string' && exact ? parseStatValue(column.type, row.stats_min_value) : undefined;
  const upper = typeof row.stats_max_value === 'string' && exact ? parseStatValue(column.type, row.stats_max_value) : undefined;
  if (lower === undefined || upper === undefined) {
    column.unbounded = true;
    return;
  }
  if (column.lower === undefined || compareBounds(lower, column.lower) < 0) column.lower = lower;
  if (column.upper === undefined || compareBounds(upper, column.upper) > 0) column.upper = upper;
}

import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { IcebergPrimitive } from '@spotify-pipeline/shared/iceberg';

/** The Iceberg field behind a Parquet column: its id (written into the file) and its type (for the bounds). */
export interface ColumnField {
  id: number;
  type: IcebergPrimitive;
}

/** Column name → Iceberg field, from the table's current schema. */
export type ColumnFields = ReadonlyMap<string, ColumnField>;

export interface ParquetOptions {
  rowGroupRows: number;
  /** Parquet codec (a table spec's `parquet.codec`); zstd when unset, as every built-in table. */
  codec?: 'zstd' | 'snappy' | 'gzip' | 'uncompressed';
  /**
   * Field ids of every column written. Iceberg readers (Trino, Athena) resolve columns by id, not
   * by name: a data file without them is read as all nulls, or refused.
   */
  fields?: ColumnFields;
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The options of every COPY that writes a lake file: ZSTD (or a table spec's codec), dictionary on (DuckDB's default), µs
 * timestamps (DuckDB's TIMESTAMP), the configured row group size, and the Iceberg field ids.
 * `extra` carries statement-specific options (partitioning, ordering).
 */
export function parquetCopyOptions(options: ParquetOptions, extra: string[] = []): string {
  const parts = ['FORMAT parquet', `COMPRESSION ${options.codec ?? 'zstd'}`, `ROW_GROUP_SIZE ${options.rowGroupRows}`, ...extra];
  if (options.fields && options.fields.size > 0) {
    parts.push(`FIELD_IDS {${[...options.fields].map(([name, field]) => `${quoteIdent(name)}: ${field.id}`).join(', ')}}`);
  }
  return `(${parts.join(', ')})`;
}

/** Fields of exactly these columns, in this order; a column the table does not have is a bug, never a file without its id. */
export function fieldsOf(all: ColumnFields, columns: readonly string[]): ColumnFields {
  const picked = new Map<string, ColumnField>();
  for (const name of columns) {
    const field = all.get(name);
    if (!field) throw new PipelineError('INTERNAL', `column ${name} has no Iceberg field id in the table schema`);
    picked.set(name, field);
  }
  return picked;
}

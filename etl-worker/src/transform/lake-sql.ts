/**
 * The SQL pieces every lake write shares: identifier and string quoting, the tracks lookup
 * relation's name, the type of a new column, and the COPY statements with the lake's Parquet
 * options. The SELECTs themselves come from table specs (spec-table-sql.ts).
 */
import { toDuckDbType, type LakeType } from '@spotify-pipeline/shared/schemas';
import type { ExtraColumnType } from '../validate/event-validator.js';
import { parquetCopyOptions, type ParquetOptions } from '../parquet/copy-options.js';

export const TRACK_DURATIONS_TABLE = 'track_durations';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const sqlString = (text: string): string => `'${text.replaceAll("'", "''")}'`;

export interface ExtraColumn {
  name: string;
  type: ExtraColumnType;
}

export const extraColumnDuckDbType = (type: ExtraColumnType): string => toDuckDbType(type as LakeType);

/**
 * The helper column PARTITION_BY splits a COPY on: the event hour, in the path only, never in the
 * file (Iceberg partitions are hidden, derived from `ts`). Its leading underscores keep it apart
 * from every column a field can become (lower-case letter first, see EventValidator).
 */
export const HOUR_KEY_COLUMN = '__event_hour';

/** `COPY ... TO` one file with the lake's Parquet settings (copy-options.ts). */
export function copyToParquet(select: string, parquetPath: string, options: ParquetOptions): string {
  return `COPY (${select}) TO ${sqlString(parquetPath)} ${parquetCopyOptions(options)}`;
}

/**
 * One COPY that writes every event hour of the input to `<dir>/__event_hour=YYYY-MM-DD-HH/part_0.parquet`:
 * a single scan of the NDJSON whatever the number of hours it spans. PRESERVE_ORDER false spends
 * ~20% less CPU on the partitioned write; with one DuckDB thread the files are byte-identical to
 * the ordered ones (rows stay in input order), with more threads row order was never stable anyway.
 * DuckDB writes the field ids into every partition's file (checked with parquet_schema).
 */
export function copyToHourPartitions(select: string, dir: string, options: ParquetOptions): string {
  return `COPY (${select}) TO ${sqlString(dir)} ${parquetCopyOptions(options, ['PRESERVE_ORDER false', `PARTITION_BY (${HOUR_KEY_COLUMN})`, "FILENAME_PATTERN 'part_{i}'"])}`;
}

export { quoteIdent, sqlString };

import { PipelineError } from '@spotify-pipeline/shared/errors';
import { lakeTypeOfIceberg, type IcebergPrimitive, type IcebergSchema } from '@spotify-pipeline/shared/iceberg';
import { toDuckDbType, type LakeType } from '@spotify-pipeline/shared/schemas';
import { parquetCopyOptions, type ColumnField, type ParquetOptions } from '../parquet/copy-options.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import type { FileFooter } from '../parquet/file-metrics.js';
import { quoteIdent, sqlString } from '../transform/lake-sql.js';
import type { CompactionPlan } from './compaction-plan.js';

export interface MergedFile extends FileFooter {
  path: string;
}

export interface MergeResult {
  files: MergedFile[];
  /** Columns beyond the built-in ones the merged files hold (the manifests' informational new_columns). */
  extraColumns: Array<{ name: string; type: LakeType }>;
}

/** What a merge needs to know of the table besides its schema: both come from its spec. */
export interface MergeTable {
  /** The table's declared columns: any other column of the inputs is a new one. */
  declared: ReadonlySet<string>;
  /** The spec's `parquet.codec`, so merged files are compressed as the ETL writes the table's new files. */
  codec: ParquetOptions['codec'];
}

/**
 * Merges the downloaded inputs of a plan (`inputPaths`, in the plan's key order) into its
 * outputs, each a contiguous range of their rows, written with the table's field ids and read
 * back from the footers. Refuses rather than writes a wrong file: every column must be a column
 * of the table with the table's type (union_by_name would otherwise widen a type silently), the
 * inputs must hold exactly the rows the table says, and each output exactly its range.
 */
export async function mergeFiles(
  encoder: DuckDbEncoder,
  plan: CompactionPlan,
  inputPaths: string[],
  schema: IcebergSchema,
  outputPath: () => string,
  { declared, codec }: MergeTable,
): Promise<MergeResult> {
  const source = `read_parquet([${inputPaths.map(sqlString).join(', ')}], union_by_name = true)`;
  const described = await encoder.query(`DESCRIBE SELECT * FROM ${source}`);
  const tableFields = new Map(schema.fields.map((f) => [f.name, f]));
  const fields = new Map<string, ColumnField>();
  const extraColumns: MergeResult['extraColumns'] = [];
  for (const column of described) {
    const name = String(column.column_name);
    const field = tableFields.get(name);
    const lakeType = field ? lakeTypeOfIceberg(field.type) : undefined;
    if (!field || !lakeType || toDuckDbType(lakeType) !== column.column_type) {
      throw new PipelineError('INTERNAL', `compaction of ${plan.table} ${plan.partition.dt} ${plan.partition.hour}: column ${name} (${String(column.column_type)}) is not a column of the table of that type`);
    }
    fields.set(name, { id: field.id, type: field.type as IcebergPrimitive });
    if (!declared.has(name)) extraColumns.push({ name, type: lakeType });
  }

  const expected = plan.inputs.reduce((sum, f) => sum + f.rowCount, 0);
  const [counted] = await encoder.query(`SELECT count(*)::BIGINT AS n FROM ${source}`);
  if (Number(counted?.n) !== expected) throw new PipelineError('INTERNAL', `compaction inputs hold ${String(counted?.n)} rows, the table lists ${expected}`);

  // Input order is key order and preserve_insertion_order is on: the same inputs give the same bytes.
  const columns = [...fields.keys()].map(quoteIdent).join(', ');
  const numbered = `SELECT ${columns}, row_number() OVER () AS __row FROM ${source}`;
  const paths: string[] = [];
  for (const range of plan.outputs) {
    const path = outputPath();
    paths.push(path);
    const rows = await encoder.run(
      `COPY (SELECT ${columns} FROM (${numbered}) WHERE __row BETWEEN ${range.firstRow} AND ${range.lastRow} ORDER BY __row) ` +
        `TO ${sqlString(path)} ${parquetCopyOptions({ rowGroupRows: encoder.rowGroupRows, fields, codec })}`,
    );
    if (rows !== range.lastRow - range.firstRow + 1) throw new PipelineError('INTERNAL', `compaction wrote ${rows} rows, planned ${range.lastRow - range.firstRow + 1}`);
  }
  const footers = await encoder.describeFiles(paths, fields);
  const files = paths.map((path, i) => {
    const footer = footers.get(path);
    const planned = plan.outputs[i]!.lastRow - plan.outputs[i]!.firstRow + 1;
    if (!footer || footer.rows !== planned) throw new PipelineError('INTERNAL', `compacted file ${path} holds ${footer?.rows ?? 'no'} rows, planned ${planned}`);
    return { path, ...footer };
  });
  return { files, extraColumns };
}

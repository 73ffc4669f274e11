import type { Column, StorageDescriptor, Table, TableInput } from '@aws-sdk/client-glue';
import { toGlueType, type LakeColumn } from '@spotify-pipeline/shared/schemas';
import type { TableSpec } from '../catalog/catalog.js';

const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const PARQUET_INPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat';
const PARQUET_OUTPUT = 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat';

export const glueColumn = (c: LakeColumn): Column => ({ Name: c.name, Type: toGlueType(c.type), ...(c.comment ? { Comment: c.comment.slice(0, 255) } : {}) });

/** The storage descriptor of a table or partition: Parquet files under `location`. */
export function parquetStorage(location: string, columns: Column[]): StorageDescriptor {
  return {
    Columns: columns,
    Location: location,
    InputFormat: PARQUET_INPUT,
    OutputFormat: PARQUET_OUTPUT,
    Compressed: false,
    SerdeInfo: { SerializationLibrary: PARQUET_SERDE, Parameters: { 'serialization.format': '1' } },
  };
}

/** The TableInput of a lake table, generated from the contract's columns. */
export function tableInput(spec: TableSpec, extraParameters: Record<string, string> = {}): TableInput {
  return {
    Name: spec.name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'parquet', 'pipeline.managed_by': 'catalog-sync', ...extraParameters },
    StorageDescriptor: parquetStorage(spec.location, spec.columns.map(glueColumn)),
    PartitionKeys: spec.partitionKeys.map(glueColumn),
  };
}

/**
 * A TableInput that keeps everything of an existing table (UpdateTable replaces the whole
 * definition) and drops the read-only fields GetTable returns.
 */
export function tableInputFrom(table: Table): TableInput {
  return {
    Name: table.Name,
    Description: table.Description,
    Owner: table.Owner,
    Retention: table.Retention,
    TableType: table.TableType,
    Parameters: table.Parameters,
    StorageDescriptor: table.StorageDescriptor,
    PartitionKeys: table.PartitionKeys,
  };
}

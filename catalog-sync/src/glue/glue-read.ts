import type { Column, Table } from '@aws-sdk/client-glue';
import type { LakeColumn, LakeType } from '@spotify-pipeline/shared/schemas';
import type { CatalogTable } from '../catalog/catalog.js';

const FROM_GLUE: Record<string, LakeType> = {
  string: 'string',
  bigint: 'bigint',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp: 'timestamp_ms',
  date: 'date',
};

const lakeColumnOf = (c: Column): LakeColumn => ({ name: c.Name ?? '', type: FROM_GLUE[c.Type ?? ''] ?? 'string', nullable: true, ...(c.Comment ? { comment: c.Comment } : {}) });

/** A Glue table as catalog status shows it. */
export function catalogTableOf(t: Table): CatalogTable {
  return {
    name: t.Name ?? '',
    columns: (t.StorageDescriptor?.Columns ?? []).map(lakeColumnOf),
    partitionKeys: (t.PartitionKeys ?? []).map(lakeColumnOf),
    location: t.StorageDescriptor?.Location ?? '',
    updatedAtMs: (t.UpdateTime ?? t.CreateTime)?.getTime(),
  };
}

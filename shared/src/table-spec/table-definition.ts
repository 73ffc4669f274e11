import type { LakeTableDefinition } from '../schemas/lake-columns.js';
import type { ResolvedTableSpec } from './resolve-spec.js';

/**
 * The lake table a spec declares, in the form the catalog creates tables from (LakeCatalog.ensureTable):
 * its columns and its whole partition spec (event time, identity and bucket fields).
 */
export function tableDefinitionOf(spec: ResolvedTableSpec): LakeTableDefinition {
  const time = spec.partitioning.find((p) => p.transform === 'hour' || p.transform === 'day');
  return {
    name: spec.table,
    columns: spec.columns,
    ...(time ? { partitioning: { column: time.column, transform: time.transform as 'hour' | 'day' } } : {}),
    partitionSpec: spec.partitionSpec,
  };
}

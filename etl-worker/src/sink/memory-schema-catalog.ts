import { randomUUID } from 'node:crypto';
import { ColumnTypeConflict, icebergSchemaOf, icebergTypeOf, lakeTypeOfIceberg, partitionSpecOf, type IcebergSchema, type LoadedTable, type PartitionSpec } from '@spotify-pipeline/shared/iceberg';
import { LAKE_TABLES, type LakeTableDefinition } from '@spotify-pipeline/shared/schemas';
import type { SchemaCatalog, WrittenColumn } from './table-schemas.js';

/**
 * Table schemas kept in memory, with the catalog's rules: a fresh table's fields are 1..n in
 * column order and its partition spec the table definition's (icebergSchemaOf, partitionSpecOf,
 * as LakeCatalog.ensureTable creates them), a new column takes the
 * next id, a column of another type throws ColumnTypeConflict. The writer runs on it where there
 * is no catalog: the benchmark, offline replays and unit tests. Production uses LakeCatalog.
 */
export class MemorySchemaCatalog implements SchemaCatalog {
  private readonly tables = new Map<string, { uuid: string; location: string; schemas: IcebergSchema[]; spec: PartitionSpec; lastColumnId: number }>();

  constructor(definitions: readonly LakeTableDefinition[] = LAKE_TABLES, bucket = 'local-lake') {
    for (const d of definitions) {
      const schema = icebergSchemaOf(d.columns);
      this.tables.set(d.name, { uuid: randomUUID(), location: `s3://${bucket}/${d.name}`, schemas: [schema], spec: d.partitionSpec ?? partitionSpecOf(schema, d.partitioning), lastColumnId: schema.fields.length });
    }
  }

  async load(table: string): Promise<LoadedTable> {
    const state = this.tables.get(table);
    if (!state) throw new Error(`no table ${table}`);
    const current = state.schemas[state.schemas.length - 1]!;
    return {
      metadataLocation: undefined,
      metadata: {
        'format-version': 2,
        'table-uuid': state.uuid,
        location: state.location,
        'last-sequence-number': 0,
        'last-updated-ms': 0,
        'last-column-id': state.lastColumnId,
        'current-schema-id': current['schema-id'],
        schemas: state.schemas,
        'default-spec-id': 0,
        'partition-specs': [state.spec],
        'last-partition-id': Math.max(999, ...state.spec.fields.map((f) => f['field-id'])),
      },
    };
  }

  async ensureColumns(table: string, columns: WrittenColumn[]): Promise<LoadedTable> {
    const state = this.tables.get(table);
    if (!state) throw new Error(`no table ${table}`);
    const current = state.schemas[state.schemas.length - 1]!;
    const byName = new Map(current.fields.map((f) => [f.name, f]));
    const added: IcebergSchema['fields'] = [];
    for (const column of columns) {
      const field = byName.get(column.name) ?? added.find((f) => f.name === column.name);
      if (field) {
        if (lakeTypeOfIceberg(field.type) !== column.type) throw new ColumnTypeConflict(table, column.name, JSON.stringify(field.type), icebergTypeOf(column.type));
        continue;
      }
      added.push({ id: ++state.lastColumnId, name: column.name, required: false, type: icebergTypeOf(column.type) });
    }
    if (added.length > 0) state.schemas.push({ ...current, 'schema-id': current['schema-id'] + 1, fields: [...current.fields, ...added] });
    return this.load(table);
  }
}

import type { Logger } from 'pino';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { ColumnTypeConflict, currentSchema, icebergTypeOf, type IcebergPrimitive, type IcebergSchema, type LoadedTable } from '@spotify-pipeline/shared/iceberg';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import type { ColumnField, ColumnFields } from '../parquet/copy-options.js';

/** What the writer needs of a catalog: the table's schema, and new columns committed to it (LakeCatalog). */
export interface SchemaCatalog {
  load(table: string): Promise<LoadedTable>;
  ensureColumns(table: string, columns: Array<Pick<LakeColumn, 'name' | 'type'>>): Promise<LoadedTable>;
}

export type SchemaListener = (table: string, schema: IcebergSchema) => void;

export type WrittenColumn = Pick<LakeColumn, 'name' | 'type'>;

/** The fields of `columns` in `schema`, in column order; undefined when one is missing or of another type. */
function resolve(schema: IcebergSchema, columns: readonly WrittenColumn[]): ColumnFields | undefined {
  const byName = new Map(schema.fields.map((f) => [f.name, f]));
  const fields = new Map<string, ColumnField>();
  for (const column of columns) {
    const field = byName.get(column.name);
    if (!field || field.type !== icebergTypeOf(column.type)) return undefined;
    fields.set(column.name, { id: field.id, type: field.type as IcebergPrimitive });
  }
  return fields;
}

/**
 * The current Iceberg schema of each lake table as this process last saw it, and the one way new
 * columns get into the lake: a file's columns are looked up here by name for their field ids; a
 * column the schema lacks is first committed to the table (LakeCatalog.ensureColumns), so its id
 * and its type are decided once, by the table, for every replica and every restart. Listeners
 * (the validator's memory of column types) hear every schema this process adopts.
 */
export class TableSchemas {
  private readonly schemas = new Map<string, IcebergSchema>();
  private readonly listeners: SchemaListener[] = [];
  /** Schema changes of this process, one at a time: two parallel writes must not race each other. */
  private changes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly catalog: SchemaCatalog,
    private readonly logger?: Logger,
  ) {}

  onChange(listener: SchemaListener): void {
    this.listeners.push(listener);
    for (const [table, schema] of this.schemas) listener(table, schema);
  }

  /** (Re)loads a table's schema from the catalog. */
  async refresh(table: string): Promise<IcebergSchema> {
    return this.adopt(table, await this.catalog.load(table));
  }

  /**
   * The Iceberg fields of the columns a file is about to hold. Without a network call when the
   * schema seen last has them all; otherwise the missing ones are added to the table first. A
   * column the table holds under another type throws ColumnTypeConflict after the schema was
   * reloaded, so the caller's retry validates against the table's type (and quarantines).
   */
  async fields(table: string, columns: readonly WrittenColumn[]): Promise<ColumnFields> {
    const known = this.schemas.get(table);
    const cached = known && resolve(known, columns);
    if (cached) return cached;
    const run = this.changes.then(() => this.evolve(table, columns));
    this.changes = run.catch(() => undefined);
    return run;
  }

  private async evolve(table: string, columns: readonly WrittenColumn[]): Promise<ColumnFields> {
    try {
      const before = this.schemas.get(table)?.fields.length ?? 0;
      const schema = this.adopt(table, await this.catalog.ensureColumns(table, [...columns]));
      const fields = resolve(schema, columns);
      if (!fields) throw new PipelineError('INTERNAL', `table ${table} still lacks columns after adding them: ${columns.map((c) => c.name).join(', ')}`);
      if (schema.fields.length > before) this.logger?.info({ table, columns: schema.fields.slice(before).map((f) => f.name), schemaId: schema['schema-id'] }, 'TableSchemaEvolved');
      return fields;
    } catch (err) {
      if (err instanceof ColumnTypeConflict) {
        this.logger?.warn({ err, table }, 'ColumnTypeConflict');
        await this.refresh(table).catch((refreshErr: unknown) => this.logger?.warn({ err: refreshErr, table }, 'TableSchemaRefreshFailed'));
      }
      throw err;
    }
  }

  private adopt(table: string, loaded: LoadedTable): IcebergSchema {
    const schema = currentSchema(loaded.metadata);
    this.schemas.set(table, schema);
    for (const listener of this.listeners) listener(table, schema);
    return schema;
  }
}

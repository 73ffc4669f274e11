import { PipelineError } from '../errors/index.js';
import { retry } from '../retry/index.js';
import type { LakeColumn, LakeTableDefinition } from '../schemas/lake-columns.js';
import { RestCatalog } from './rest-catalog.js';
import { icebergSchemaOf, icebergTypeOf, lakeTypeOfIceberg, partitionSpecOf } from './schema.js';
import type { IcebergSettings } from './settings.js';
import { sigv4Signer } from './sigv4-signer.js';
import { currentSchema, type IcebergField, type LoadedTable } from './table-metadata.js';

/** Properties every lake table is created with. */
export const LAKE_TABLE_PROPERTIES: Record<string, string> = {
  'format-version': '2',
  'write.format.default': 'parquet',
  'write.parquet.compression-codec': 'zstd',
  // Old metadata JSON files are removed by the catalog as new ones are written (Iceberg Java honours these).
  'write.metadata.delete-after-commit.enabled': 'true',
  'write.metadata.previous-versions-max': '50',
};

/** The REST client for the configured catalog: Iceberg's own server or Glue. */
export function restCatalogFor(settings: IcebergSettings, s3Region: string): RestCatalog {
  const region = settings.region ?? s3Region;
  switch (settings.catalog) {
    case 'rest':
      return new RestCatalog({ uri: settings.restUri ?? 'http://127.0.0.1:8181', ...(settings.warehouse ? { warehouse: settings.warehouse } : {}), timeoutMs: settings.requestTimeoutMs });
    case 'glue':
      if (!settings.warehouse) throw new PipelineError('CONFIG_INVALID', 'ICEBERG_WAREHOUSE is required when ICEBERG_CATALOG=glue. Fix: set ICEBERG_WAREHOUSE to the AWS account id that owns the Glue Data Catalog.');
      return new RestCatalog({
        uri: settings.restUri ?? `https://glue.${region}.amazonaws.com/iceberg`,
        warehouse: settings.warehouse,
        signer: sigv4Signer({ region, service: 'glue' }),
        timeoutMs: settings.requestTimeoutMs,
      });
  }
}

/** A column the table has under another type: never coerced (Athena would fail on the files). */
export class ColumnTypeConflict extends PipelineError {
  constructor(table: string, column: string, tableType: string, wanted: string) {
    super('RECORD_SCHEMA_BREAKING', `column ${column} of ${table} is ${tableType} in the table, not ${wanted}`, { details: { table, column, tableType, wanted } });
  }
}

/**
 * The lake's tables in an Iceberg catalog: created on first use with the project's schema,
 * hidden partitioning and properties; schema evolution (new nullable columns) committed to the
 * table itself, so every replica and every restart sees one decision per column.
 */
export class LakeCatalog {
  constructor(
    readonly rest: RestCatalog,
    readonly namespace: string,
    readonly lakeBucket: string,
  ) {}

  location(table: string): string {
    return `s3://${this.lakeBucket}/${table}`;
  }

  /**
   * The table, created if missing. Several processes start at once (every replica, etl-worker and
   * catalog-sync): a create that loses the race answers 409 and the table is loaded instead; a
   * catalog that answers 5xx under concurrent creates (the local REST server's SQLite does) is asked
   * again, looking first whether the table now exists.
   */
  async ensureTable(definition: LakeTableDefinition): Promise<LoadedTable> {
    return retry(
      async () => {
        const existing = await this.rest.loadTable(this.namespace, definition.name);
        if (existing) return existing;
        await this.rest.ensureNamespace(this.namespace);
        const schema = icebergSchemaOf(definition.columns);
        return this.rest.createTable(this.namespace, {
          name: definition.name,
          location: this.location(definition.name),
          schema,
          'partition-spec': definition.partitionSpec ?? partitionSpecOf(schema, definition.partitioning),
          properties: LAKE_TABLE_PROPERTIES,
        });
      },
      { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 5_000 },
    );
  }

  async load(table: string): Promise<LoadedTable> {
    const loaded = await this.rest.loadTable(this.namespace, table);
    if (!loaded) throw new PipelineError('CATALOG_NOT_FOUND', `table ${this.namespace}.${table} does not exist in the catalog`);
    return loaded;
  }

  /**
   * Makes sure the table has these columns (appended as optional fields) and returns the table:
   * an existing column of the same type is reused, one of another type throws ColumnTypeConflict.
   * Concurrent schema changes by other replicas are merged by reloading and retrying.
   */
  async ensureColumns(table: string, columns: Array<Pick<LakeColumn, 'name' | 'type'>>): Promise<LoadedTable> {
    return retry(
      async () => {
        const loaded = await this.load(table);
        const schema = currentSchema(loaded.metadata);
        const byName = new Map(schema.fields.map((f) => [f.name, f]));
        const missing: IcebergField[] = [];
        let lastId = loaded.metadata['last-column-id'];
        for (const column of columns) {
          const field = byName.get(column.name);
          if (field) {
            if (lakeTypeOfIceberg(field.type) !== column.type) throw new ColumnTypeConflict(table, column.name, JSON.stringify(field.type), icebergTypeOf(column.type));
            continue;
          }
          missing.push({ id: ++lastId, name: column.name, required: false, type: icebergTypeOf(column.type) });
        }
        if (missing.length === 0) return loaded;
        const nextSchemaId = Math.max(...loaded.metadata.schemas.map((s) => s['schema-id'])) + 1;
        return this.rest.commit(
          this.namespace,
          table,
          [
            { type: 'assert-current-schema-id', 'current-schema-id': schema['schema-id'] },
            { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': loaded.metadata['last-column-id'] },
          ],
          [
            { action: 'add-schema', schema: { ...schema, 'schema-id': nextSchemaId, fields: [...schema.fields, ...missing] }, 'last-column-id': lastId },
            { action: 'set-current-schema', 'schema-id': -1 },
          ],
        );
      },
      { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000 },
    );
  }
}

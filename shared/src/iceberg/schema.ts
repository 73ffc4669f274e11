import { deserializeBound } from './bounds.js';
import type { LakeColumn, LakeType } from '../schemas/lake-columns.js';
import type { IcebergField, IcebergPrimitive, IcebergSchema, PartitionField, PartitionSpec } from './table-metadata.js';

const ICEBERG_TYPES: Record<LakeType, IcebergPrimitive> = {
  string: 'string',
  bigint: 'long',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  // Microseconds without a zone: what DuckDB's TIMESTAMP writes, and the values are UTC by contract.
  timestamp_ms: 'timestamp',
  date: 'date',
};

const LAKE_TYPES: Partial<Record<string, LakeType>> = Object.fromEntries(Object.entries(ICEBERG_TYPES).map(([lake, iceberg]) => [iceberg, lake as LakeType]));

export const icebergTypeOf = (type: LakeType): IcebergPrimitive => ICEBERG_TYPES[type];

/** The lake type of an Iceberg column, or undefined for a type the lake does not write (nested, decimal, ...). */
export const lakeTypeOfIceberg = (type: IcebergField['type']): LakeType | undefined => (typeof type === 'string' ? LAKE_TYPES[type] : undefined);

/**
 * The Iceberg schema of a table declared as lake columns: field ids 1..n in column order. Every
 * field is optional: the lake's Parquet columns are all nullable (DuckDB writes them so), and an
 * Iceberg `required` field would make engines reject files whose column may hold nulls.
 */
export function icebergSchemaOf(columns: LakeColumn[], schemaId = 0): IcebergSchema {
  return {
    type: 'struct',
    'schema-id': schemaId,
    fields: columns.map((c, i) => ({ id: i + 1, name: c.name, required: false, type: icebergTypeOf(c.type), ...(c.comment ? { doc: c.comment } : {}) })),
  };
}

/** Lake columns of an Iceberg schema, in field order (types the lake does not write are skipped). */
export function lakeColumnsOf(schema: IcebergSchema): Array<LakeColumn & { fieldId: number }> {
  const columns: Array<LakeColumn & { fieldId: number }> = [];
  for (const field of schema.fields) {
    const type = lakeTypeOfIceberg(field.type);
    if (type) columns.push({ name: field.name, type, nullable: !field.required, fieldId: field.id });
  }
  return columns;
}

/** An event-time partitioning of a table: Iceberg's hidden partitioning, `hour(ts)` or `day(ts)`. */
export interface TimePartitioning {
  column: string;
  transform: 'hour' | 'day';
}

export const FIRST_PARTITION_FIELD_ID = 1000;

export function partitionSpecOf(schema: IcebergSchema, partitioning: TimePartitioning | undefined): PartitionSpec {
  if (!partitioning) return { 'spec-id': 0, fields: [] };
  const source = schema.fields.find((f) => f.name === partitioning.column);
  if (!source) throw new Error(`partition column ${partitioning.column} is not in the schema`);
  const field: PartitionField = { name: `${partitioning.column}_${partitioning.transform}`, transform: partitioning.transform, 'source-id': source.id, 'field-id': FIRST_PARTITION_FIELD_ID };
  return { 'spec-id': 0, fields: [field] };
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The transform's value for an epoch-ms time: hours or days since 1970-01-01T00:00Z (spec: Partition Transforms). */
export function timeTransform(transform: 'hour' | 'day', epochMs: number): number {
  return Math.floor(epochMs / (transform === 'hour' ? HOUR_MS : DAY_MS));
}

/** Epoch ms of the start of an hour/day transform value. */
export function transformStartMs(transform: 'hour' | 'day', value: number): number {
  return value * (transform === 'hour' ? HOUR_MS : DAY_MS);
}

/**
 * The start (epoch ms) of the event hour a data file's rows fall in, from its time partition value:
 * an `hour` value names it; a `day` value names only the day, and the file's lower bound on the
 * event-time column (µs) names the hour, since this pipeline never mixes event hours in one file.
 * Undefined for a day file without a bound in that day (not a file this pipeline wrote).
 */
export function fileEventHourStartMs(field: Pick<PartitionField, 'transform' | 'source-id'>, value: number, lowerBounds: Record<number, Buffer> | undefined): number | undefined {
  if (field.transform === 'hour') return transformStartMs('hour', value);
  if (field.transform !== 'day') return undefined;
  const bound = lowerBounds?.[field['source-id']];
  if (!bound) return undefined;
  const lowerMs = Number((deserializeBound('timestamp', bound) as bigint) / 1000n);
  const dayStart = transformStartMs('day', value);
  return lowerMs >= dayStart && lowerMs < dayStart + DAY_MS ? Math.floor(lowerMs / HOUR_MS) * HOUR_MS : undefined;
}

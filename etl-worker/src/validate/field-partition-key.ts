import { PipelineError } from '@spotify-pipeline/shared/errors';
import { bucketOf, exactLong, icebergHash, icebergTypeOf, icebergValueOf, recordPartitioner, type IcebergValue, type PartitionValue, type PartitionValues } from '@spotify-pipeline/shared/iceberg';
import type { RecordColumn, ResolvedTableSpec, SpecPartitionField } from '@spotify-pipeline/shared/table-spec';
import { exactInteger } from './nested-json-text.js';
import { isoInstant } from './record-formats.js';

/**
 * The partition key of a record of a table partitioned by fields (identity, bucket[N]): the
 * Iceberg partition values of those fields, in spec order, as one canonical JSON array text
 * (`["mobile",1]`). Equal texts are equal partitions, so the preparer groups rows by the text
 * alone; the values are what Java's Iceberg computes for the lake value DuckDB writes:
 * - a timestamp is its µs (the event time as spec-event-time.ts converts it, a date-time field as
 *   DuckDB's TIMESTAMPTZ reads it), a date its days, a string the normalised text;
 * - a BIGINT beyond 2^53 is read from the digits of the line, as DuckDB reads it, not from the
 *   rounded double JSON.parse gives;
 * - null or absent gives null (Iceberg: every transform of null is null).
 * A long beyond 2^53 (an identity partition of such a value) is written as a JSON string of its
 * digits, as JSON numbers beyond 2^53 do not survive JSON.parse: decodePartitionKey restores it.
 */

interface Source {
  field: SpecPartitionField;
  column: RecordColumn;
  /** The column is the event time: its value is the converted instant, not the record's number. */
  eventTime: boolean;
}

export const fieldPartitionsOf = (spec: ResolvedTableSpec): SpecPartitionField[] => spec.partitioning.filter((p) => p.transform === 'identity' || p.transform === 'bucket');

function sourcesOf(spec: ResolvedTableSpec): Source[] {
  const fields = fieldPartitionsOf(spec);
  // Throws for a transform Iceberg does not define on the column's type: at start, not per record.
  recordPartitioner(fields, spec.columns);
  return fields.map((field) => {
    const column = spec.recordColumns.find((c) => c.name === field.column);
    if (!column) throw new PipelineError('INTERNAL', `partition field ${field.name} of table ${spec.table}: ${field.column} is not a column read from the record`);
    return { field, column, eventTime: spec.eventTime?.column === column.name };
  });
}

function valueAt(record: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

const invalid = (column: RecordColumn, value: unknown): PipelineError =>
  new PipelineError('RECORD_INVALID', `field ${column.path.join('.')} is ${JSON.stringify(value)?.slice(0, 64)}, not a ${column.type} value to partition on`);

const bigintAsDigits = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

export class FieldPartitionKey {
  private readonly sources: Source[];

  constructor(spec: ResolvedTableSpec) {
    this.sources = sourcesOf(spec);
  }

  get empty(): boolean {
    return this.sources.length === 0;
  }

  /**
   * The key of a validated, normalised record (`line` is its text, for exact integers; `eventMicros`
   * its converted event time). Throws a RECORD_INVALID PipelineError for a value its column cannot
   * hold (the caller quarantines the line).
   */
  keyOf(record: Record<string, unknown>, line: string, eventMicros: number | bigint | undefined): string {
    const values = this.sources.map(({ field, column, eventTime }): PartitionValue => {
      const source = eventTime ? (eventMicros === undefined ? null : exactLong(BigInt(eventMicros))) : this.icebergValue(column, valueAt(record, column.path), line);
      if (source === null || field.transform === 'identity') return source;
      return bucketOf(icebergHash(icebergTypeOf(column.type), source as number | bigint | string), field.buckets!);
    });
    return values.some((v) => typeof v === 'bigint') ? JSON.stringify(values, bigintAsDigits) : JSON.stringify(values);
  }

  private icebergValue(column: RecordColumn, value: unknown, line: string): IcebergValue | null {
    if (value === null || value === undefined) return null;
    if (column.type === 'timestamp_ms') {
      const instant = typeof value === 'string' ? isoInstant(value) : undefined;
      if (!instant) throw invalid(column, value);
      return exactLong(BigInt(instant.micros));
    }
    if (column.type === 'bigint' && typeof value === 'number' && Number.isInteger(value)) return icebergValueOf(column.name, 'bigint', exactInteger(line, column.path, value));
    return icebergValueOf(column.name, column.type, value);
  }
}

/** The partition values (by partition field name) of a key FieldPartitionKey made for `spec`. */
export function decodePartitionKey(spec: ResolvedTableSpec, key: string): PartitionValues {
  const sources = sourcesOf(spec);
  const values = JSON.parse(key) as Array<string | number | boolean | null>;
  if (!Array.isArray(values) || values.length !== sources.length) throw new PipelineError('INTERNAL', `partition key ${key.slice(0, 200)} is not one of table ${spec.table} (${sources.length} field partitions)`);
  const decoded: PartitionValues = {};
  sources.forEach(({ field, column }, i) => {
    const value = values[i]!;
    const long = field.transform === 'identity' && (column.type === 'bigint' || column.type === 'timestamp_ms');
    decoded[field.name] = long && typeof value === 'string' ? exactLong(BigInt(value)) : value;
  });
  return decoded;
}

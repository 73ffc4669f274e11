import { PipelineError } from '../errors/index.js';
import type { LakeColumn, LakeType } from '../schemas/lake-columns.js';
import type { PartitionValue, PartitionValues } from './manifests.js';
import { murmur3x86_32 } from './murmur3.js';
import { icebergTypeOf, timeTransform } from './schema.js';
import type { IcebergPrimitive } from './table-metadata.js';

/**
 * Iceberg's partition transforms (spec: "Partition Transforms", "Appendix B: 32-bit Hash
 * Requirements") for the transforms the lake writes: identity, bucket[N], day and hour. A row's
 * partition tuple must be exactly what Java's Iceberg computes for it, or engines prune the
 * file away from queries that should read it.
 */

/** A transform as a partition spec names it (`identity`, `bucket[16]`, `day`, `hour`), parsed. */
export type ParsedTransform = { kind: 'identity' } | { kind: 'hour' } | { kind: 'day' } | { kind: 'bucket'; buckets: number };

const INT_MAX = 2_147_483_647;

export function parseTransform(transform: string): ParsedTransform {
  if (transform === 'identity' || transform === 'hour' || transform === 'day') return { kind: transform };
  const bucket = /^bucket\[(\d+)\]$/.exec(transform);
  const buckets = bucket ? Number(bucket[1]) : 0;
  if (buckets >= 1 && buckets <= INT_MAX) return { kind: 'bucket', buckets };
  throw new Error(`partition transform ${transform} is not supported here (identity, bucket[N], day, hour)`);
}

/** A column's value as Iceberg holds it: timestamps in µs and dates in days since 1970-01-01, longs beyond 2^53 as bigint. */
export type IcebergValue = number | bigint | string | boolean;

/** A long as a number while that is exact, so partition tuples of ordinary values stay plain numbers. */
export const exactLong = (value: bigint): number | bigint => (Number.isSafeInteger(Number(value)) ? Number(value) : value);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * UTF-8 bytes as Java's `String.getBytes(UTF_8)` makes them: an unpaired surrogate becomes `?`
 * (Node would write U+FFFD), so such a string hashes and URL-encodes as it does in Iceberg.
 */
export const javaUtf8 = (s: string): Buffer => Buffer.from(s.replace(LONE_SURROGATE, '?'), 'utf8');

function longBytes(value: number | bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(value)));
  return buf;
}

/**
 * The 32-bit hash of a value (spec, Appendix B). Int, date, time and timestamp values hash as the
 * 8-byte little-endian long (note 1: promoting int to long must not move any row to another
 * bucket); strings as their UTF-8 bytes. Values in Iceberg's representation (µs, days).
 */
export function icebergHash(type: IcebergPrimitive, value: number | bigint | string): number {
  switch (type) {
    case 'int':
    case 'long':
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (typeof value === 'string' || (typeof value === 'number' && !Number.isInteger(value))) throw new Error(`cannot hash ${JSON.stringify(value)} as an Iceberg ${type}`);
      return murmur3x86_32(longBytes(value));
    case 'string':
      if (typeof value !== 'string') throw new Error(`cannot hash ${String(value)} as an Iceberg string`);
      return murmur3x86_32(javaUtf8(value));
    default:
      throw new Error(`Iceberg does not bucket ${type} values`);
  }
}

/** `bucket[N]`: `(hash & Integer.MAX_VALUE) % N`, the sign bit dropped so the bucket is never negative. */
export const bucketOf = (hash: number, buckets: number): number => (hash & INT_MAX) % buckets;

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const invalid = (column: string, type: LakeType, value: unknown): PipelineError =>
  new PipelineError('RECORD_INVALID', `column ${column} is ${type}, but the record holds ${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`, { details: { column, type } });

function epochMsOf(column: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw invalid(column, 'timestamp_ms', value);
  return ms;
}

function daysOf(column: string, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    // Date.parse rolls 2024-02-30 over into March; a date that does not print back is not a date.
    if (Number.isFinite(ms) && new Date(ms).toISOString().startsWith(value)) return ms / DAY_MS;
  }
  if (value instanceof Date && Number.isFinite(value.getTime())) return Math.floor(value.getTime() / DAY_MS);
  throw invalid(column, 'date', value);
}

/**
 * A lake value (timestamp as epoch ms or Date, date as days or `YYYY-MM-DD`, bigint as a safe
 * number or a bigint) as Iceberg represents it; null for null or absent.
 */
export function icebergValueOf(column: string, type: LakeType, value: unknown): IcebergValue | null {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'timestamp_ms':
      // Math.round: 1.001 ms * 1000 is 1000.9999999999999 in doubles, and is 1001 µs.
      return exactLong(BigInt(Math.round(epochMsOf(column, value) * 1000)));
    case 'date':
      return daysOf(column, value);
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value) && value >= -INT_MAX - 1 && value <= INT_MAX) return value;
      throw invalid(column, type, value);
    case 'bigint':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      if (typeof value === 'bigint' && BigInt.asIntN(64, value) === value) return exactLong(value);
      throw invalid(column, type, value);
    case 'double':
      if (typeof value === 'number') return value;
      throw invalid(column, type, value);
    case 'boolean':
      if (typeof value === 'boolean') return value;
      throw invalid(column, type, value);
    case 'string':
      if (typeof value === 'string') return value;
      throw invalid(column, type, value);
  }
}

/** One partition field of a table spec (`SpecPartitionField` of table-spec has this shape). */
export interface RecordPartitionField {
  /** The partition field name: `ts_day`, `device`, `user_id_bucket`. */
  name: string;
  column: string;
  transform: 'hour' | 'day' | 'identity' | 'bucket';
  buckets?: number;
}

/** Lake types each transform accepts (spec: Partition Transforms, "Source types"). */
const SOURCE_TYPES: Record<RecordPartitionField['transform'], ReadonlySet<LakeType>> = {
  identity: new Set<LakeType>(['string', 'bigint', 'int', 'double', 'boolean', 'timestamp_ms', 'date']),
  bucket: new Set<LakeType>(['int', 'bigint', 'date', 'timestamp_ms', 'string']),
  day: new Set<LakeType>(['date', 'timestamp_ms']),
  hour: new Set<LakeType>(['timestamp_ms']),
};

/** Throws for a transform Iceberg does not define on the column's type, or a bucket count out of range. */
function checkField(field: RecordPartitionField, type: LakeType): void {
  if (!SOURCE_TYPES[field.transform].has(type)) throw new Error(`partition field ${field.name}: Iceberg's ${field.transform} transform does not apply to a ${type} column`);
  const { buckets } = field;
  if (field.transform === 'bucket' && !(buckets !== undefined && Number.isInteger(buckets) && buckets >= 1 && buckets <= INT_MAX)) {
    throw new Error(`partition field ${field.name}: bucket needs a whole number of buckets from 1 to ${INT_MAX}, not ${buckets}`);
  }
}

/**
 * The partition value of one field for a lake value. The transform of null is null (spec:
 * "All transforms must return null for a null input value").
 */
export function partitionValueOf(field: RecordPartitionField, type: LakeType, value: unknown): PartitionValue {
  checkField(field, type);
  if (value === null || value === undefined) return null;
  switch (field.transform) {
    case 'hour':
      return timeTransform('hour', epochMsOf(field.column, value));
    case 'day':
      return type === 'date' ? daysOf(field.column, value) : timeTransform('day', epochMsOf(field.column, value));
    case 'identity':
      return icebergValueOf(field.column, type, value);
    case 'bucket': {
      const source = icebergValueOf(field.column, type, value) as number | bigint | string;
      return bucketOf(icebergHash(icebergTypeOf(type), source), field.buckets as number);
    }
  }
}

/**
 * A function from a row (lake values by column name) to its partition tuple (values by partition
 * field name, as manifests hold them). Columns and transforms are checked when it is built, so a
 * spec that cannot work fails at start rather than on the first record.
 */
export function recordPartitioner(fields: readonly RecordPartitionField[], columns: ReadonlyArray<Pick<LakeColumn, 'name' | 'type'>>): (row: Readonly<Record<string, unknown>>) => PartitionValues {
  const typed = fields.map((field) => {
    const column = columns.find((c) => c.name === field.column);
    if (!column) throw new Error(`partition field ${field.name}: column ${field.column} is not in the table`);
    checkField(field, column.type);
    return { field, type: column.type };
  });
  return (row) => {
    const tuple: PartitionValues = {};
    for (const { field, type } of typed) tuple[field.name] = partitionValueOf(field, type, row[field.column]);
    return tuple;
  };
}

/** The partition tuple of one row; for many rows, build the function once with recordPartitioner. */
export const partitionTupleOf = (fields: readonly RecordPartitionField[], columns: ReadonlyArray<Pick<LakeColumn, 'name' | 'type'>>, row: Readonly<Record<string, unknown>>): PartitionValues =>
  recordPartitioner(fields, columns)(row);

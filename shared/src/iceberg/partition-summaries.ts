import { serializeBound } from './bounds.js';
import { partitionValueType } from './manifest-schemas.js';
import type { ManifestEntry, PartitionFieldSummary, PartitionValue } from './manifests.js';
import type { IcebergSchema, PartitionSpec } from './table-metadata.js';

type Value = Exclude<PartitionValue, null>;

/**
 * Orders partition values as Iceberg's Java comparators do: strings by UTF-8 bytes (the order of
 * code points, which is what Iceberg's CharSequence comparator and Parquet use), numbers and
 * longs by value with -0.0 before 0.0 (Double.compare), false before true.
 */
export function comparePartitionValues(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a !== 'number' || typeof b !== 'number') throw new Error(`cannot order partition values ${String(a)} and ${String(b)}`);
  if (a === b) return Number(Object.is(b, -0)) - Number(Object.is(a, -0));
  return a < b ? -1 : 1;
}

/**
 * The manifest list's summary of each partition field over a manifest's entries (spec: Manifest
 * Lists, `field_summary`), computed as Java's PartitionSummary does: nulls set contains_null, NaN
 * sets contains_nan and stays out of the bounds, the bounds are the least and greatest of the
 * other values in the field's single-value serialisation. Engines skip a whole manifest on these
 * bounds, so a wrong one silently hides every file it lists.
 */
export function partitionSummaries(entries: readonly ManifestEntry[], spec: PartitionSpec, schema: IcebergSchema): PartitionFieldSummary[] {
  return spec.fields.map((field) => {
    const type = partitionValueType(field.transform, schema.fields.find((f) => f.id === field['source-id'])?.type);
    let containsNull = false;
    let containsNan = false;
    let lower: Value | undefined;
    let upper: Value | undefined;
    for (const e of entries) {
      const value = e.dataFile.partition[field.name];
      if (value === null || value === undefined) containsNull = true;
      else if (typeof value === 'number' && Number.isNaN(value)) containsNan = true;
      else {
        if (lower === undefined || comparePartitionValues(value, lower) < 0) lower = value;
        if (upper === undefined || comparePartitionValues(value, upper) > 0) upper = value;
      }
    }
    return {
      containsNull,
      // Only floating-point fields can hold NaN; for the others the flag stays unset, as before.
      containsNan: type === 'float' || type === 'double' ? containsNan : null,
      lowerBound: lower === undefined ? null : serializeBound(type, lower),
      upperBound: upper === undefined ? null : serializeBound(type, upper),
    };
  });
}

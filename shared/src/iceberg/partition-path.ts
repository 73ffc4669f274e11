import type { PartitionValue, PartitionValues } from './manifests.js';
import { javaUtf8, parseTransform } from './partition-transforms.js';
import type { IcebergField, IcebergSchema, PartitionField, PartitionSpec } from './table-metadata.js';

/**
 * The folder of a data file as Iceberg's Java writers name it (`PartitionSpec.partitionToPath`):
 * `name=value` per partition field, joined with `/`, name and value URL-encoded, the value as the
 * transform's `toHumanString` prints it. Readers never list folders, but people browsing the
 * bucket do, and files written by Spark or Trino into the same table sit next to ours.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Characters Java's URLEncoder leaves as they are (besides the space, which becomes `+`). */
const URL_SAFE = /^[A-Za-z0-9.\-*_]$/;

/** `URLEncoder.encode(s, "UTF-8")`: unlike encodeURIComponent, it encodes `!'()~` and writes a space as `+`. */
export function javaUrlEncode(s: string): string {
  let out = '';
  for (const byte of javaUtf8(s)) {
    const c = String.fromCharCode(byte);
    out += URL_SAFE.test(c) ? c : byte === 0x20 ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const two = (n: number): string => String(n).padStart(2, '0');

/** `String.format("%04d", year)`, as TransformUtil prints hour and day values. */
const formatYear = (y: number): string => (y < 0 ? `-${String(-y).padStart(3, '0')}` : String(y).padStart(4, '0'));

/** The year as `LocalDate.toString()` prints it: `+` past 9999, four digits and a sign before year 0. */
const isoYear = (y: number): string => (y > 9999 ? `+${y}` : y < 0 ? `-${String(-y).padStart(4, '0')}` : String(y).padStart(4, '0'));

function utcDate(ms: number): Date {
  const date = new Date(ms);
  if (!Number.isFinite(date.getTime())) throw new Error(`partition time ${ms} ms is out of range`);
  return date;
}

/** TransformUtil.humanHour: `yyyy-MM-dd-HH`. */
function humanHour(hours: number): string {
  const d = utcDate(hours * HOUR_MS);
  return `${formatYear(d.getUTCFullYear())}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}-${two(d.getUTCHours())}`;
}

/** TransformUtil.humanDay: `yyyy-MM-dd`. */
function humanDay(days: number): string {
  const d = utcDate(days * DAY_MS);
  return `${formatYear(d.getUTCFullYear())}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** `LocalTime.toString()`: `HH:mm`, then `:ss` unless zero, then `.SSS`, `.SSSSSS` or `.SSSSSSSSS` unless zero. */
function localTime(hours: number, minutes: number, seconds: number, nanos: number): string {
  let out = `${two(hours)}:${two(minutes)}`;
  if (seconds > 0 || nanos > 0) out += `:${two(seconds)}`;
  if (nanos > 0) {
    const fraction = String(nanos).padStart(9, '0');
    out += `.${nanos % 1_000_000 === 0 ? fraction.slice(0, 3) : nanos % 1000 === 0 ? fraction.slice(0, 6) : fraction}`;
  }
  return out;
}

const floorDiv = (a: bigint, b: bigint): bigint => (a >= 0n ? a / b : -((-a + b - 1n) / b));

/** `LocalDateTime.toString()` of µs since the epoch (TransformUtil.humanTimestampWithoutZone). */
function localDateTime(micros: bigint): string {
  const ms = floorDiv(micros, 1000n);
  const d = utcDate(Number(ms));
  const nanos = d.getUTCMilliseconds() * 1_000_000 + Number(micros - ms * 1000n) * 1000;
  const date = `${isoYear(d.getUTCFullYear())}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
  return `${date}T${localTime(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), nanos)}`;
}

/**
 * `Double.toString()`: the shortest digits that read back as the value (as JavaScript's), but
 * plain only for 10^-3 <= |d| < 10^7, always with a fraction digit, and `1.0E10` for exponents.
 */
export function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const plain = String(d);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = d.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

const asNumber = (value: PartitionValue, transform: string): number => {
  if (typeof value !== 'number') throw new Error(`a ${transform} partition value is an int, not ${String(value)}`);
  return value;
};

/** The identity transform's `toHumanString` for a value of the source type. */
function humanIdentity(value: Exclude<PartitionValue, null>, sourceType: IcebergField['type'] | undefined): string {
  switch (sourceType) {
    case 'string':
    case 'int':
    case 'long':
    case 'boolean':
      return String(value);
    case 'double':
      return javaDoubleString(asNumber(value, 'double'));
    case 'date':
      return humanDay(asNumber(value, 'date'));
    case 'timestamp':
      return localDateTime(BigInt(value));
    case 'timestamptz':
      // OffsetDateTime.toString() in UTC: the local form, then `Z`.
      return `${localDateTime(BigInt(value))}Z`;
    default:
      throw new Error(`no partition path for an identity value of type ${JSON.stringify(sourceType)}`);
  }
}

/** A partition value as the transform's `toHumanString` prints it; null as `null`. */
export function humanPartitionValue(transform: string, value: PartitionValue, sourceType?: IcebergField['type']): string {
  if (value === null) return 'null';
  const parsed = parseTransform(transform);
  switch (parsed.kind) {
    case 'hour':
      return humanHour(asNumber(value, transform));
    case 'day':
      return humanDay(asNumber(value, transform));
    case 'bucket':
      return String(asNumber(value, transform));
    case 'identity':
      return humanIdentity(value, sourceType);
  }
}

/**
 * One `name=value` folder (`ts_hour=2024-03-01-10`, `device=tv+room`, `user_id_bucket=3`). The
 * source type is needed for identity fields only (a date prints as `yyyy-MM-dd`, not days).
 */
export function partitionPath(field: Pick<PartitionField, 'name' | 'transform'>, value: PartitionValue, sourceType?: IcebergField['type']): string {
  return `${javaUrlEncode(field.name)}=${javaUrlEncode(humanPartitionValue(field.transform, value, sourceType))}`;
}

/** `PartitionSpec.partitionToPath`: the folders of a partition tuple, in spec order; `''` for an unpartitioned spec. */
export function partitionToPath(spec: PartitionSpec, schema: IcebergSchema, partition: PartitionValues): string {
  return spec.fields
    .map((f) => {
      const value = partition[f.name];
      if (value === undefined) throw new Error(`the partition tuple has no value for ${f.name} (null is written as null)`);
      return partitionPath(f, value, schema.fields.find((s) => s.id === f['source-id'])?.type);
    })
    .join('/');
}

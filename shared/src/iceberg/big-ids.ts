/**
 * Iceberg snapshot ids are 64-bit integers, written as bare JSON numbers by the catalog. Most are
 * larger than 2^53 (Java draws them at random), so `JSON.parse` would round them and every
 * `assert-ref-snapshot-id` we send would name a snapshot that does not exist. These two functions
 * carry the id fields as `bigint` through JSON, in both directions.
 */
const ID_KEYS = 'snapshot-id|parent-snapshot-id|current-snapshot-id';
const MARKER = '__iceberg_bigint__';

/** Parses catalog JSON, turning every snapshot id field into a bigint (null stays null). */
export function parseIcebergJson<T>(text: string): T {
  const quoted = text.replace(new RegExp(`"(${ID_KEYS})"(\\s*):(\\s*)(-?\\d+)`, 'g'), `"$1"$2:$3"${MARKER}$4"`);
  return JSON.parse(quoted, (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARKER) ? BigInt(value.slice(MARKER.length)) : value,
  ) as T;
}

/** Serialises a request body with every bigint written as a bare JSON number. */
export function stringifyIcebergJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${MARKER}${v.toString()}` : v));
  return text.replace(new RegExp(`"${MARKER}(-?\\d+)"`, 'g'), '$1');
}

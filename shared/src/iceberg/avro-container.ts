import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import avro from 'avsc';

/**
 * Avro longs as `bigint`: Iceberg snapshot ids use all 64 bits, and avsc's default long type
 * refuses (or rounds) anything past 2^53.
 */
const BIG_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (n: unknown) => BigInt(n as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/**
 * An avsc type for a schema object, with every long as a bigint: the registry covers `"long"`,
 * the hook covers `{"type": "long", ...}` (Iceberg writes timestamp and time values that way,
 * with a logicalType), which avsc would otherwise build as its own number-valued long.
 */
export function avroType(schema: object): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    registry: { long: BIG_LONG } as unknown as Record<string, avro.Type>,
    typeHook: (s) => (typeof s === 'object' && s !== null && !Array.isArray(s) && (s as { type?: unknown }).type === 'long' ? BIG_LONG : undefined),
  });
}

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const LONG = avro.Type.forSchema('long');
const RECORDS_PER_BLOCK = 1_000;

/**
 * Writes an Avro object container file (deflate) by hand rather than with avsc's BlockEncoder:
 * the header's `avro.schema` must be the schema *object* with Iceberg's `field-id` attributes,
 * and the records' longs must be bigints, which BlockEncoder cannot combine.
 */
export function encodeAvroFile(schema: object, records: unknown[], metadata: Record<string, string>): Buffer {
  const type = avroType(schema);
  const sync = randomBytes(16);
  const meta: Record<string, Buffer> = { 'avro.schema': Buffer.from(JSON.stringify(schema)), 'avro.codec': Buffer.from('deflate') };
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value);
  const parts: Buffer[] = [HEADER.toBuffer({ magic: MAGIC, meta, sync })];
  for (let start = 0; start < records.length; start += RECORDS_PER_BLOCK) {
    const block = records.slice(start, start + RECORDS_PER_BLOCK).map((r) => type.toBuffer(r));
    const body = deflateRawSync(Buffer.concat(block));
    parts.push(LONG.toBuffer(block.length), LONG.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

export interface AvroFile<T> {
  /** The writer's schema, as written in the header. */
  schema: object;
  metadata: Record<string, string>;
  records: T[];
}

/** Reads an Avro object container file (null or deflate codec) with the writer's schema, longs as bigints. */
export function decodeAvroFile<T>(buf: Buffer): AvroFile<T> {
  const header = HEADER.decode(buf, 0);
  if (header.offset < 0) throw new Error('truncated Avro header');
  const { magic, meta, sync } = header.value as { magic: Buffer; meta: Record<string, Buffer>; sync: Buffer };
  if (!magic.equals(MAGIC)) throw new Error('not an Avro object container file');
  const metadata = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k, v.toString('utf8')]));
  const schema = JSON.parse(metadata['avro.schema'] ?? 'null') as object;
  const codec = metadata['avro.codec'] ?? 'null';
  if (codec !== 'null' && codec !== 'deflate') throw new Error(`unsupported Avro codec ${codec}`);
  const type = avroType(schema);
  const records: T[] = [];
  let pos = header.offset;
  while (pos < buf.length) {
    const count = LONG.decode(buf, pos);
    const size = LONG.decode(buf, count.offset);
    if (count.offset < 0 || size.offset < 0) throw new Error('truncated Avro block header');
    const end = size.offset + (size.value as number);
    if (end + 16 > buf.length) throw new Error('truncated Avro block');
    const raw = buf.subarray(size.offset, end);
    const body = codec === 'deflate' ? inflateRawSync(raw) : raw;
    let at = 0;
    for (let i = 0; i < (count.value as number); i++) {
      const decoded = type.decode(body, at);
      if (decoded.offset < 0) throw new Error('truncated Avro record');
      records.push(decoded.value as T);
      at = decoded.offset;
    }
    if (!buf.subarray(end, end + 16).equals(sync)) throw new Error('Avro sync marker mismatch');
    pos = end + 16;
  }
  return { schema, metadata, records };
}

import type { IcebergPrimitive } from './table-metadata.js';

/**
 * Iceberg's single-value binary serialisation (spec appendix D), used for the lower/upper bounds
 * of a data file's columns and of a manifest's partition values. Engines prune files with them,
 * so a wrong byte order silently skips files: each case is tested against what Trino writes.
 */
export function serializeBound(type: IcebergPrimitive, value: number | bigint | string | boolean): Buffer {
  switch (type) {
    case 'boolean':
      return Buffer.from([value ? 1 : 0]);
    case 'int':
    case 'date': {
      const buf = Buffer.alloc(4);
      buf.writeInt32LE(Number(value));
      return buf;
    }
    case 'long':
    case 'timestamp':
    case 'timestamptz':
    case 'time': {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(BigInt(value));
      return buf;
    }
    case 'float': {
      const buf = Buffer.alloc(4);
      buf.writeFloatLE(Number(value));
      return buf;
    }
    case 'double': {
      const buf = Buffer.alloc(8);
      buf.writeDoubleLE(Number(value));
      return buf;
    }
    case 'string':
      return Buffer.from(String(value), 'utf8');
    default:
      throw new Error(`no bound serialisation for Iceberg type ${type}`);
  }
}

export function deserializeBound(type: IcebergPrimitive, buf: Buffer): number | bigint | string | boolean {
  switch (type) {
    case 'boolean':
      return buf[0] !== 0;
    case 'int':
    case 'date':
      return buf.readInt32LE(0);
    case 'long':
    case 'timestamp':
    case 'timestamptz':
    case 'time':
      return buf.readBigInt64LE(0);
    case 'float':
      return buf.readFloatLE(0);
    case 'double':
      return buf.readDoubleLE(0);
    case 'string':
      return buf.toString('utf8');
    default:
      throw new Error(`no bound serialisation for Iceberg type ${type}`);
  }
}

import { PipelineError } from '@spotify-pipeline/shared/errors';
import {
  bucketOf,
  icebergHash,
  icebergValueOf,
  parseTransform,
  partitionTupleOf,
  partitionValueOf,
  recordPartitioner,
  type RecordPartitionField,
} from '@spotify-pipeline/shared/iceberg';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import type { SpecPartitionField } from '@spotify-pipeline/shared/table-spec';

// The spec's example instants (Appendix B): 2017-11-16 and 2017-11-16T22:31:08 (UTC).
const DATE_DAYS = 17486;
const TS_MS = Date.UTC(2017, 10, 16, 22, 31, 8);
const TS_MICROS = 1_510_871_468_000_000;

describe('icebergHash (spec, Appendix B)', () => {
  it('hashes each type from its spec encoding to the spec test value', () => {
    expect(icebergHash('int', 34)).toBe(2017239379);
    expect(icebergHash('long', 34)).toBe(2017239379);
    expect(icebergHash('long', 34n)).toBe(2017239379);
    expect(icebergHash('date', DATE_DAYS)).toBe(-653330422);
    expect(icebergHash('time', 81_068_000_000)).toBe(-662762989);
    expect(icebergHash('timestamp', TS_MICROS)).toBe(-2047944441);
    // timestamptz 2017-11-16T14:31:08-08:00 is the same instant.
    expect(icebergHash('timestamptz', TS_MICROS)).toBe(-2047944441);
    expect(icebergHash('string', 'iceberg')).toBe(1210000089);
  });

  it('hashes an int exactly as the long of the same value (note 1), negatives included', () => {
    for (const v of [0, -1, -34, 2_147_483_647, -2_147_483_648]) expect(icebergHash('int', v)).toBe(icebergHash('long', BigInt(v)));
  });

  it('hashes strings as UTF-8, a lone surrogate as "?" as Java does', () => {
    expect(icebergHash('string', '💰')).toBe(icebergHash('string', '\u{1F4B0}'));
    expect(icebergHash('string', 'a\uD800')).toBe(icebergHash('string', 'a?'));
  });

  it('refuses types Iceberg does not bucket, and values that do not fit the type', () => {
    expect(() => icebergHash('double', 1)).toThrow(/does not bucket double/);
    expect(() => icebergHash('boolean', 1)).toThrow(/does not bucket boolean/);
    expect(() => icebergHash('long', 1.5)).toThrow(/cannot hash/);
    expect(() => icebergHash('string', 1)).toThrow(/cannot hash/);
  });
});

describe('bucketOf', () => {
  it('drops the sign bit, then takes the remainder (spec: Bucket Transform Details)', () => {
    expect(bucketOf(2017239379, 16)).toBe(3);
    expect(bucketOf(2017239379, 100)).toBe(79);
    expect(bucketOf(1210000089, 100)).toBe(89);
    // A negative hash: -653330422 & 0x7fffffff = 1494153226, not |hash| = 653330422.
    expect(bucketOf(-653330422, 100)).toBe(26);
    expect(bucketOf(-2047944441, 100)).toBe(7);
    expect(bucketOf(-188683207, 128)).toBe(57);
    expect(bucketOf(-2147483648, 7)).toBe(0);
  });
});

describe('parseTransform', () => {
  it('reads identity, hour, day and bucket[N]', () => {
    expect(parseTransform('identity')).toEqual({ kind: 'identity' });
    expect(parseTransform('day')).toEqual({ kind: 'day' });
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', buckets: 16 });
  });

  it('refuses transforms the lake does not write and bucket counts out of range', () => {
    for (const t of ['month', 'truncate[4]', 'bucket[0]', 'bucket[]', 'bucket[2147483648]', 'void']) expect(() => parseTransform(t)).toThrow(/not supported/);
  });
});

describe('partition values of lake values', () => {
  const field = (transform: RecordPartitionField['transform'], buckets?: number): RecordPartitionField => ({ name: 'p', column: 'c', transform, ...(buckets ? { buckets } : {}) });

  it('hour and day of an epoch-ms timestamp: hours and days since 1970, floored before 1970', () => {
    expect(partitionValueOf(field('hour'), 'timestamp_ms', TS_MS)).toBe(419686);
    expect(partitionValueOf(field('day'), 'timestamp_ms', TS_MS)).toBe(DATE_DAYS);
    expect(partitionValueOf(field('day'), 'timestamp_ms', new Date(TS_MS))).toBe(DATE_DAYS);
    expect(partitionValueOf(field('hour'), 'timestamp_ms', Date.UTC(1969, 11, 31, 23, 59))).toBe(-1);
    expect(partitionValueOf(field('day'), 'timestamp_ms', -1)).toBe(-1);
  });

  it('day of a date column is the date itself, given as days or as an ISO date', () => {
    expect(partitionValueOf(field('day'), 'date', DATE_DAYS)).toBe(DATE_DAYS);
    expect(partitionValueOf(field('day'), 'date', '2017-11-16')).toBe(DATE_DAYS);
  });

  it('bucket[N] hashes the value as Iceberg holds it: the spec values, and their buckets', () => {
    expect(partitionValueOf(field('bucket', 100), 'int', 34)).toBe(79);
    expect(partitionValueOf(field('bucket', 100), 'bigint', 34)).toBe(79);
    expect(partitionValueOf(field('bucket', 100), 'bigint', 34n)).toBe(79);
    expect(partitionValueOf(field('bucket', 100), 'date', '2017-11-16')).toBe(26);
    expect(partitionValueOf(field('bucket', 100), 'date', DATE_DAYS)).toBe(26);
    // The timestamp is hashed in µs, so an epoch-ms value must not be hashed as it is.
    expect(partitionValueOf(field('bucket', 100), 'timestamp_ms', TS_MS)).toBe(7);
    expect(partitionValueOf(field('bucket', 100), 'string', 'iceberg')).toBe(89);
    expect(partitionValueOf(field('bucket', 16), 'string', 'iceberg')).toBe(9);
    expect(partitionValueOf(field('bucket', 8), 'bigint', 34)).toBe(3);
  });

  it('identity keeps the value in Iceberg form: timestamps in µs, dates in days', () => {
    expect(partitionValueOf(field('identity'), 'timestamp_ms', TS_MS)).toBe(TS_MICROS);
    expect(partitionValueOf(field('identity'), 'timestamp_ms', 1.001)).toBe(1001);
    expect(partitionValueOf(field('identity'), 'date', '2017-11-16')).toBe(DATE_DAYS);
    expect(partitionValueOf(field('identity'), 'string', 'tv')).toBe('tv');
    expect(partitionValueOf(field('identity'), 'boolean', false)).toBe(false);
    expect(partitionValueOf(field('identity'), 'double', 0.5)).toBe(0.5);
    expect(partitionValueOf(field('identity'), 'int', -7)).toBe(-7);
    // Longs stay numbers while exact; beyond 2^53 they are bigints, never rounded.
    expect(partitionValueOf(field('identity'), 'bigint', 2n ** 53n - 1n)).toBe(2 ** 53 - 1);
    expect(partitionValueOf(field('identity'), 'bigint', 2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
  });

  it('the transform of null (or an absent value) is null, for every transform', () => {
    for (const [f, type] of [
      [field('hour'), 'timestamp_ms'],
      [field('day'), 'date'],
      [field('identity'), 'string'],
      [field('bucket', 8), 'bigint'],
    ] as const) {
      expect(partitionValueOf(f, type, null)).toBeNull();
      expect(partitionValueOf(f, type, undefined)).toBeNull();
    }
  });

  it('rejects a value that is not of the column type as an invalid record, and never guesses', () => {
    const cases: Array<[LakeColumn['type'], unknown]> = [
      ['date', '2017-02-30'],
      ['date', '2017-11-16T00:00:00Z'],
      ['date', 1.5],
      ['int', 2_147_483_648],
      ['int', '34'],
      ['bigint', 2 ** 53],
      ['bigint', 2n ** 63n],
      ['timestamp_ms', '2017-11-16T22:31:08Z'],
      ['timestamp_ms', Number.NaN],
      ['string', 34],
      ['boolean', 'true'],
      ['double', '0.5'],
    ];
    for (const [type, value] of cases) {
      const err = (() => {
        try {
          icebergValueOf('c', type, value);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(err).toBeInstanceOf(PipelineError);
      expect(err).toMatchObject({ code: 'RECORD_INVALID', retriable: false, details: { column: 'c', type } });
    }
  });
});

describe('recordPartitioner', () => {
  const columns: LakeColumn[] = [
    { name: 'ts', type: 'timestamp_ms', nullable: false },
    { name: 'device', type: 'string', nullable: true },
    { name: 'user_id', type: 'bigint', nullable: true },
    { name: 'score', type: 'double', nullable: true },
  ];
  // Typed as table-spec's own SpecPartitionField: the partitioner takes what a resolved spec holds.
  const fields: SpecPartitionField[] = [
    { name: 'ts_day', column: 'ts', transform: 'day' },
    { name: 'device', column: 'device', transform: 'identity', maxDistinctPerObject: 10 },
    { name: 'user_id_bucket', column: 'user_id', transform: 'bucket', buckets: 8 },
  ];

  it("computes a row's partition tuple, keyed by partition field name", () => {
    const partitionOf = recordPartitioner(fields, columns);
    expect(partitionOf({ ts: TS_MS, device: 'tv', user_id: 34, score: 1 })).toEqual({ ts_day: DATE_DAYS, device: 'tv', user_id_bucket: 3 });
    expect(partitionOf({ ts: TS_MS, device: null })).toEqual({ ts_day: DATE_DAYS, device: null, user_id_bucket: null });
    expect(partitionTupleOf(fields, columns, { ts: TS_MS, device: 'car', user_id: 1 })).toEqual({ ts_day: DATE_DAYS, device: 'car', user_id_bucket: 4 });
  });

  it('fails when built, not on the first record, for a spec that cannot work', () => {
    expect(() => recordPartitioner([{ name: 'x', column: 'nope', transform: 'identity' }], columns)).toThrow(/column nope is not in the table/);
    expect(() => recordPartitioner([{ name: 'device_hour', column: 'device', transform: 'hour' }], columns)).toThrow(/hour transform does not apply to a string column/);
    expect(() => recordPartitioner([{ name: 'score_bucket', column: 'score', transform: 'bucket', buckets: 4 }], columns)).toThrow(/bucket transform does not apply to a double column/);
    expect(() => recordPartitioner([{ name: 'user_id_bucket', column: 'user_id', transform: 'bucket' }], columns)).toThrow(/whole number of buckets/);
    expect(() => recordPartitioner([{ name: 'user_id_bucket', column: 'user_id', transform: 'bucket', buckets: 0 }], columns)).toThrow(/whole number of buckets/);
  });
});

import {
  humanPartitionValue,
  javaDoubleString,
  javaUrlEncode,
  partitionPath,
  partitionToPath,
  type IcebergSchema,
  type PartitionSpec,
} from '@spotify-pipeline/shared/iceberg';

const schema: IcebergSchema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'ts', required: false, type: 'timestamp' },
    { id: 2, name: 'device', required: false, type: 'string' },
    { id: 3, name: 'user_id', required: false, type: 'long' },
  ],
};
const spec: PartitionSpec = {
  'spec-id': 0,
  fields: [
    { name: 'ts_day', transform: 'day', 'source-id': 1, 'field-id': 1000 },
    { name: 'device', transform: 'identity', 'source-id': 2, 'field-id': 1001 },
    { name: 'user_id_bucket', transform: 'bucket[8]', 'source-id': 3, 'field-id': 1002 },
  ],
};

describe('partitionToPath (PartitionSpec.partitionToPath of Iceberg Java)', () => {
  it('joins name=value per field with /, values as toHumanString prints them', () => {
    expect(partitionToPath(spec, schema, { ts_day: 17486, device: 'tv', user_id_bucket: 3 })).toBe('ts_day=2017-11-16/device=tv/user_id_bucket=3');
  });

  it('writes null as "null", and URL-encodes values as java.net.URLEncoder does', () => {
    expect(partitionToPath(spec, schema, { ts_day: null, device: 'living room/tv+1', user_id_bucket: null })).toBe('ts_day=null/device=living+room%2Ftv%2B1/user_id_bucket=null');
  });

  it('is empty for an unpartitioned spec, and refuses a tuple that lacks a field', () => {
    expect(partitionToPath({ 'spec-id': 0, fields: [] }, schema, {})).toBe('');
    expect(() => partitionToPath(spec, schema, { ts_day: 1, device: 'tv' })).toThrow(/no value for user_id_bucket/);
  });
});

describe('partitionPath', () => {
  it('keeps the hour and day folders it always wrote', () => {
    expect(partitionPath({ name: 'ts_hour', transform: 'hour' }, 474802)).toBe('ts_hour=2024-03-01-10');
    expect(partitionPath({ name: 'ts_day', transform: 'day' }, 19783)).toBe('ts_day=2024-03-01');
    expect(partitionPath({ name: 'ts_hour', transform: 'hour' }, null)).toBe('ts_hour=null');
    expect(partitionPath({ name: 'ts_hour', transform: 'hour' }, -1)).toBe('ts_hour=1969-12-31-23');
  });

  it('encodes the field name too', () => {
    expect(partitionPath({ name: 'my field', transform: 'identity' }, 'x', 'string')).toBe('my+field=x');
  });
});

describe('javaUrlEncode', () => {
  it('leaves letters, digits and . - * _ alone, writes a space as +, and %XX-encodes the rest', () => {
    expect(javaUrlEncode('aZ09.-*_')).toBe('aZ09.-*_');
    expect(javaUrlEncode('a b')).toBe('a+b');
    // encodeURIComponent would leave ! ' ( ) ~ as they are; URLEncoder does not.
    expect(javaUrlEncode("!'()~")).toBe('%21%27%28%29%7E');
    expect(javaUrlEncode('=&/%+?#:')).toBe('%3D%26%2F%25%2B%3F%23%3A');
  });

  it('encodes UTF-8 bytes in upper-case hex; a lone surrogate becomes ?, as String.getBytes makes it', () => {
    expect(javaUrlEncode('é💰')).toBe('%C3%A9%F0%9F%92%B0');
    expect(javaUrlEncode('x\uD800')).toBe('x%3F');
  });
});

describe('humanPartitionValue of identity fields', () => {
  it('prints dates as yyyy-MM-dd and timestamps (µs) as LocalDateTime.toString()', () => {
    expect(humanPartitionValue('identity', 17486, 'date')).toBe('2017-11-16');
    expect(humanPartitionValue('identity', 1_510_871_468_000_000, 'timestamp')).toBe('2017-11-16T22:31:08');
    // Seconds are left out when they and the fraction are zero; the fraction has 3, 6 or 9 digits.
    expect(humanPartitionValue('identity', 1_510_871_460_000_000, 'timestamp')).toBe('2017-11-16T22:31');
    expect(humanPartitionValue('identity', 1_510_871_468_120_000, 'timestamp')).toBe('2017-11-16T22:31:08.120');
    expect(humanPartitionValue('identity', 1_510_871_468_123_456n, 'timestamp')).toBe('2017-11-16T22:31:08.123456');
    expect(humanPartitionValue('identity', -1, 'timestamp')).toBe('1969-12-31T23:59:59.999999');
    expect(humanPartitionValue('identity', 1_510_871_468_000_000, 'timestamptz')).toBe('2017-11-16T22:31:08Z');
  });

  it('prints strings, ints, longs and booleans as they are, doubles as Double.toString()', () => {
    expect(humanPartitionValue('identity', 'tv', 'string')).toBe('tv');
    expect(humanPartitionValue('identity', -7, 'int')).toBe('-7');
    expect(humanPartitionValue('identity', 2n ** 63n - 1n, 'long')).toBe('9223372036854775807');
    expect(humanPartitionValue('identity', true, 'boolean')).toBe('true');
    expect(humanPartitionValue('identity', 2, 'double')).toBe('2.0');
  });

  it('needs the source type of an identity value, which is not in the value', () => {
    expect(() => humanPartitionValue('identity', 17486)).toThrow(/no partition path for an identity value/);
  });
});

describe('javaDoubleString', () => {
  it.each([
    [1, '1.0'],
    [-2.5, '-2.5'],
    [0.001, '0.001'],
    [9999999, '9999999.0'],
    [1e7, '1.0E7'],
    [123456789.5, '1.234567895E8'],
    [0.00015, '1.5E-4'],
    [1e21, '1.0E21'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0, '0.0'],
    [-0, '-0.0'],
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('%p prints as %s', (value, expected) => {
    expect(javaDoubleString(value)).toBe(expected);
  });
});

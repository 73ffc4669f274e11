import { recordColumnsOf } from '@spotify-pipeline/shared/table-spec';
import { ENUM_MAX_VALUES, ENUM_MIN_SAMPLES, inferSchema, isInstant } from '../../../src/specs/infer-schema';
import { clickRecords, orderRecords } from '../../fixtures/sampled-records';

describe('inferSchema: the record contract a sample suggests', () => {
  it('types each field as seen, nests objects, adds null where a value was null and requires what every record had', () => {
    const { schema, notes } = inferSchema(clickRecords(60));
    expect(schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        event_id: { type: 'string' },
        occurred_at_ms: { type: 'integer' },
        // Nine users in 60 samples, but an identifier is unbounded: no enum.
        user_id: { type: 'string' },
        device: { type: 'string', enum: ['desktop', 'mobile', 'tablet'] },
        ip_address: { type: 'string' },
        page: {
          type: 'object',
          properties: {
            url: { type: 'string' },
            referrer: { type: ['string', 'null'] },
            // 120 and 87.5: one fractional sample makes the field a number.
            load_ms: { type: 'number' },
          },
          required: ['url', 'referrer', 'load_ms'],
        },
        coupon: { type: 'string' },
        tags: { type: 'array' },
      },
      required: ['event_id', 'occurred_at_ms', 'user_id', 'device', 'ip_address', 'page', 'tags'],
    });
    expect(notes).toEqual([expect.stringMatching(/^device had 3 distinct values in 60 samples, so the schema lists them \(enum\)/)]);
  });

  it('writes only what the table spec subset accepts: the contract implies columns without a problem', () => {
    const { columns, problems } = recordColumnsOf(inferSchema(clickRecords(60)).schema);
    expect(problems).toEqual([]);
    expect(columns.map((c) => `${c.name}:${c.type}${c.nullable ? '?' : ''}`)).toEqual([
      'event_id:string',
      'occurred_at_ms:bigint',
      'user_id:string',
      'device:string',
      'ip_address:string',
      'page_url:string',
      'page_referrer:string?',
      'page_load_ms:double',
      'coupon:string?',
      'tags:string',
    ]);
  });

  it('lists fields in order of first appearance, a field first seen late after the others', () => {
    const { schema } = inferSchema([{ b: 1, a: 1 }, { b: 2, c: 'x' }, { z: true, a: 3 }]);
    expect(Object.keys(schema.properties as object)).toEqual(['b', 'a', 'c', 'z']);
    expect(schema.required).toBeUndefined();
  });

  it('requires a nested field present in every object its parent held, and makes a sometimes-null object nullable', () => {
    const { schema } = inferSchema([{ geo: { country: 'SE', city: 'Lund' } }, { geo: null }, { geo: { country: 'NO' } }]);
    expect((schema.properties as Record<string, unknown>).geo).toEqual({
      type: ['object', 'null'],
      properties: { country: { type: 'string' }, city: { type: 'string' } },
      required: ['country'],
    });
  });

  it('gives a string field format date-time only when every value is an instant with a zone', () => {
    const zoned = inferSchema(orderRecords(10)).schema.properties as Record<string, { format?: string }>;
    expect(zoned.ts).toEqual({ type: 'string', format: 'date-time' });
    const local = inferSchema([{ ts: '2026-12-01T10:00:00Z' }, { ts: '2026-12-01T10:00:00' }]).schema.properties as Record<string, unknown>;
    expect(local.ts).toEqual({ type: 'string' });
  });

  it.each([
    ['2026-12-01T10:00:00Z', true],
    ['2026-12-01T10:00:00.123+02:00', true],
    ['2026-12-01t10:00:00z', true],
    ['2026-12-01T10:00:00', false],
    ['2026-12-01 10:00:00Z', false],
    ['2026-02-30T10:00:00Z', false],
    ['2026-12-01T24:00:00Z', false],
    ['2026-12-01', false],
  ])('isInstant(%s) is %s', (value, expected) => {
    expect(isInstant(value)).toBe(expected);
  });

  it(`lists a string field's values (enum) only with at most ${ENUM_MAX_VALUES} of them over at least ${ENUM_MIN_SAMPLES} samples, null included when seen`, () => {
    const few = Array.from({ length: ENUM_MIN_SAMPLES - 1 }, (_, i) => ({ plan: i % 2 ? 'free' : 'paid' }));
    expect((inferSchema(few).schema.properties as Record<string, unknown>).plan).toEqual({ type: 'string' });
    const enough = [...few, { plan: null }, { plan: 'trial' }];
    expect((inferSchema(enough).schema.properties as Record<string, unknown>).plan).toEqual({ type: ['string', 'null'], enum: ['free', 'paid', 'trial', null] });
    const many = Array.from({ length: 100 }, (_, i) => ({ plan: `plan-${i % (ENUM_MAX_VALUES + 1)}` }));
    expect((inferSchema(many).schema.properties as Record<string, unknown>).plan).toEqual({ type: 'string' });
  });

  it('notes a field of two types, a field that was always null, and keys that cannot be column names, keeping them all', () => {
    const { schema, notes } = inferSchema([
      { amount: 1, coupon: null, 'page-views': 3, meta: { 'top speed': true } },
      { amount: 'one', coupon: null, 'page-views': 4, meta: { 'top speed': false } },
    ]);
    expect(schema.properties).toEqual({
      amount: { type: ['integer', 'string'] },
      coupon: { type: ['string', 'null'] },
      'page-views': { type: 'integer' },
      meta: { type: 'object', properties: { 'top speed': { type: 'boolean' } }, required: ['top speed'] },
    });
    expect(notes).toEqual([
      expect.stringMatching(/^amount holds integer and string values in the sample: a column has one type/),
      expect.stringMatching(/^coupon was null in every sampled record, so its type is unknown: it is typed string/),
      expect.stringMatching(/^page-views would be the column "page-views", which is not a valid column name.*drop_fields/),
      expect.stringMatching(/^meta\.top speed would be the column "meta_top speed", which is not a valid column name/),
    ]);
  });

  it('keeps a key named __proto__ as a field, not as the prototype of the properties', () => {
    const { schema } = inferSchema([JSON.parse('{"__proto__": {"x": 1}, "a": 1}') as Record<string, unknown>]);
    expect(Object.keys(schema.properties as object)).toEqual(['__proto__', 'a']);
  });
});

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bucketOf, icebergHash } from '@spotify-pipeline/shared/iceberg';
import { BUILT_IN_SPECS_DIR, loadTableSpec, resolveTableSpec, tableSpecDocument, type JsonSchemaNode, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { specTableSelect } from '../../../src/transform/spec-table-sql';
import { EventValidator, type LineSummary } from '../../../src/validate/event-validator';
import { decodePartitionKey } from '../../../src/validate/field-partition-key';
import { SpecRecordValidator } from '../../../src/validate/spec-record-validator';
import { listeningEvent } from '../../fixtures/listening-events';

/** The shared package's example spec: epoch-ms integer time, dedup key, a dropped field, strict, identity and bucket partitions. */
const WEB_CLICKS_SPEC = resolve(__dirname, '..', '..', '..', '..', 'shared', 'test', 'unit', 'table-spec', 'fixtures', 'web_clicks.table.yaml');

/** Iceberg spec, Appendix B: 32-bit hashes the bucket transform must reproduce. */
const ICEBERG_VECTORS = { string: { value: 'iceberg', hash: 1210000089 }, long: { value: 34, hash: 2017239379 }, timestamptz: { value: '2017-11-16T14:31:08-08:00', hash: -2047944441 } };

function specOf(table: string, schema: JsonSchemaNode, doc: Record<string, unknown>): ResolvedTableSpec {
  const resolved = resolveTableSpec(`${table}.table.yaml`, tableSpecDocument.parse({ spec_version: 1, table, topics: [table], schema: `${table}.schema.json`, ...doc }), schema);
  if (!resolved.spec) throw new Error(`test spec ${table}: ${JSON.stringify(resolved.problems)}`);
  return resolved.spec;
}

/** An ISO-time spec with what web_clicks does not have: offsets, formats, nested normalisers, no dedup key, additive evolution, a timestamp and a bigint bucket. */
const PAGE_VIEWS = specOf(
  'page_views',
  {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      view_id: { type: 'string', format: 'uuid' },
      viewed_at: { type: 'string', format: 'date-time' },
      url: { type: 'string', format: 'uri' },
      visitor: {
        type: 'object',
        properties: {
          id: { type: 'integer' },
          country: { type: 'string', pattern: '^[A-Z]{2}$' },
          email: { type: ['string', 'null'], format: 'email' },
          signed_up: { type: 'string', format: 'date' },
        },
        required: ['id', 'country'],
      },
      session_start: { type: ['string', 'null'], format: 'date-time' },
    },
    required: ['view_id', 'viewed_at', 'url', 'visitor'],
  },
  {
    event_time: { field: 'viewed_at', format: 'iso' },
    drop_fields: ['ip'],
    normalize: { 'visitor.country': 'upper', visitor_email: 'lower' },
    partitioning: {
      time: 'hour',
      fields: [
        { field: 'visitor.country', transform: 'identity', max_distinct_per_object: 50 },
        { field: 'session_start', transform: 'bucket', buckets: 16 },
        { field: 'visitor.id', transform: 'bucket', buckets: 4 },
      ],
    },
  },
);

const VIEW = {
  view_id: '6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6f',
  viewed_at: '2026-03-01T00:30:00.1234567+01:00',
  url: 'https://shop.example/p?q=1',
  visitor: { id: ICEBERG_VECTORS.long.value, country: 'se', email: 'Ann@Example.COM', signed_up: '2024-02-29' },
  session_start: ICEBERG_VECTORS.timestamptz.value,
};

const CLICK = {
  click_id: 'click-0001',
  occurred_at_ms: Date.parse('2026-01-01T00:00:00.123Z'),
  user_id: ICEBERG_VECTORS.string.value,
  ip_address: '203.0.113.9',
  device: 'mobile',
  page: { url: 'https://shop.example.com/p/1', referrer: null, load_ms: 12.5 },
  tags: ['sale', 'new'],
};

const line = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const checkOne = (validator: SpecRecordValidator, value: unknown): LineSummary => validator.checkLines([line(value)])[0]!;
const failure = (summary: LineSummary): { reason: string; message: string } | 'ok' => (summary.ok ? 'ok' : { reason: summary.reason, message: summary.message });

describe('SpecRecordValidator on web_clicks (epoch_ms integer, dedup key, strict, identity + bucket partitions)', () => {
  let validator: SpecRecordValidator;
  let spec: ResolvedTableSpec;
  beforeAll(async () => {
    spec = await loadTableSpec(WEB_CLICKS_SPEC);
    validator = new SpecRecordValidator(spec);
  });

  it('accepts a click with nested fields and a null; the event id is the dedup key, ts the UTC instant, the partition the Iceberg values', () => {
    // bucket[8] of the string "iceberg": the spec's hash 1210000089, (hash & INT_MAX) % 8.
    expect(checkOne(validator, CLICK)).toEqual({ ok: true, eventId: 'click-0001', ts: '2026-01-01T00:00:00.123Z', extras: null, partition: `["mobile",${ICEBERG_VECTORS.string.hash % 8}]` });
    expect(ICEBERG_VECTORS.string.hash % 8).toBe(1);
    expect(decodePartitionKey(spec, '["mobile",1]')).toEqual({ device: 'mobile', user_id_bucket: 1 });
  });

  it('accepts absent optional fields, nested and top-level, and ignores the dropped field', () => {
    const { tags: _tags, ip_address: _ip, ...rest } = CLICK;
    expect(checkOne(validator, { ...rest, page: { url: 'http://localhost:8080/cart' } })).toMatchObject({ ok: true, eventId: 'click-0001' });
    // The dropped field is declared by the contract, so it is checked as the contract says, and never a column.
    expect(checkOne(validator, { ...CLICK, ip_address: '198.51.100.1' })).toMatchObject({ ok: true, extras: null });
  });

  it('quarantines an unknown field, named, even a null one (schema_evolution: strict)', () => {
    expect(failure(checkOne(validator, { ...CLICK, campaign: 'spring' }))).toEqual({ reason: 'unsupported_field', message: 'unknown field campaign (string): table web_clicks takes no new fields (schema_evolution: strict)' });
    expect(failure(checkOne(validator, { ...CLICK, campaign: null }))).toMatchObject({ reason: 'unsupported_field' });
  });

  it.each([
    ['a missing required field', { ...CLICK, click_id: undefined }, 'breaking_change', 'required field click_id is missing'],
    ['a missing required nested field', { ...CLICK, page: { referrer: 'x' } }, 'breaking_change', 'required field page.url is missing'],
    ['a nested field of another JSON type', { ...CLICK, page: { url: 'u', load_ms: '12' } }, 'breaking_change', 'field page.load_ms is string, the contract says number'],
    ['an array item of another JSON type', { ...CLICK, tags: ['a', 1] }, 'breaking_change', 'field tags[1] is integer, the contract says string'],
    ['an object for a scalar', { ...CLICK, user_id: { id: 1 } }, 'breaking_change', 'field user_id is object, the contract says string'],
    ['a value outside the enum', { ...CLICK, device: 'watch' }, 'schema_invalid', 'field device must be one of "mobile", "desktop", "tablet"'],
    ['a too short dedup key', { ...CLICK, click_id: 'c-1' }, 'schema_invalid', 'field click_id must NOT have fewer than 8 characters'],
    ['a negative time', { ...CLICK, occurred_at_ms: -1 }, 'schema_invalid', 'field occurred_at_ms must be >= 0'],
    ['a time beyond what a timestamp holds', { ...CLICK, occurred_at_ms: 8.64e15 + 1 }, 'event_time_out_of_range', 'event time occurred_at_ms is 8640000000000001 (epoch_ms), beyond ±8640000000000000 ms around 1970, the range of timestamps'],
    ['an infinite number', `${line(CLICK).slice(0, -1)},"page":{"url":"u","load_ms":1e999}}`.replace(/"page":\{"url":"https[^}]*\},/, ''), 'number_out_of_range', 'field page.load_ms is Infinity, beyond what a BIGINT or DOUBLE column holds exactly'],
    ['not JSON', '{"click_id": ', 'not_json', undefined],
    ['an array', '[1,2]', 'not_object', 'a array, not an object'],
    ['a repeated top-level key', `${line(CLICK).slice(0, -1)},"device":"tablet"}`, 'duplicate_key', 'a key appears more than once in the object'],
    ['a repeated nested key', line(CLICK).replace('"referrer":null', '"referrer":null,"url":"https://b.example/"'), 'duplicate_key', 'a key appears more than once in a nested object'],
    ['a lone surrogate in a nested string', line(CLICK).replace('"url":"https://shop.example.com/p/1"', '"url":"https://\\ud83d"'), 'invalid_text', 'field page.url holds a lone UTF-16 surrogate (half of a character)'],
    ['a lone surrogate in an array item', line(CLICK).replace('"new"', '"n\\udc00"'), 'invalid_text', 'field tags[1] holds a lone UTF-16 surrogate (half of a character)'],
    ['a lone surrogate in a nested key', line(CLICK).replace('"referrer":null', '"r\\ud800":null'), 'invalid_text', 'field page.r\ud800 holds a lone UTF-16 surrogate (half of a character)'],
  ])('rejects %s with its reason and a message naming the field', (_name, value, reason, message) => {
    const summary = checkOne(validator, value);
    expect(summary).toMatchObject({ ok: false, reason, ...(message === undefined ? {} : { message }) });
  });

  it('still accepts what is only unusual: an escaped pair, repeated keys in different objects, keys inside strings', () => {
    const lines = [
      line({ ...CLICK, page: { url: 'https://a.example/\ud83d\ude00', referrer: '{"url":1,"url":2}' } }).replace('\ud83d\ude00', '\\ud83d\\ude00'),
      line({ ...CLICK, page: { url: 'u', referrer: 'r' }, tags: ['url', 'url'] }),
    ];
    expect(validator.checkLines(lines).map((s) => s.ok)).toEqual([true, true]);
  });
});

describe('SpecRecordValidator on an ISO-time spec (offsets, formats, nested normalisers, additive, no dedup key)', () => {
  const validator = new SpecRecordValidator(PAGE_VIEWS);
  const bucket16 = bucketOf(ICEBERG_VECTORS.timestamptz.hash, 16);
  const bucket4 = bucketOf(ICEBERG_VECTORS.long.hash, 4);

  it('gives the instant in UTC (µs beyond ms truncated), and partitions by the normalised nested value and the Iceberg buckets', () => {
    const summary = checkOne(validator, VIEW);
    expect(summary).toMatchObject({ ok: true, ts: '2026-02-28T23:30:00.123Z', extras: null, partition: `["SE",${bucket16},${bucket4}]` });
    expect([bucket16, bucket4]).toEqual([7, 3]);
    expect(decodePartitionKey(PAGE_VIEWS, (summary as { partition: string }).partition)).toEqual({ visitor_country: 'SE', session_start_bucket: 7, visitor_id_bucket: 3 });
  });

  it('gives null for a null or absent partition source', () => {
    const { session_start: _s, ...absent } = VIEW;
    expect(checkOne(validator, { ...VIEW, session_start: null })).toMatchObject({ ok: true, partition: `["SE",null,${bucket4}]` });
    expect(checkOne(validator, absent)).toMatchObject({ ok: true, partition: `["SE",null,${bucket4}]` });
  });

  it('normalises before validating: a lower-case country passes the contract upper-cased, a mixed-case e-mail lower-cased', () => {
    expect(checkOne(validator, { ...VIEW, visitor: { ...VIEW.visitor, country: 'sE' } })).toMatchObject({ ok: true, partition: `["SE",${bucket16},${bucket4}]` });
    expect(failure(checkOne(validator, { ...VIEW, visitor: { ...VIEW.visitor, country: 'swe' } }))).toEqual({ reason: 'schema_invalid', message: 'field visitor.country must match pattern "^[A-Z]{2}$"' });
  });

  it('makes new scalar fields new columns, by the same rules as EventValidator; ignores the dropped field and nulls', () => {
    const summary = checkOne(validator, { ...VIEW, referrer_kind: 'search', score: 0.5, visits: 3, consent: true, later: null, ip: '203.0.113.9' });
    expect(summary).toMatchObject({ ok: true, extras: [['referrer_kind', 'string'], ['score', 'double'], ['visits', 'bigint'], ['consent', 'boolean']] });
  });

  it.each([
    ['a nested value', { utm: { source: 'x' } }, 'unsupported_field', 'unknown field utm (object) cannot become a column'],
    ['the name of a column', { visitor_id: 5 }, 'unsupported_field', 'unknown field visitor_id (integer) cannot become a column'],
    ['the name of a partition field', { viewed_at_hour: 3 }, 'unsupported_field', 'unknown field viewed_at_hour (integer) cannot become a column'],
    ['a name no column may take', { 'Utm-Source': 'x' }, 'unsupported_field', 'unknown field Utm-Source (string) cannot become a column'],
    ['an integer beyond 2^53', { plays: 2 ** 53 + 2 }, 'number_out_of_range', 'field plays is 9007199254740994, beyond what a BIGINT or DOUBLE column holds exactly'],
  ])('rejects a new field with %s', (_name, fields, reason, message) => {
    expect(failure(checkOne(validator, { ...VIEW, ...fields }))).toEqual({ reason, message });
  });

  it.each([
    ['a uuid', { view_id: '6f1c2b9e-8d3a-4c5f-9e7b' }, 'field view_id must match format "uuid"'],
    ['a uri', { url: 'shop.example/p' }, 'field url must match format "uri"'],
    ['a uri with a space', { url: 'https://shop.example/a b' }, 'field url must match format "uri"'],
    ['a date that is not a day', { visitor: { ...VIEW.visitor, signed_up: '2023-02-29' } }, 'field visitor.signed_up must match format "date"'],
    ['an e-mail', { visitor: { ...VIEW.visitor, email: 'ann@' } }, 'field visitor.email must match format "email"'],
    ['a time without a zone', { viewed_at: '2026-03-01T00:30:00' }, 'field viewed_at must match format "date-time"'],
    ['a time with a space', { viewed_at: '2026-03-01 00:30:00Z' }, 'field viewed_at must match format "date-time"'],
    ['a lower-case z (DuckDB refuses it)', { viewed_at: '2026-03-01T00:30:00z' }, 'field viewed_at must match format "date-time"'],
    ['a leap second (DuckDB refuses it)', { viewed_at: '2016-12-31T23:59:60Z' }, 'field viewed_at must match format "date-time"'],
    ['an hour 24', { viewed_at: '2026-03-01T24:00:00Z' }, 'field viewed_at must match format "date-time"'],
    ['a 30 February', { session_start: '2026-02-30T10:00:00Z' }, 'field session_start must match format "date-time"'],
  ])('checks the formats of the spec subset: rejects %s', (_name, fields, message) => {
    expect(failure(checkOne(validator, { ...VIEW, ...fields }))).toEqual({ reason: 'schema_invalid', message });
  });

  it('reads a BIGINT beyond 2^53 by its digits, as DuckDB does, and refuses one beyond 64 bits', () => {
    const big = '9007199254740993';
    const summary = checkOne(validator, line(VIEW).replace('"id":34', `"id":${big}`));
    expect(summary).toMatchObject({ ok: true, partition: `["SE",${bucket16},${bucketOf(icebergHash('long', BigInt(big)), 4)}]` });
    // JSON.parse rounds it to 2^53, which hashes elsewhere.
    expect(bucketOf(icebergHash('long', BigInt(big)), 4)).not.toBe(bucketOf(icebergHash('long', 2 ** 53), 4));
    expect(failure(checkOne(validator, line(VIEW).replace('"id":34', '"id":9223372036854775808')))).toEqual({
      reason: 'number_out_of_range',
      message: 'field visitor.id is 9223372036854775808, beyond what a BIGINT column holds',
    });
  });

  it('gives every line an event id of its own without a dedup key, across instances', () => {
    const other = new SpecRecordValidator(PAGE_VIEWS);
    const lines = Array.from({ length: 50 }, () => line(VIEW));
    const ids = [...validator.checkLines(lines), ...other.checkLines(lines), ...validator.checkLines(lines)].map((s) => (s.ok ? s.eventId : s.reason));
    expect(new Set(ids).size).toBe(150);
  });
});

describe('SpecRecordValidator on values nested deeper than the call stack', () => {
  const depth = 100_000;
  const deepArray = `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it('quarantines them, alone, instead of throwing out of the batch', async () => {
    const clicks = new SpecRecordValidator(await loadTableSpec(WEB_CLICKS_SPEC));
    const [tags, fine] = clicks.checkLines([line(CLICK).replace('"tags":["sale","new"]', `"tags":[${deepArray}]`), line(CLICK)]);
    expect(tags).toEqual({ ok: false, reason: 'breaking_change', message: 'field tags[0] is array, the contract says string' });
    expect(fine).toMatchObject({ ok: true });
    const views = new SpecRecordValidator(PAGE_VIEWS);
    expect(views.checkLines([`${line(VIEW).slice(0, -1)},"utm":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`])[0]).toMatchObject({ ok: false, reason: 'unsupported_field' });
    // ajv compares array items deeply for uniqueItems, recursively.
    const unique = new SpecRecordValidator(
      specOf('sets', { type: 'object', properties: { id: { type: 'string' }, at: { type: 'integer' }, items: { type: 'array', uniqueItems: true } }, required: ['id', 'at'] }, { event_time: { field: 'at', format: 'epoch_ms' }, partitioning: { time: 'hour' } }),
    );
    expect(unique.checkLines([`{"id":"a","at":1,"items":[${deepArray},${deepArray}]}`])[0]).toMatchObject({ ok: false, reason: 'schema_invalid', message: expect.stringMatching(/^the record is nested too deeply to check/) });
  });
});

describe('SpecRecordValidator event times and partition values are DuckDB’s (spec-table-sql.ts, DuckDB in process)', () => {
  let connection: DuckDBConnection;
  let dir: string;
  beforeAll(async () => {
    connection = await (await DuckDBInstance.create(':memory:')).connect();
    dir = await mkdtemp(join(tmpdir(), 'etl-spec-validator-'));
  });
  afterAll(async () => {
    connection.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  /** The lake rows of `lines` as the ETL's SQL computes them. */
  async function lakeRows(spec: ResolvedTableSpec, lines: string[], columns: string): Promise<Array<Record<string, unknown>>> {
    const path = join(dir, `${spec.table}-${Math.random().toString(36).slice(2)}.ndjson`);
    await writeFile(path, lines.join('\n'));
    return (await connection.runAndReadAll(`SELECT ${columns} FROM (${specTableSelect(spec, path)})`)).getRowObjectsJson();
  }

  const floorDiv = (a: bigint, b: bigint): bigint => (a < 0n && a % b !== 0n ? a / b - 1n : a / b);

  /** Epoch values on both sides of hour boundaries, fractions at the rounding edge, the ends of the range. */
  function epochValues(scale: number, seed: number): number[] {
    const unit = scale === 1_000 ? 1 : 1e-3; // one ms in the field's unit
    const hour = 3_600_000 * unit;
    const fixed = [3599999.9996, 3599999.9994, 3599999.9995, -0.0005, -0.0004, 0, 1e-7, -3600000.0004, 1767225599999.9995, 1767225599999.9996].map((ms) => ms * unit);
    let x = seed;
    const random = Array.from({ length: 300 }, () => {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const k = (x % 800_000) - 200_000; // hours around 1970 ... 2060
      return k * hour + (((x >> 3) % 2001) - 1000) * 1e-6 * unit; // within ±1 µs of the boundary
    });
    return [...fixed, ...random, 8.64e15 * unit, -8.64e15 * unit];
  }

  it.each([
    ['epoch_ms', 1_000],
    ['epoch_s', 1_000_000],
  ])('a %s double: JS ts is the floor of DuckDB’s µs to ms, so the hour is DuckDB’s (3599999.9996 ms is the next hour)', async (format, scale) => {
    const spec = specOf('ticks', { type: 'object', properties: { tick_id: { type: 'string' }, tick_at: { type: 'number' } }, required: ['tick_id', 'tick_at'] }, { event_time: { field: 'tick_at', format }, dedup_key: 'tick_id', partitioning: { time: 'hour' } });
    const validator = new SpecRecordValidator(spec);
    const values = epochValues(scale, scale === 1_000 ? 7 : 11);
    const lines = values.map((at, i) => JSON.stringify({ tick_id: `t${i}`, tick_at: at }));
    const summaries = validator.checkLines(lines);
    expect(summaries.every((s) => s.ok)).toBe(true);
    const rows = await lakeRows(spec, lines, "tick_id, epoch_us(tick_at)::VARCHAR AS us, strftime(tick_at, '%Y-%m-%dT%H') AS hour");
    expect(rows).toHaveLength(lines.length);
    const mismatches = rows.filter((row, i) => {
      const s = summaries[i] as Extract<LineSummary, { ok: true }>;
      const ms = floorDiv(BigInt(row.us as string), 1000n);
      return s.eventId !== row.tick_id || BigInt(Date.parse(s.ts)) !== ms || (Math.abs(Number(ms)) < 2.5e14 && s.ts.slice(0, 13) !== row.hour);
    });
    expect(mismatches).toEqual([]);
    if (format === 'epoch_ms') {
      expect(summaries[0]).toMatchObject({ ts: '1970-01-01T01:00:00.000Z' });
      // What a floor of the ms would give: the wrong hour.
      expect(new Date(Math.floor(3599999.9996)).toISOString()).toBe('1970-01-01T00:59:59.999Z');
      expect(summaries[3]).toMatchObject({ ts: '1969-12-31T23:59:59.999Z' });
    }
  });

  it('an ISO instant: offsets and µs as DuckDB’s TIMESTAMPTZ reads them; identity and bucket values of a timestamp are of its µs', async () => {
    const spec = specOf(
      'stamps',
      { type: 'object', properties: { id: { type: 'string' }, stamped_at: { type: 'string', format: 'date-time' }, seen: { type: ['string', 'null'], format: 'date-time' } }, required: ['id', 'stamped_at'] },
      { event_time: { field: 'stamped_at', format: 'iso' }, partitioning: { time: 'day', fields: [{ field: 'seen', transform: 'identity', max_distinct_per_object: 100 }, { field: 'stamped_at', transform: 'bucket', buckets: 1024 }] } },
    );
    const validator = new SpecRecordValidator(spec);
    const times = [
      '2026-03-01T00:30:00+01:00',
      '2026-03-01T00:59:59.9999999Z',
      '2026-03-01T00:59:59.999999-00:00',
      '1969-12-31T23:59:59.9999995Z',
      '0001-01-01T00:00:00+05:30',
      '2024-02-29T23:59:59.000001-23:59',
      '9999-12-31T23:59:59.999999Z',
      ICEBERG_VECTORS.timestamptz.value,
    ];
    const lines = times.map((at, i) => JSON.stringify({ id: `s${i}`, stamped_at: at, seen: times[times.length - 1 - i] }));
    const summaries = validator.checkLines(lines) as Array<Extract<LineSummary, { ok: true }>>;
    expect(summaries.every((s) => s.ok)).toBe(true);
    const rows = await lakeRows(spec, lines, 'epoch_us(stamped_at)::VARCHAR AS at_us, epoch_us(seen)::VARCHAR AS seen_us');
    rows.forEach((row, i) => {
      const atUs = BigInt(row.at_us as string);
      const seenUs = BigInt(row.seen_us as string);
      expect(BigInt(Date.parse(summaries[i]!.ts))).toBe(floorDiv(atUs, 1000n));
      const values = decodePartitionKey(spec, summaries[i]!.partition!);
      expect(BigInt(values.seen as number | bigint)).toBe(seenUs);
      expect(values.stamped_at_bucket).toBe(bucketOf(icebergHash('timestamp', atUs), 1024));
    });
    // Iceberg's own vector: timestamptz 2017-11-16T14:31:08-08:00 hashes to -2047944441.
    expect(icebergHash('timestamp', BigInt(rows[times.length - 1]!.at_us as string))).toBe(ICEBERG_VECTORS.timestamptz.hash);
  });
});

describe('SpecRecordValidator on the built-in listening_events spec agrees with EventValidator', () => {
  let specValidator: SpecRecordValidator;
  const eventValidator = new EventValidator();
  beforeAll(async () => {
    specValidator = new SpecRecordValidator(await loadTableSpec(join(BUILT_IN_SPECS_DIR, 'listening_events.table.yaml')));
  });

  function corpus(): string[] {
    const valid = listeningEvent(1);
    const values: unknown[] = [
      valid,
      listeningEvent(2, { track_uri: null, track_name: null, episode_uri: `spotify:episode:${'a'.repeat(22)}`, episode_name: 'E' }),
      { ...valid, conn_country: 'se' },
      { ...valid, conn_country: 'SWE' },
      { ...valid, ts: '2026-11-20T10:00:00.123456Z' },
      { ...valid, ts: '2026-11-20T10:00:00+01:00' },
      { ...valid, ts: '2026-02-30T10:00:00Z' },
      { ...valid, schema_version: 2 },
      { ...valid, event_id: 'abc' },
      { ...valid, ms_played: -1 },
      { ...valid, ms_played: 1.5 },
      { ...valid, ms_played: '100' },
      { ...valid, shuffle: 'true' },
      { ...valid, track_uri: 5 },
      { ...valid, mood: 'calm', bpm: 120, gain: -0.5, liked: false, later: null },
      { ...valid, ip_addr: '10.0.0.1', username: 'someone' },
      { ...valid, nested: { a: 1 } },
      { ...valid, 'Bad-Name': 1 },
      { ...valid, is_skip: true },
      { ...valid, ts_hour: '2026-11-20-10' },
      { ...valid, plays: 2 ** 53 + 2 },
      [valid],
      null,
    ];
    for (const field of Object.keys(valid)) {
      const { [field]: _dropped, ...rest } = valid as Record<string, unknown>;
      values.push(rest, { ...valid, [field]: null });
    }
    const text = JSON.stringify(valid);
    return [...values.map((v) => JSON.stringify(v)), `${text.slice(0, -1)},"platform":"ios"}`, text.replace(/"track_name":"[^"]*"/, '"track_name":"Song \\ud83d"'), '{"event_id": '];
  }

  it('the same verdicts, reasons, event ids, new columns and instants', () => {
    const lines = corpus();
    const expected = eventValidator.checkLines(lines);
    const actual = specValidator.checkLines(lines);
    const view = (s: LineSummary) => (s.ok ? { ok: true, eventId: s.eventId, ms: Date.parse(s.ts), extras: s.extras } : { ok: false, reason: s.reason });
    expect(actual.map(view)).toEqual(expected.map(view));
    expect(expected.filter((s) => s.ok).length).toBeGreaterThan(5);
    expect(expected.filter((s) => !s.ok).length).toBeGreaterThan(20);
  });
});

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Prng } from '@spotify-pipeline/producer-service';
import { loadTableSpec, resolveTableSpec, tableSpecDocument, type JsonSchemaNode, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import type { LineSummary } from '../../../src/validate/event-validator';
import { SpecRecordValidator } from '../../../src/validate/spec-record-validator';

/**
 * The differential test of the spec tables' canonical-line fast path: on every generated line the
 * fast path accepts, its verdict must be the full path's, exactly (event id, ts, partition values,
 * no new column); it must never reject; and it must accept the common canonical line. The identity
 * partition on the event time puts its µs in the compared partition key.
 */

const FIXTURES = resolve(__dirname, '..', '..', 'fixtures', 'table-specs');
const WEB_CLICKS_DIR = resolve(__dirname, '..', '..', '..', '..', 'shared', 'test', 'unit', 'table-spec', 'fixtures');
const IMPRESSIONS_SCHEMA = JSON.parse(readFileSync(resolve(FIXTURES, 'ad_impressions.schema.json'), 'utf8')) as JsonSchemaNode & { properties: Record<string, JsonSchemaNode> };
const CLICKS_SCHEMA = JSON.parse(readFileSync(resolve(WEB_CLICKS_DIR, 'web_clicks.schema.json'), 'utf8')) as JsonSchemaNode & { properties: Record<string, JsonSchemaNode>; required: string[] };

function specOf(table: string, schema: JsonSchemaNode, doc: Record<string, unknown>): ResolvedTableSpec {
  const resolved = resolveTableSpec(`${table}.table.yaml`, tableSpecDocument.parse({ spec_version: 1, table, topics: [table], schema: `${table}.schema.json`, ...doc }), schema);
  if (!resolved.spec) throw new Error(`test spec ${table}: ${JSON.stringify(resolved.problems)}`);
  return resolved.spec;
}

/** ad_impressions.table.yaml with the event time in another format, and an identity partition of it (its µs) in place of placement's (four at most). */
function impressionsWith(format: 'iso' | 'epoch_ms' | 'epoch_s', servedAt: JsonSchemaNode): ResolvedTableSpec {
  return specOf('ad_impressions', { ...IMPRESSIONS_SCHEMA, properties: { ...IMPRESSIONS_SCHEMA.properties, served_at: servedAt } }, {
    event_time: { field: 'served_at', format },
    dedup_key: 'impression_id',
    drop_fields: ['client_ip'],
    normalize: { country: 'upper', viewer_email: 'lower' },
    partitioning: {
      time: 'hour',
      fields: [
        { field: 'country', transform: 'identity', max_distinct_per_object: 300 },
        { field: 'campaign_id', transform: 'bucket', buckets: 16 },
        { field: 'first_seen', transform: 'bucket', buckets: 8 },
        { field: 'served_at', transform: 'identity', max_distinct_per_object: 1000 },
      ],
    },
    schema_evolution: 'additive',
  });
}

/** web_clicks.table.yaml with `page` optional: a line without the nested object may take the fast path. */
const CLICKS_PAGE_OPTIONAL = specOf('web_clicks', { ...CLICKS_SCHEMA, required: CLICKS_SCHEMA.required.filter((f) => f !== 'page') }, {
  event_time: { field: 'occurred_at_ms', format: 'epoch_ms' },
  dedup_key: 'click_id',
  drop_fields: ['ip_address'],
  partitioning: { time: 'day', fields: [{ field: 'device', transform: 'identity' }, { field: 'user_id', transform: 'bucket', buckets: 8 }] },
  schema_evolution: 'strict',
});

/** The simulator's seeded generator: the same lines on every run. */
function seeded(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

/** A value written as this JSON text (one JSON.stringify would not write: `1.0`, `-0`, an escape, 2^53 + 1). */
class Raw {
  constructor(readonly text: string) {}
}
const raw = (text: string): Raw => new Raw(text);
/** Absent from the line. */
const ABSENT = Symbol('absent');
type Value = unknown;

const render = (entries: Array<[string, Value]>, separator = ','): string =>
  `{${entries
    .filter(([, v]) => v !== ABSENT)
    .map(([k, v]) => `${JSON.stringify(k)}:${v instanceof Raw ? v.text : JSON.stringify(v)}`)
    .join(separator)}}`;

/** Strings of every kind a text field meets: plain, unicode, escapes, control characters, lone surrogates, case pairs DuckDB maps its own way. */
const STRINGS: Value[] = ['plain', '', 'é', 'Björk', '🎵', 'a"b', 'a\\b', 'a\nb', 'a\u0000b', 'line\u2028sep', 'a\ud800b', '\udc00', 'ß', 'ı', 'ǅ', 'İ', raw('"\\u00e9"'), raw('"a\\/b"'), raw('"\\ud83c\\udfb5"'), null, 7, true, { a: 1 }, ['x']];
// JSON.stringify escapes a lone surrogate; a line decoded from a file may hold one as is.
STRINGS.push(raw('"a\ud800bcdefghij"'), raw('"\udc00"'), raw('"SE\udfff"'));

/** Per field: values of every kind (valid, boundary, invalid, other types), beside the valid generator. */
const IMPRESSION_POOLS: Record<string, Value[]> = {
  impression_id: ['imp-0001', 'imp-001', 'x'.repeat(64), 'x'.repeat(65), '🎵'.repeat(8), '🎵'.repeat(64), '🎵'.repeat(65), 'évt-12345', raw('"imp-\\u00301234"'), ...STRINGS],
  served_at: [
    '2026-03-01T00:30:00+01:00',
    '2026-03-01T00:59:59.9999999Z',
    '1969-12-31T23:59:59.9999995Z',
    '0001-01-01T00:00:00+05:30',
    '9999-12-31T23:59:59.999999Z',
    '2024-02-29T23:59:59.000001-23:59',
    '2023-02-29T10:00:00Z',
    '2026-03-01T24:00:00Z',
    '2016-12-31T23:59:60Z',
    '2026-03-01T00:30:00z',
    '2026-03-01T00:30:00',
    '2026-03-01 00:30:00Z',
    '+275760-09-13T00:00:00Z',
    '2026-03-01T00:30:00+24:00',
    ...STRINGS,
  ],
  campaign_id: [1, 0, -1, 42, 999_999_999_999_999, 1_000_000_000_000_000, raw('9007199254740993'), raw('1.0'), raw('1e3'), raw('-0'), raw('01'), 1.5, '42', null, true],
  placement: ['feed', 'sidebar', 'search', 'Feed', 'feed ', raw('"f\\u0065ed"'), null, 1, ...STRINGS],
  country: ['SE', 'US', 'se', 'Se', 'SWE', 'ıs', 'ßE', 'ÉE', '', null, 46, raw('"S\\u0045"')],
  viewer_email: [null, ABSENT, 'ann@example.com', 'Ann@Example.com', 'ANN@EXAMPLE.COM', 'bad@', 'é@example.com', 'ann@ex-ample.co', 'ann@example.com ', 5],
  landing_url: ['https://shop.example/p?q=1', 'http://a/b', 'mailto:x@y', 'shop.example', 'https://a b', raw('"https:\\/\\/x"'), 'https://é.example/', null],
  bid_usd: [0.35, 0, 100, raw('100.0'), raw('1e2'), raw('1E2'), 1e-7, raw('100.0000001'), raw('-0'), raw('5e-324'), raw('1e-400'), raw('1e400'), 99.99999999999999, 7, -1, '0.1', null],
  viewable: [true, false, 'true', 0, null],
  client_ip: [ABSENT, ABSENT, '203.0.113.9', null, 5],
  session_id: [ABSENT, null, '6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6f', '6F1C2B9E-8D3A-4C5F-9E7B-1A2B3C4D5E6F', 'abc', 1],
  viewed_on: [ABSENT, '2024-02-29', '2023-02-29', '2026-13-01', '', null],
  first_seen: [ABSENT, null, '2017-11-16T14:31:08-08:00', '2026-02-30T10:00:00Z', '2026-01-01T00:00:00.5+00:00', 5],
  score: [ABSENT, 0, -1_000_000, 1_000_000, 1_000_001, -1_000_001, raw('-0'), 1.5, raw('1e2'), raw('1000000.0'), null],
};

const EXTRA_FIELDS: Array<[string, Value]> = [
  ['campaign_name', 'spring'],
  ['later', null],
  ['clicks', 3],
  ['ratio', 0.5],
  ['Bad-Name', 1],
  ['nested', { a: 1 }],
  ['served_at_hour', 1],
  ['country_code', 'SE'],
  ['big', raw('9007199254740993')],
];

const pick = <T>(r: () => number, values: readonly T[]): T => values[Math.floor(r() * values.length)]!;
const digits = (r: () => number, n: number): string => Array.from({ length: n }, () => Math.floor(r() * 10)).join('');
const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A valid ISO instant: any year 1 … 9999, an offset or Z, 0 to 9 fraction digits. */
function isoInstant(r: () => number): string {
  const year = r() < 0.8 ? 1970 + Math.floor(r() * 90) : 1 + Math.floor(r() * 9999);
  const month = 1 + Math.floor(r() * 12);
  const day = 1 + Math.floor(r() * 28);
  const fraction = pick(r, [0, 0, 3, 6, 7, 9, 1]);
  const zone = r() < 0.6 ? 'Z' : `${r() < 0.5 ? '+' : '-'}${pad(Math.floor(r() * 24))}:${pad(pick(r, [0, 30, 45, 59]))}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(Math.floor(r() * 24))}:${pad(Math.floor(r() * 60))}:${pad(Math.floor(r() * 60))}${fraction ? `.${digits(r, fraction)}` : ''}${zone}`;
}

const ID_CHARS = [...'abcdefghijklmnopqrstuvwxyz0123456789-_:.', 'é', 'ø', '漢', '🎵', ' '];

/** A valid impression in contract order, with values of every valid kind. */
function validImpression(r: () => number, i: number, servedAt: (r: () => number) => Value): Array<[string, Value]> {
  const idLength = 8 + Math.floor(r() * 57);
  return [
    ['impression_id', r() < 0.5 ? `imp-${pad(i, 8)}` : Array.from({ length: idLength }, () => pick(r, ID_CHARS)).join('')],
    ['served_at', servedAt(r)],
    ['campaign_id', r() < 0.2 ? pick(r, [1, 999_999_999_999_999, 2 ** 31, 2 ** 32 + 1]) : 1 + Math.floor(r() * 1e6)],
    ['placement', pick(r, ['feed', 'sidebar', 'search'])],
    ['country', pick(r, ['SE', 'US', 'GB', 'DE', 'BR', 'JP'])],
    ['viewer_email', pick(r, [null, ABSENT, `u${i}@example.com`, 'ann.b+tag@shop-1.example.org'])],
    ['landing_url', pick(r, ['https://shop.example/p?q=1', `https://shop.example/p/${i}#top`, 'urn:isbn:0451450523'])],
    ['bid_usd', r() < 0.2 ? pick(r, [100, 5e-324, 1e-7, 99.99999999999999, 0.1 + 0.2]) : Math.round(r() * 1e6) / 1e4 + 1e-4],
    ['viewable', r() < 0.5],
    ['client_ip', ABSENT],
    ['session_id', pick(r, [ABSENT, null, '6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6f'])],
    ['viewed_on', pick(r, [ABSENT, '2024-02-29', '0001-01-01', '9999-12-31'])],
    ['first_seen', r() < 0.5 ? ABSENT : r() < 0.5 ? null : isoInstant(r)],
    ['score', pick(r, [ABSENT, 0, -1_000_000, 1_000_000, -17])],
  ];
}

/** One change of a valid line: a value from the pools, keys reordered, a key missing, repeated or extra, whitespace, an escape. */
function mutate(r: () => number, entries: Array<[string, Value]>, pools: Record<string, Value[]>): string {
  const out = entries.map(([k, v]): [string, Value] => [k, v]);
  const kind = Math.floor(r() * 9);
  const at = Math.floor(r() * out.length);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      // One to three fields from their pools.
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) {
        const j = Math.floor(r() * out.length);
        out[j] = [out[j]![0], pick(r, pools[out[j]![0]] ?? STRINGS)];
      }
      return render(out);
    }
    case 3:
      return render(out.sort(() => r() - 0.5));
    case 4:
      return render(out.filter((_, j) => j !== at));
    case 5:
      return render([...out, [out[at]![0], out[(at + 1) % out.length]![1]]]);
    case 6: {
      const extra = pick(r, EXTRA_FIELDS);
      out.splice(Math.floor(r() * (out.length + 1)), 0, extra);
      return render(out);
    }
    case 7:
      return render(out, pick(r, [', ', ' ,', ',\n']));
    default: {
      // An escape of one character inside a string value: the same value, another text.
      const j = out.findIndex(([, v], index) => index >= at && typeof v === 'string' && v.length > 0);
      if (j === -1) return render(out);
      const text = out[j]![1] as string;
      const c = Math.floor(r() * text.length);
      out[j] = [out[j]![0], raw(JSON.stringify(text).replace(JSON.stringify(text.slice(c, c + 1)).slice(1, -1), `\\u${text.charCodeAt(c).toString(16).padStart(4, '0')}`))];
      return render(out);
    }
  }
}

interface Outcome {
  lines: number;
  fast: number;
  mismatches: Array<{ line: string; fast: LineSummary; full: LineSummary }>;
}

/** Every line through both paths alone; a fast-path verdict must be the full path's. */
function compare(validator: SpecRecordValidator, lines: string[]): Outcome {
  const outcome: Outcome = { lines: lines.length, fast: 0, mismatches: [] };
  for (const line of lines) {
    const fast = validator.checkCanonical(line);
    if (fast === undefined) continue;
    outcome.fast++;
    const full = validator.checkInFull(line);
    if (JSON.stringify(fast) !== JSON.stringify(full) || !full.ok || full.extras !== null) outcome.mismatches.push({ line, fast, full });
  }
  return outcome;
}

function impressionLines(seed: number, servedAt: (r: () => number) => Value, pools: Record<string, Value[]>): { canonical: string[]; mutated: string[] } {
  const r = seeded(seed);
  const canonical: string[] = [];
  const mutated: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const entries = validImpression(r, i, servedAt);
    canonical.push(render(entries));
    for (let m = 0; m < 3; m++) mutated.push(mutate(r, entries, pools));
  }
  return { canonical, mutated };
}

const EPOCH_MS_TIMES: Value[] = [0, -1, 3_599_999, 3_600_000, 8.64e15, -8.64e15, raw('8640000000000001'), raw('999999999999999'), raw('-999999999999999'), raw('1.0'), raw('1e3'), raw('-0'), 1.5, '1767225600000', null];
const EPOCH_S_TIMES: Value[] = [0, -0.0005, 3599.9999996, 3599.9999994, 3599.9999995, 8.64e12, 8.64e12 + 1, -8.64e12 - 1, raw('1e12'), raw('1E-7'), raw('-0'), raw('1e400'), raw('8640000000000.0000001'), raw('999999999999999'), '0', null];

describe.each([
  ['iso', { type: 'string', format: 'date-time' }, (r: () => number): Value => isoInstant(r), []],
  ['epoch_ms', { type: 'integer' }, (r: () => number): Value => (r() < 0.8 ? 1_700_000_000_000 : -2e14) + Math.floor(r() * 1e14), EPOCH_MS_TIMES],
  ['epoch_s', { type: 'number' }, (r: () => number): Value => (r() < 0.5 ? Math.floor(r() * 2e9) : r() * 4e9 - 2e9), EPOCH_S_TIMES],
] as const)('the ad_impressions fast path with a %s event time', (format, servedAt, time, times) => {
  const spec = impressionsWith(format, servedAt as JsonSchemaNode);
  const pools = format === 'iso' ? IMPRESSION_POOLS : { ...IMPRESSION_POOLS, served_at: [...times, ...STRINGS] };
  const { canonical, mutated } = impressionLines(format.length * 7919, time, pools);

  it('exists, and accepts the common canonical line (and every valid line generated in contract order)', () => {
    const validator = new SpecRecordValidator(spec);
    expect(validator.fastPathUnavailable).toBeUndefined();
    const first = canonical[0]!;
    expect(validator.checkCanonical(first)).toEqual(validator.checkInFull(first));
    expect(validator.checkCanonical(first)).toMatchObject({ ok: true, eventId: 'imp-00000000', extras: null });
    // Valid lines outside it: an escape-free e-mail in upper case (normalised), an out-of-range epoch.
    const missed = canonical.filter((line) => validator.checkCanonical(line) === undefined);
    expect(missed.filter((line) => validator.checkInFull(line).ok)).toEqual([]);
  });

  it('gives on every line it accepts exactly the full path’s verdict: event id, ts, partition values (the event time’s µs among them), no new column', () => {
    const validator = new SpecRecordValidator(spec);
    const outcome = compare(validator, [...canonical, ...mutated]);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.lines).toBe(6000);
    // The mutations reach the fast path often (a changed value it vouches for), and the full path alone often.
    expect(outcome.fast).toBeGreaterThan(canonical.length + 300);
    expect(mutated.filter((line) => !validator.checkInFull(line).ok).length).toBeGreaterThan(1500);
  });

  it('checkLines gives every line the full path’s verdict, rejections included', () => {
    const validator = new SpecRecordValidator(spec);
    const lines = [...canonical.slice(0, 300), ...mutated.slice(0, 1500)];
    expect(validator.checkLines(lines)).toEqual(lines.map((line) => validator.checkInFull(line)));
  });
});

describe('what the ad_impressions fast path leaves to the full path', () => {
  const spec = impressionsWith('iso', { type: 'string', format: 'date-time' });
  const validator = new SpecRecordValidator(spec);
  const base: Array<[string, Value]> = validImpression(seeded(1), 1, () => '2026-03-01T10:15:00.123456+01:00');
  const withValue = (name: string, value: Value): string => render(base.map(([k, v]) => [k, k === name ? value : v]));

  it.each([
    ['a dropped (personal) field present', withValue('client_ip', '203.0.113.9'), true],
    ['a value its normaliser changes (country)', withValue('country', 'se'), true],
    ['a value its normaliser changes (e-mail)', withValue('viewer_email', 'Ann@Example.com'), true],
    ['an escaped character', withValue('country', raw('"S\\u0045"')), true],
    ['keys in another order', render([...base].reverse()), true],
    ['a new field (additive: a new column)', render([...base, ['campaign_name', 'spring']]), true],
    ['an integer written 1.0', withValue('campaign_id', raw('1.0')), true],
    ['a lone surrogate, escaped', withValue('impression_id', 'imp-\ud800-0001'), false],
    ['a lone surrogate, as is', withValue('impression_id', raw('"imp-\ud800-0001"')), false],
    ['an integer beyond 15 digits', withValue('campaign_id', raw('9007199254740993')), true],
  ])('%s', (_name, line, acceptedInFull) => {
    expect(validator.checkCanonical(line)).toBeUndefined();
    expect(validator.checkInFull(line).ok).toBe(acceptedInFull);
    expect(validator.checkLines([line])).toEqual([validator.checkInFull(line)]);
  });

  it('an absent optional field and a normal-form normalised value are on it', () => {
    expect(validator.checkCanonical(withValue('viewer_email', ABSENT))).toMatchObject({ ok: true, extras: null });
    expect(validator.checkCanonical(withValue('country', 'DE'))).toMatchObject({ ok: true, partition: expect.stringContaining('"DE"') });
  });

  it('loads from its fixture file with a fast path', async () => {
    expect(new SpecRecordValidator(await loadTableSpec(resolve(FIXTURES, 'ad_impressions.table.yaml'))).fastPathUnavailable).toBeUndefined();
  });
});

describe('the web_clicks fixture (a required nested object: no fast path) and a variant with the object optional', () => {
  const r = seeded(42);
  const click = (i: number): Array<[string, Value]> => [
    ['click_id', `click-${pad(i, 6)}`],
    ['occurred_at_ms', Math.floor(r() * 2e12)],
    ['user_id', pick(r, ['iceberg', 'u-1', 'ü', '🎵'])],
    ['ip_address', r() < 0.2 ? '203.0.113.9' : ABSENT],
    ['device', pick(r, ['mobile', 'desktop', 'tablet'])],
    ['page', r() < 0.4 ? { url: `https://shop.example.com/p/${i}`, referrer: null, load_ms: 12.5 } : ABSENT],
    ['tags', r() < 0.2 ? ['sale'] : ABSENT],
  ];
  const pools: Record<string, Value[]> = {
    click_id: ['c-1', 'x'.repeat(64), 'x'.repeat(65), ...STRINGS],
    occurred_at_ms: EPOCH_MS_TIMES,
    user_id: ['', ...STRINGS],
    ip_address: ['10.0.0.1', null, 5],
    device: ['watch', 'Mobile', raw('"m\\u006fbile"'), null],
    page: [{ url: 'u' }, { referrer: 'x' }, null, 'u'],
    tags: [[], ['a', 1], null],
  };
  const lines: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const entries = click(i);
    lines.push(render(entries), mutate(r, entries, pools), mutate(r, entries, pools));
  }

  it('web_clicks as the fixture declares it takes the full path on every line, and says why', async () => {
    const validator = new SpecRecordValidator(await loadTableSpec(resolve(WEB_CLICKS_DIR, 'web_clicks.table.yaml')));
    expect(validator.fastPathUnavailable).toBe('field page is required and an object or array');
    expect(lines.filter((line) => validator.checkCanonical(line) !== undefined)).toEqual([]);
  });

  it('with page optional: lines without the nested fields or the dropped field take the fast path with the full path’s verdict; the others the full path', () => {
    const validator = new SpecRecordValidator(CLICKS_PAGE_OPTIONAL);
    expect(validator.fastPathUnavailable).toBeUndefined();
    const outcome = compare(validator, lines);
    expect(outcome.mismatches).toEqual([]);
    expect(outcome.fast).toBeGreaterThan(500);
    for (const line of lines) {
      if (/"(page|tags|ip_address)":/.test(line)) expect(validator.checkCanonical(line)).toBeUndefined();
    }
    expect(validator.checkLines(lines)).toEqual(lines.map((line) => validator.checkInFull(line)));
  });
});

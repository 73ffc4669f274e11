import { CanonicalLineMatcher, FIELD_NORMALISERS, type MatcherOptions, type ObjectSchema } from '@spotify-pipeline/shared/schemas';
import { EventValidator, listeningEventJsonSchema } from '../../../src/validate/event-validator';
import { listeningEvent } from '../../fixtures/listening-events';

const valid = listeningEvent(1);
/** As EventValidator builds it: the event id and ts captured, the country checked upper-cased, date-time left to the pattern. */
const OPTIONS: MatcherOptions = { capture: ['event_id', 'ts'], normalise: FIELD_NORMALISERS, formats: { 'date-time': null } };
const line = (value: unknown): string => JSON.stringify(value);
/** Replaces the JSON text of one field's value in the canonical line (for values JSON.stringify would not write). */
const withRawValue = (field: string, raw: string): string => line(valid).replace(new RegExp(`"${field}":("[^"]*"|[^,}]*)`), `"${field}":${raw}`);

/** Lines the matcher must never vouch for unless the full validator accepts them as they are. */
function corpus(): Array<{ name: string; line: string }> {
  const cases: Array<{ name: string; line: string }> = [
    { name: 'valid', line: line(valid) },
    { name: 'valid episode', line: line(listeningEvent(2, { track_uri: null, track_name: null, episode_uri: `spotify:episode:${'a'.repeat(22)}`, episode_name: 'E' })) },
    { name: 'all content null', line: line(listeningEvent(3, { track_uri: null, track_name: null, artist_name: null, album_name: null })) },
    { name: 'unicode names', line: line({ ...valid, track_name: 'Sigur Rós – Hoppípolla 🎵', artist_name: 'Björk' }) },
    { name: 'escaped quote in a name', line: line({ ...valid, track_name: 'The "Best" Of' }) },
    { name: 'escaped unicode', line: withRawValue('track_name', '"Bj\\u00f6rk"') },
    { name: 'escaped slash', line: withRawValue('track_name', '"AC\\/DC"') },
    { name: 'raw tab in a string', line: withRawValue('track_name', '"a\tb"') },
    { name: 'raw newline escape', line: line({ ...valid, track_name: 'a\nb' }) },
    { name: 'lone surrogate', line: line({ ...valid, track_name: 'a\ud800b' }) },
    // JSON.stringify escapes it; a line may still hold one as is (the full validator quarantines it: invalid_text).
    { name: 'lone surrogate as is', line: withRawValue('track_name', '"a\ud800b"') },
    { name: 'event_id of 7 code points', line: line({ ...valid, event_id: 'évt-123' }) },
    { name: 'event_id of 8 code points, 9 UTF-16 units', line: line({ ...valid, event_id: 'evt-12🎵' }) },
    { name: 'event_id of 128 emoji', line: line({ ...valid, event_id: '🎵'.repeat(128) }) },
    { name: 'event_id of 129 emoji', line: line({ ...valid, event_id: '🎵'.repeat(129) }) },
    { name: 'session_id 128', line: line({ ...valid, session_id: 'x'.repeat(128) }) },
    { name: 'session_id 129', line: line({ ...valid, session_id: 'x'.repeat(129) }) },
    { name: 'fractional seconds', line: line({ ...valid, ts: '2026-11-20T10:00:00.123456Z' }) },
    { name: 'ts with offset', line: line({ ...valid, ts: '2026-11-20T10:00:00+01:00' }) },
    { name: 'ts space', line: line({ ...valid, ts: '2026-11-20 10:00:00' }) },
    { name: 'ts 30 Feb', line: line({ ...valid, ts: '2026-02-30T10:00:00Z' }) },
    { name: 'ts 29 Feb leap', line: line({ ...valid, ts: '2024-02-29T10:00:00Z' }) },
    { name: 'ts 29 Feb 2100', line: line({ ...valid, ts: '2100-02-29T10:00:00Z' }) },
    { name: 'ts leap second', line: line({ ...valid, ts: '2026-11-20T23:59:60Z' }) },
    { name: 'schema_version 2', line: line({ ...valid, schema_version: 2 }) },
    { name: 'schema_version 1.0', line: withRawValue('schema_version', '1.0') },
    { name: 'schema_version string', line: line({ ...valid, schema_version: '1' }) },
    { name: 'short event_id', line: line({ ...valid, event_id: 'abc' }) },
    { name: 'negative ms_played', line: line({ ...valid, ms_played: -1 }) },
    { name: 'ms_played -0', line: withRawValue('ms_played', '-0') },
    { name: 'ms_played 1e3', line: withRawValue('ms_played', '1e3') },
    { name: 'ms_played 2^53', line: withRawValue('ms_played', '9007199254740992') },
    { name: 'ms_played 15 nines', line: withRawValue('ms_played', '999999999999999') },
    { name: 'ms_played leading zero', line: withRawValue('ms_played', '0123') },
    { name: 'ms_played NaN', line: withRawValue('ms_played', 'NaN') },
    { name: 'fractional ms_played', line: line({ ...valid, ms_played: 1.5 }) },
    { name: 'ms_played string', line: line({ ...valid, ms_played: '100' }) },
    { name: 'offline_timestamp negative', line: line({ ...valid, offline_timestamp: -5 }) },
    { name: 'country lower', line: line({ ...valid, conn_country: 'se' }) },
    { name: 'country dotless i', line: line({ ...valid, conn_country: 'ıs' }) },
    { name: 'country long', line: line({ ...valid, conn_country: 'SWE' }) },
    { name: 'bad track uri', line: line({ ...valid, track_uri: 'spotify:track:short' }) },
    { name: 'track uri number', line: line({ ...valid, track_uri: 5 }) },
    { name: 'shuffle string', line: line({ ...valid, shuffle: 'true' }) },
    { name: 'offline_timestamp float', line: line({ ...valid, offline_timestamp: 1.5 }) },
    { name: 'empty platform', line: line({ ...valid, platform: '' }) },
    { name: 'extra field', line: line({ ...valid, new_field: 'x' }) },
    { name: 'personal field', line: line({ ...valid, ip_addr: '10.0.0.1' }) },
    { name: 'extra null field', line: line({ ...valid, later: null }) },
    { name: 'nested extra field', line: line({ ...valid, extra: { nested: 1 } }) },
    { name: 'extra field named like a derived column', line: line({ ...valid, is_skip: true }) },
    { name: 'key order changed', line: line(Object.fromEntries(Object.entries(valid).reverse())) },
    { name: 'duplicate key', line: line(valid).replace('}', `,"ms_played":5}`) },
    { name: 'trailing comma', line: line(valid).replace(/}$/, ',}') },
    { name: 'whitespace', line: JSON.stringify(valid, null, 1).replaceAll('\n', '') },
    { name: 'leading space', line: ` ${line(valid)}` },
    { name: 'carriage return', line: `${line(valid)}\r` },
    { name: 'array', line: line([valid]) },
    { name: 'null', line: 'null' },
    { name: 'empty object', line: '{}' },
    // The producer's malformed injector (producer-service/src/simulator/malformed-injector.ts).
    { name: 'truncated', line: line(valid).slice(0, 200) },
    { name: 'plain text', line: `PLAY ${valid.user_id} ${valid.track_uri} ${valid.ts}` },
    { name: 'binary', line: Buffer.from([0xff, 0xfe, 0x00, 0x7b, 0x22, 0xc3, 0x28]).toString('utf8') },
    { name: 'ts not iso', line: line({ ...valid, ts: valid.ts.slice(0, 16).replace('T', ' ') }) },
    { name: 'country usa', line: line({ ...valid, conn_country: 'usa' }) },
  ];
  for (const field of Object.keys(valid)) {
    const { [field]: _dropped, ...rest } = valid as Record<string, unknown>;
    cases.push({ name: `missing ${field}`, line: line(rest) });
    cases.push({ name: `${field} null`, line: line({ ...valid, [field]: null }) });
    cases.push({ name: `${field} object`, line: line({ ...valid, [field]: { nested: 1 } }) });
    cases.push({ name: `${field} true`, line: line({ ...valid, [field]: true }) });
    cases.push({ name: `${field} 7`, line: line({ ...valid, [field]: 7 }) });
  }
  return cases;
}

describe('CanonicalLineMatcher', () => {
  const schema = listeningEventJsonSchema();
  const matcher = new CanonicalLineMatcher(schema, OPTIONS);
  const validator = new EventValidator();

  it.each(corpus())('$name: a match implies the full validator accepts it as is', ({ line: text }) => {
    const matched = matcher.match(text);
    if (matched === undefined) return;
    const full = validator.check(text);
    expect(full).toMatchObject({ ok: true, extras: null });
    expect(full.ok && [full.event.event_id, full.event.ts]).toEqual(matched);
  });

  it('vouches for the canonical lines producers write, so the fast path is taken at all', () => {
    const canonical = ['valid', 'valid episode', 'all content null', 'unicode names', 'event_id of 128 emoji', 'ts 29 Feb leap', 'ms_played 15 nines', 'offline_timestamp negative'];
    const byName = new Map(corpus().map((c) => [c.name, c.line]));
    for (const name of canonical) expect([name, matcher.match(byName.get(name)!)]).toEqual([name, [expect.any(String), expect.any(String)]]);
    for (let i = 0; i < 200; i++) expect(matcher.match(line(listeningEvent(i)))).toEqual([listeningEvent(i).event_id, listeningEvent(i).ts]);
  });

  it('leaves to the full validator what it cannot vouch for cheaply (escapes, other key orders, normalised values)', () => {
    const byName = new Map(corpus().map((c) => [c.name, c.line]));
    for (const name of ['escaped quote in a name', 'escaped slash', 'key order changed', 'country lower', 'ms_played -0', 'schema_version 1.0']) {
      expect([name, matcher.match(byName.get(name)!)]).toEqual([name, undefined]);
      expect([name, validator.check(byName.get(name)!).ok]).toEqual([name, true]);
    }
  });

  it('follows the contract it is built from (a tighter rule in the schema tightens the expression)', () => {
    const tighter = structuredClone(schema) as ObjectSchema;
    tighter.properties!.user_id!.maxLength = 5;
    const strict = new CanonicalLineMatcher(tighter, OPTIONS);
    expect(strict.match(line({ ...valid, user_id: 'u-123' }))).toBeDefined();
    expect(strict.match(line({ ...valid, user_id: 'u-1234' }))).toBeUndefined();
  });

  it('refuses at construction a schema keyword or shape it has no rule for, instead of ignoring it', () => {
    const withMultiple = structuredClone(schema) as unknown as ObjectSchema & { properties: Record<string, Record<string, unknown>> };
    withMultiple.properties.ms_played = { type: 'integer', multipleOf: 10 };
    expect(() => new CanonicalLineMatcher(withMultiple, OPTIONS)).toThrow(/ms_played: keyword multipleOf/);
    const optionalFirst = { ...structuredClone(schema), required: (schema.required ?? []).filter((f) => f !== 'schema_version') };
    expect(() => new CanonicalLineMatcher(optionalFirst, OPTIONS)).toThrow(/schema_version: an optional first field/);
    expect(() => new CanonicalLineMatcher(schema, { capture: ['event_id'] })).toThrow(/ts: format date-time/);
    expect(() => new CanonicalLineMatcher({ ...schema, minProperties: 3 } as ObjectSchema, OPTIONS)).toThrow(/keyword minProperties/);
    expect(() => new CanonicalLineMatcher({ ...schema, required: [...(schema.required ?? []), 'mood'] }, OPTIONS)).toThrow(/mood: a required field the contract does not describe/);
  });

  it('takes a line with or without an optional field (artist_uri, added after v1 was first written), in contract order only', () => {
    expect(schema.required).not.toContain('artist_uri');
    const artist = `spotify:artist:${'A'.repeat(22)}`;
    const { artist_uri: _absent, ...before } = valid;
    for (const value of [line(before), line({ ...before, artist_uri: null }), line({ ...before, artist_uri: artist })]) {
      expect(matcher.match(value)).toEqual([valid.event_id, valid.ts]);
    }
    // Out of order, or a bad value: not vouched for (the full validator decides).
    expect(matcher.match(line({ artist_uri: artist, ...before }))).toBeUndefined();
    expect(matcher.match(line({ ...before, artist_uri: 'spotify:artist:short' }))).toBeUndefined();
    expect(validator.check(line({ ...before, artist_uri: 'spotify:artist:short' }))).toMatchObject({ ok: false, reason: 'schema_invalid' });
    // Another optional field in the middle of the object works the same way.
    const optionalMiddle = { ...structuredClone(schema), required: (schema.required ?? []).filter((f) => f !== 'session_id') };
    const { session_id: _noSession, ...withoutSession } = valid;
    expect(new CanonicalLineMatcher(optionalMiddle, OPTIONS).match(line(withoutSession))).toEqual([valid.event_id, valid.ts]);
  });
});

describe('EventValidator.checkLines with the canonical fast path', () => {
  it('gives exactly the verdicts and reason codes of the full validator on every line of the corpus', () => {
    const validator = new EventValidator();
    const lines = corpus().map((c) => c.line);
    const full = lines.map((text) => {
      const verdict = validator.check(text);
      return verdict.ok ? { ok: true as const, eventId: verdict.event.event_id, ts: verdict.event.ts, extras: verdict.extras } : verdict;
    });
    expect(validator.checkLines(lines)).toEqual(full);
    // Both kinds are in the corpus, so the comparison proves something.
    expect(full.filter((v) => v.ok).length).toBeGreaterThan(10);
    expect(new Set(full.flatMap((v) => (v.ok ? [] : [v.reason])))).toEqual(new Set(['not_json', 'not_object', 'schema_invalid', 'breaking_change', 'unsupported_field', 'duplicate_key', 'invalid_text']));
  });
});

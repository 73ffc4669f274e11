import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { compileListeningEventValidator, EventValidator } from '../../../src/validate/event-validator';
import { listeningEvent } from '../../fixtures/listening-events';

/** Events that differ from a valid one in exactly one way, covering every field and rule kind. */
function corpus(): Array<{ name: string; value: unknown }> {
  const valid = listeningEvent(1);
  const cases: Array<{ name: string; value: unknown }> = [
    { name: 'valid', value: valid },
    { name: 'valid episode', value: listeningEvent(2, { track_uri: null, track_name: null, episode_uri: `spotify:episode:${'a'.repeat(22)}`, episode_name: 'E' }) },
    { name: 'all content null', value: listeningEvent(3, { track_uri: null, track_name: null, artist_name: null, album_name: null }) },
    { name: 'extra field', value: { ...valid, new_field: 'x' } },
    { name: 'fractional seconds', value: { ...valid, ts: '2026-11-20T10:00:00.123Z' } },
    { name: 'ts with offset', value: { ...valid, ts: '2026-11-20T10:00:00+01:00' } },
    { name: 'ts space', value: { ...valid, ts: '2026-11-20 10:00:00' } },
    { name: 'ts 30 Feb', value: { ...valid, ts: '2026-02-30T10:00:00Z' } },
    { name: 'schema_version 2', value: { ...valid, schema_version: 2 } },
    { name: 'schema_version string', value: { ...valid, schema_version: '1' } },
    { name: 'short event_id', value: { ...valid, event_id: 'abc' } },
    { name: 'long session_id', value: { ...valid, session_id: 'x'.repeat(129) } },
    { name: 'negative ms_played', value: { ...valid, ms_played: -1 } },
    { name: 'fractional ms_played', value: { ...valid, ms_played: 1.5 } },
    { name: 'ms_played string', value: { ...valid, ms_played: '100' } },
    { name: 'country lower', value: { ...valid, conn_country: 'se' } },
    { name: 'country long', value: { ...valid, conn_country: 'SWE' } },
    { name: 'bad track uri', value: { ...valid, track_uri: 'spotify:track:short' } },
    { name: 'track uri number', value: { ...valid, track_uri: 5 } },
    { name: 'shuffle string', value: { ...valid, shuffle: 'true' } },
    { name: 'offline_timestamp float', value: { ...valid, offline_timestamp: 1.5 } },
    { name: 'empty platform', value: { ...valid, platform: '' } },
    { name: 'array', value: [valid] },
    { name: 'null', value: null },
  ];
  for (const field of Object.keys(valid)) {
    const { [field]: _dropped, ...rest } = valid as Record<string, unknown>;
    cases.push({ name: `missing ${field}`, value: rest });
    cases.push({ name: `${field} null`, value: { ...valid, [field]: null } });
  }
  return cases;
}

describe('compiled validator parity with zod', () => {
  const compiled = compileListeningEventValidator();

  it.each(corpus())('$name: ajv and zod agree', ({ value }) => {
    expect(compiled(structuredClone(value))).toBe(listeningEventV1.safeParse(value).success);
  });

  it('the corpus holds both accepted and rejected events (a parity test of one kind proves nothing)', () => {
    const verdicts = corpus().map(({ value }) => listeningEventV1.safeParse(value).success);
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(5);
    expect(verdicts.filter((v) => !v).length).toBeGreaterThan(20);
  });
});

describe('EventValidator reasons', () => {
  const validator = new EventValidator();
  const check = (value: unknown) => validator.check(typeof value === 'string' ? value : JSON.stringify(value));
  const reasonOf = (value: unknown) => {
    const verdict = check(value);
    return verdict.ok ? 'ok' : verdict.reason;
  };

  it('accepts a valid event, with no new columns', () => {
    expect(check(listeningEvent(1))).toEqual({ ok: true, event: listeningEvent(1), extras: null });
  });

  it('names the reason for each kind of rejection', () => {
    const valid = listeningEvent(1);
    const { ts: _ts, ...noTs } = valid;
    expect(reasonOf('{"event_id": ')).toBe('not_json');
    expect(reasonOf('[1,2]')).toBe('not_object');
    expect(reasonOf('"text"')).toBe('not_object');
    expect(reasonOf(noTs)).toBe('breaking_change');
    expect(reasonOf({ ...valid, ms_played: '100' })).toBe('breaking_change');
    expect(reasonOf({ ...valid, ms_played: 1.5 })).toBe('breaking_change');
    expect(reasonOf({ ...valid, shuffle: 'yes' })).toBe('breaking_change');
    expect(reasonOf({ ...valid, ms_played: -5 })).toBe('schema_invalid');
    expect(reasonOf({ ...valid, conn_country: 'SWE' })).toBe('schema_invalid');
    expect(reasonOf({ ...valid, schema_version: 2 })).toBe('schema_invalid');
    expect(reasonOf({ ...valid, extra: { nested: 1 } })).toBe('unsupported_field');
    expect(reasonOf({ ...valid, 'Bad-Name': 1 })).toBe('unsupported_field');
    expect(reasonOf({ ...valid, is_skip: true })).toBe('unsupported_field');
    // The table's partition field: a column of that name would clash with it.
    expect(reasonOf({ ...valid, ts_hour: '2026-11-20-10' })).toBe('unsupported_field');
    // dt and hour were Hive partition keys once; now they are ordinary new columns.
    expect(reasonOf({ ...valid, hour: 10 })).toBe('ok');
  });

  it('upper-cases a lower-case country instead of rejecting it', () => {
    const verdict = check(listeningEvent(1, { conn_country: 'se' }));
    expect(verdict.ok && verdict.event.conn_country).toBe('SE');
  });

  it('types new scalar fields and ignores personal data and nulls', () => {
    const verdict = check({ ...listeningEvent(1), mood: 'calm', volume: 7, gain: 0.5, lyrics: true, ip_addr: '10.0.0.1', later: null });
    expect(verdict.ok && verdict.extras).toEqual([
      ['mood', 'string'],
      ['volume', 'bigint'],
      ['gain', 'double'],
      ['lyrics', 'boolean'],
    ]);
  });
});

describe('EventValidator: what JSON.parse accepts but the Parquet engine refuses', () => {
  const validator = new EventValidator();
  const valid = JSON.stringify(listeningEvent(7));
  const withField = (raw: string): string => `${valid.slice(0, -1)},${raw}}`;

  it.each([
    ['a repeated key (JSON.parse keeps the last)', withField('"platform":"ios"'), 'duplicate_key'],
    ['a repeated unknown key', withField('"x":1,"x":2'), 'duplicate_key'],
    ['half an emoji as an escape', valid.replace(/"track_name":"[^"]*"/, '"track_name":"Song \\ud83d"'), 'invalid_text'],
    ['a lone low surrogate in an unknown field', withField('"note":"\\udc00"'), 'invalid_text'],
    ['a lone surrogate in a key', withField('"k\\ud800":"v"'), 'invalid_text'],
    ['an integer beyond 2^53 in a new column', withField('"plays":12345678901234567890'), 'number_out_of_range'],
    ['an infinite double in a new column', withField('"score":1e999'), 'number_out_of_range'],
  ])('quarantines %s, alone, with its own reason', (_name, line, reason) => {
    const [verdict] = validator.checkLines([line]);
    expect(verdict).toMatchObject({ ok: false, reason });
  });

  it('still accepts what is only unusual: a well-formed emoji as an escape pair, keys and braces inside strings, nested quotes', () => {
    const lines = [
      valid.replace(/"track_name":"[^"]*"/, '"track_name":"Song \\ud83d\\ude00"'),
      withField('"comment":"a \\"quoted\\" {\\"k\\":1, \\"k\\":2}"'),
      withField('"plays":9007199254740991'),
    ];
    expect(validator.checkLines(lines).map((v) => v.ok)).toEqual([true, true, true]);
  });
});

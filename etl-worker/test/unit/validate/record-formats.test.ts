import { isDate, isDateTime, isoInstant, RECORD_FORMATS } from '../../../src/validate/record-formats';

describe('record formats', () => {
  it('reads a date-time as the instant DuckDB reads: offsets applied, µs truncated, ms floored', () => {
    expect(isoInstant('2026-03-01T00:30:00+01:00')).toEqual({ ms: Date.parse('2026-02-28T23:30:00Z'), micros: Date.parse('2026-02-28T23:30:00Z') * 1000 });
    expect(isoInstant('2026-03-01T00:59:59.9999999Z')).toEqual({ ms: Date.parse('2026-03-01T00:59:59.999Z'), micros: Date.parse('2026-03-01T00:59:59.999Z') * 1000 + 999 });
    expect(isoInstant('1969-12-31T23:59:59.9999995Z')).toEqual({ ms: -1, micros: -1 });
    expect(isoInstant('0000-01-01T00:00:00Z')).toEqual({ ms: -62167219200000, micros: -62167219200000000n });
  });

  it.each(['2026-03-01T00:30:00', '2026-03-01 00:30:00Z', '2026-03-01t00:30:00z', '2026-03-01T00:30Z', '2026-03-01T00:30:00,5Z', '2016-12-31T23:59:60Z', '2026-03-01T24:00:00Z', '2026-02-29T00:00:00Z', '2026-03-01T00:30:00+24:00', '2026-03-01T00:30:00+0100', '2026-03-01T00:30:00.Z', ' 2026-03-01T00:30:00Z'])(
    'refuses %j as a date-time',
    (text) => {
      expect(isDateTime(text)).toBe(false);
    },
  );

  it('takes dates of the proleptic Gregorian calendar only', () => {
    expect(['2024-02-29', '2000-02-29', '0000-02-29', '2026-12-31'].map(isDate)).toEqual([true, true, true, true]);
    expect(['2023-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-1-01', '2026-01-01T00:00:00Z'].map(isDate)).toEqual(Array(7).fill(false));
  });

  it('checks e-mails, URIs and UUIDs by their simple rules', () => {
    const { email, uri, uuid } = RECORD_FORMATS as Record<'email' | 'uri' | 'uuid', (text: string) => boolean>;
    expect(['ann@example.com', "o'neil+tag@mail.example.co.uk"].map(email)).toEqual([true, true]);
    expect(['ann@', '@example.com', 'ann@example', 'ann @example.com', 'ann@-example.com'].map(email)).toEqual(Array(5).fill(false));
    expect(['https://shop.example/p?q=1', 'mailto:ann@example.com', 'urn:isbn:0451450523'].map(uri)).toEqual([true, true, true]);
    expect(['shop.example/p', '/relative', 'https://a.example/a b', '1http://x', 'https://a.example/\n'].map(uri)).toEqual(Array(5).fill(false));
    expect(['6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6f', '00000000-0000-0000-0000-000000000000', '6F1C2B9E-8D3A-4C5F-9E7B-1A2B3C4D5E6F'].map(uuid)).toEqual([true, true, true]);
    expect(['6f1c2b9e8d3a4c5f9e7b1a2b3c4d5e6f', 'urn:uuid:6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6f', '6f1c2b9e-8d3a-4c5f-9e7b-1a2b3c4d5e6g'].map(uuid)).toEqual([false, false, false]);
  });
});

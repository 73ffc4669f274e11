import { checkRecord, listeningEventForm } from '../../../src/pipeline/record-check';
import { listeningEventValue } from '../../fixtures/listening-event';
import { record } from './fixtures';

const form = listeningEventForm();

describe('checkRecord', () => {
  it('passes a JSON object through byte for byte (the same Buffer, not a re-serialisation)', () => {
    const r = record(1, { value: Buffer.from('{"event_id":"a",  "x":1.50}') });
    const verdict = checkRecord(r, 1000);
    expect(verdict).toEqual({ ok: true, json: r.value, canonical: false });
    expect(verdict.ok && verdict.json).toBe(r.value);
  });

  it.each([
    ['plain text', Buffer.from('hello'), 'RECORD_NOT_JSON'],
    ['truncated JSON', Buffer.from('{"event_id":"a"'), 'RECORD_NOT_JSON'],
    ['a JSON array', Buffer.from('[1,2]'), 'RECORD_NOT_JSON'],
    ['a JSON string', Buffer.from('"x"'), 'RECORD_NOT_JSON'],
    ['a tombstone', null, 'RECORD_NOT_JSON'],
    ['an empty value', Buffer.alloc(0), 'RECORD_NOT_JSON'],
  ])('rejects %s with a reason', (_name, value, code) => {
    const verdict = checkRecord(record(1, { value }), 1000);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.code).toBe(code);
      expect(verdict.reason.length).toBeGreaterThan(0);
    }
  });

  it('sends a record whose Kafka timestamp no date can hold to the DLQ instead of stopping the sink', () => {
    const value = Buffer.from('{"event_id":"a"}');
    for (const timestamp of [8.64e15, 253_402_300_800_000, -2, 1.5]) {
      expect(checkRecord(record(1, { value, timestamp }), 1000)).toMatchObject({ ok: false, code: 'RECORD_INVALID', reason: expect.stringContaining(`Kafka timestamp ${timestamp}`) });
    }
    // Kafka's "no timestamp" and the last representable millisecond are fine.
    for (const timestamp of [-1, 0, 253_402_300_799_999]) expect(checkRecord(record(1, { value, timestamp }), 1000).ok).toBe(true);
  });

  it('rejects a JSON object that is not valid UTF-8, and passes one that is (multi-byte characters)', () => {
    const latin1 = Buffer.from('{"track_name":"Sigur R\u00f3s"}', 'latin1');
    expect(checkRecord(record(1, { value: latin1 }), 1000)).toMatchObject({ ok: false, code: 'RECORD_NOT_JSON', reason: expect.stringContaining('UTF-8') });
    const utf8 = Buffer.from('{"track_name":"Sigur R\u00f3s \ud83c\udfb5"}', 'utf8');
    expect(checkRecord(record(1, { value: utf8 }), 1000)).toEqual({ ok: true, json: utf8, canonical: false });
  });

  it('rejects a value over the size limit before parsing it', () => {
    const verdict = checkRecord(record(1, { value: Buffer.from(`{"pad":"${'x'.repeat(100)}"}`) }), 50);
    expect(verdict).toMatchObject({ ok: false, code: 'RECORD_TOO_LARGE' });
  });

  it('compacts a pretty-printed object so it stays one NDJSON line', () => {
    const verdict = checkRecord(record(1, { value: Buffer.from('{\n  "event_id": "a"\n}') }), 1000);
    expect(verdict.ok && verdict.json.toString()).toBe('{"event_id":"a"}');
  });

  describe('the canonical form', () => {
    it('calls a value in the form canonical and passes it through as it came (the same Buffer)', () => {
      const value = listeningEventValue(1);
      const verdict = checkRecord(record(1, { value }), 10_000, form);
      expect(verdict).toEqual({ ok: true, json: value, canonical: true });
      expect(verdict.ok && verdict.json).toBe(value);
      // What must not happen: a canonical verdict without the matcher (nothing was checked against a form).
      expect(checkRecord(record(1, { value }), 10_000)).toEqual({ ok: true, json: value, canonical: false });
    });

    it.each([
      ['keys in another order', Buffer.from(JSON.stringify({ event_id: 'evt-0000000001', ...JSON.parse(listeningEventValue(1).toString()) }))],
      ['an extra field', listeningEventValue(1, { extra: 1 })],
      ['a field off the contract (ms_played negative)', listeningEventValue(1, { ms_played: -5 })],
      ['a space after a colon', Buffer.from(listeningEventValue(1).toString().replace('"ms_played":', '"ms_played": '))],
      ['an escaped character', listeningEventValue(1, { track_name: 'The "Best" Of' })],
    ])('stages a valid JSON object with %s, but not as canonical', (_name, value) => {
      expect(checkRecord(record(1, { value }), 10_000, form)).toEqual({ ok: true, json: value, canonical: false });
    });

    it('never calls a compacted (pretty-printed) value canonical, though its compact bytes are in the form', () => {
      const pretty = Buffer.from(JSON.stringify(JSON.parse(listeningEventValue(1).toString()), null, 2));
      const verdict = checkRecord(record(1, { value: pretty }), 10_000, form);
      expect(verdict).toEqual({ ok: true, json: listeningEventValue(1), canonical: false });
    });

    it('never vouches for bytes that are not UTF-8, though their decoded text (U+FFFD) is in the form', () => {
      // 'í' (C3 AD) of the track name replaced by a byte no UTF-8 text holds.
      const good = listeningEventValue(1);
      const at = good.indexOf('í');
      const bad = Buffer.concat([good.subarray(0, at), Buffer.from([0xff]), good.subarray(at + 2)]);
      expect(form.matcher.match(bad.toString('utf8'))).toBeDefined();
      expect(checkRecord(record(1, { value: bad }), 10_000, form)).toMatchObject({ ok: false, code: 'RECORD_NOT_JSON', reason: expect.stringContaining('UTF-8') });
    });

    it('keeps the earlier checks for a canonical value: tombstone, timestamp and size come first', () => {
      const value = listeningEventValue(1);
      expect(checkRecord(record(1, { value, timestamp: -2 }), 10_000, form)).toMatchObject({ ok: false, code: 'RECORD_INVALID' });
      expect(checkRecord(record(1, { value }), value.length - 1, form)).toMatchObject({ ok: false, code: 'RECORD_TOO_LARGE' });
      expect(checkRecord(record(1, { value: null }), 10_000, form)).toMatchObject({ ok: false, code: 'RECORD_NOT_JSON' });
    });
  });
});

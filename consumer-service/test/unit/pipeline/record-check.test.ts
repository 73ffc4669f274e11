import { checkRecord } from '../../../src/pipeline/record-check';
import { record } from './fixtures';

describe('checkRecord', () => {
  it('passes a JSON object through byte for byte (the same Buffer, not a re-serialisation)', () => {
    const r = record(1, { value: Buffer.from('{"event_id":"a",  "x":1.50}') });
    const verdict = checkRecord(r, 1000);
    expect(verdict).toEqual({ ok: true, json: r.value });
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
    expect(checkRecord(record(1, { value: utf8 }), 1000)).toEqual({ ok: true, json: utf8 });
  });

  it('rejects a value over the size limit before parsing it', () => {
    const verdict = checkRecord(record(1, { value: Buffer.from(`{"pad":"${'x'.repeat(100)}"}`) }), 50);
    expect(verdict).toMatchObject({ ok: false, code: 'RECORD_TOO_LARGE' });
  });

  it('compacts a pretty-printed object so it stays one NDJSON line', () => {
    const verdict = checkRecord(record(1, { value: Buffer.from('{\n  "event_id": "a"\n}') }), 1000);
    expect(verdict.ok && verdict.json.toString()).toBe('{"event_id":"a"}');
  });
});

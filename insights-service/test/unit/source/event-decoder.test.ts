import { EventValidator } from '@spotify-pipeline/etl-worker/validate';
import { EventDecoder } from '../../../src/source/event-decoder';
import { EventFactory, malformedValues } from '../../fixtures/listening-fixtures';

const NOW = Date.parse('2026-12-01T12:00:00Z');

describe('EventDecoder', () => {
  const factory = new EventFactory(5);

  it('accepts a valid event and hands back its fields, the country upper-cased as the lake stores it', () => {
    const event = factory.event(NOW - 60_000, { conn_country: 'se' as never });
    const decoded = new EventDecoder().decode(Buffer.from(JSON.stringify(event)), NOW);
    expect(decoded).toEqual({ ok: true, event: { ...event, conn_country: 'SE' } });
  });

  it.each(malformedValues(new EventFactory(6), NOW).map((m) => [m.reason, m.value] as const))('skips a record the lake refuses (%s) with that reason', (reason, value) => {
    expect(new EventDecoder().decode(value, NOW)).toEqual({ ok: false, reason });
  });

  it('applies the sink\'s refusals first: empty values and values over the size limit', () => {
    const decoder = new EventDecoder({ maxRecordBytes: 100, eventTime: { maxPastMs: 86_400_000, maxFutureMs: 3_600_000 } });
    expect(decoder.decode(null, NOW)).toEqual({ ok: false, reason: 'empty_value' });
    expect(decoder.decode(Buffer.alloc(0), NOW)).toEqual({ ok: false, reason: 'empty_value' });
    expect(decoder.decode(Buffer.from(JSON.stringify(factory.event(NOW))), NOW)).toEqual({ ok: false, reason: 'too_large' });
  });

  it('judges event times against the ETL\'s bounds as of the clock', () => {
    const decoder = new EventDecoder({ maxRecordBytes: 1 << 20, eventTime: { maxPastMs: 86_400_000, maxFutureMs: 3_600_000 } });
    const at = (tsMs: number) => Buffer.from(JSON.stringify(factory.event(tsMs)));
    expect(decoder.decode(at(NOW - 86_400_000 + 1_000), NOW).ok).toBe(true);
    expect(decoder.decode(at(NOW - 86_400_000 - 1_000), NOW)).toEqual({ ok: false, reason: 'event_time_out_of_range' });
    expect(decoder.decode(at(NOW + 3_600_000 + 1_000), NOW)).toEqual({ ok: false, reason: 'event_time_out_of_range' });
    // The bounds move with the clock.
    expect(decoder.decode(at(NOW + 3_600_000 + 1_000), NOW + 5_000).ok).toBe(true);
  });

  it('gives the ETL validator\'s verdict for every line (reused, not copied)', () => {
    const validator = new EventValidator();
    const decoder = new EventDecoder();
    for (const { value } of malformedValues(new EventFactory(8), NOW).filter((m) => m.reason !== 'not_utf8' && m.reason !== 'event_time_out_of_range')) {
      const verdict = validator.check(value.toString('utf8'));
      expect(verdict.ok).toBe(false);
      expect(decoder.decode(value, NOW)).toEqual({ ok: false, reason: verdict.ok ? null : verdict.reason });
    }
  });
});

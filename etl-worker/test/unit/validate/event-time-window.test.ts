import { EventTimeBounds } from '../../../src/validate/event-time-window';

describe('EventTimeBounds', () => {
  const now = Date.UTC(2026, 11, 7, 12);
  const bounds = new EventTimeBounds({ maxPastMs: 20 * 365 * 86_400_000, maxFutureMs: 86_400_000 }, now);

  it('accepts history and a day of clock skew, whatever the precision', () => {
    for (const ts of ['2012-05-01T08:00:00Z', '2026-12-07T12:00:00.123Z', '2026-12-08T11:59:59Z']) expect(bounds.problem(ts)).toBeUndefined();
  });

  it('refuses broken clocks at both ends, naming the setting', () => {
    expect(bounds.problem('0005-01-01T00:00:00Z')).toMatch(/before .*ETL_EVENT_TIME_MAX_PAST_MS/);
    expect(bounds.problem('9999-12-31T23:59:59Z')).toMatch(/after .*ETL_EVENT_TIME_MAX_FUTURE_MS/);
    expect(bounds.problem('2026-12-08T12:00:01.5Z')).toMatch(/after/);
  });
});

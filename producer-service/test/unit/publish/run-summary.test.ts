import { newPublishCounters } from '../../../src/publish/producer-metrics';
import { RunSummary } from '../../../src/publish/run-summary';

describe('RunSummary', () => {
  it('counts valid events per UTC event hour, malformed by kind and late ones', () => {
    const summary = new RunSummary('simulate', 'events');
    summary.addValid(Date.parse('2024-01-01T23:59:59.999Z'), false);
    summary.addValid(Date.parse('2024-01-02T00:00:00.000Z'), true);
    summary.addValid(Date.parse('2024-01-01T23:00:00.000Z'), false);
    summary.addMalformed('not_json');
    summary.addMalformed('schema_invalid');
    summary.addMalformed('schema_invalid');
    const counters = newPublishCounters();
    counters.topics.set('events', { delivered: 6, bytes: 600 });
    counters.topics.set('tracks', { delivered: 100, bytes: 10_000 });
    const json = summary.toJSON(counters, true);
    expect(json).toMatchObject({
      valid: 3,
      late: 1,
      malformed: { total: 3, not_json: 1, schema_invalid: 2 },
      delivery: { delivered: 6, failed: 0 },
      validByEventHour: { '2024-01-01T23': 2, '2024-01-02T00': 1 },
      firstEventTime: '2024-01-01T23:00:00.000Z',
      lastEventTime: '2024-01-02T00:00:00.000Z',
      completed: true,
    });
    expect(Object.keys(json.validByEventHour)).toEqual(['2024-01-01T23', '2024-01-02T00']);
  });

  it('keeps hour counts exact across snapshots, restores and events that go back to an earlier hour', () => {
    const at = (iso: string): number => Date.parse(iso);
    const summary = new RunSummary('simulate', 'events');
    for (const ts of ['2024-01-01T10:05:00Z', '2024-01-01T10:59:00Z', '2024-01-01T11:00:00Z', '2024-01-01T10:30:00Z', '2024-01-01T11:01:00Z']) summary.addValid(at(ts), false);
    const snapshot = summary.snapshot();
    expect(snapshot.byHour).toEqual({ [String(at('2024-01-01T10:00:00Z') / 3_600_000)]: 3, [String(at('2024-01-01T11:00:00Z') / 3_600_000)]: 2 });
    summary.addValid(at('2024-01-01T11:30:00Z'), false);
    const resumed = new RunSummary('simulate', 'events');
    resumed.addValid(at('2024-01-01T09:00:00Z'), false);
    resumed.restore(snapshot, 5);
    resumed.addValid(at('2024-01-01T11:30:00Z'), false);
    const counters = newPublishCounters();
    expect(summary.toJSON(counters, true).validByEventHour).toEqual({ '2024-01-01T10': 3, '2024-01-01T11': 3 });
    expect(resumed.toJSON(counters, true).validByEventHour).toEqual({ '2024-01-01T10': 3, '2024-01-01T11': 3 });
  });
});

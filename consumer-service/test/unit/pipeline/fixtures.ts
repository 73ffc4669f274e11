import type { SourceRecord } from '../../../src/pipeline/source-record';

/** A consumed record with a small JSON event value; offsets and times chosen by the test. */
export function record(offset: number, overrides: Partial<SourceRecord> = {}): SourceRecord {
  return {
    topic: 'listening-events',
    partition: 0,
    offset,
    timestamp: Date.UTC(2024, 4, 1, 13, 30) + offset,
    key: Buffer.from(`user-${offset % 3}`),
    value: Buffer.from(JSON.stringify({ event_id: `e-${offset}`, ms_played: offset })),
    ...overrides,
  };
}

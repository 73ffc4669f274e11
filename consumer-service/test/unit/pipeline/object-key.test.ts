import { parseStagingKey, stagingKey } from '../../../src/pipeline/object-key';

describe('stagingKey', () => {
  const parts = { prefix: 'staging', topic: 'listening-events', partition: 4, firstOffset: 1200, lastOffset: 1299, firstTimestampMs: Date.UTC(2024, 1, 29, 23, 59, 59) };

  it('names the topic, partition and zero-padded offset range under dt/hour of the first record', () => {
    expect(stagingKey(parts)).toBe(
      'staging/listening-events/dt=2024-02-29/hour=23/listening-events+4+00000000000000001200+00000000000000001299.ndjson.gz',
    );
  });

  it('files a batch whose first record carries a timestamp no date can hold under 1970, instead of throwing', () => {
    expect(stagingKey({ ...parts, firstTimestampMs: 8.64e15 + 1 })).toBe(
      'staging/listening-events/dt=1970-01-01/hour=00/listening-events+4+00000000000000001200+00000000000000001299.ndjson.gz',
    );
  });

  it('depends only on the records: the same range gives the same key whatever the wall clock', () => {
    const first = stagingKey(parts);
    jest.useFakeTimers().setSystemTime(Date.UTC(2030, 0, 1));
    try {
      expect(stagingKey(parts)).toBe(first);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sorts lexically in offset order, and parses back to its range', () => {
    const a = stagingKey({ ...parts, firstOffset: 9, lastOffset: 99 });
    const b = stagingKey({ ...parts, firstOffset: 100, lastOffset: 150 });
    expect([b, a].sort()).toEqual([a, b]);
    expect(parseStagingKey(b)).toEqual({ topic: 'listening-events', partition: 4, firstOffset: 100, lastOffset: 150 });
    expect(parseStagingKey('staging/other/file.json')).toBeUndefined();
  });
});

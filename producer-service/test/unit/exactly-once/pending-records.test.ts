import { PendingRecords } from '../../../src/exactly-once/pending-records';

describe('pending records of an open transaction', () => {
  it('keeps copies of the values, in order, past its first megabyte, and counts only the events topic', () => {
    const pending = new PendingRecords('events');
    const reused = Buffer.alloc(5_000);
    const expected: string[] = [];
    for (let i = 0; i < 400; i++) {
      // The caller overwrites its buffer after every record: the pending copy must not change.
      reused.fill(String.fromCharCode(97 + (i % 26)));
      const value = reused.subarray(0, 3_000 + i); // 400 of them: about 1.3 MB
      pending.add(i % 10 === 0 ? 'checkpoints' : 'events', `user-${i}`, value, 1_700_000_000_000 + i);
      expected.push(value.toString());
    }
    const records = [...pending.records()];
    expect(records.map((r) => r.value.toString())).toEqual(expected);
    expect(records.map((r) => r.key)).toEqual(expected.map((_, i) => `user-${i}`));
    expect(records[399]).toMatchObject({ topic: 'events', timestampMs: 1_700_000_000_399 });
    const events = expected.filter((_, i) => i % 10 !== 0);
    expect(pending.totals).toEqual({ records: events.length, bytes: events.reduce((sum, v) => sum + v.length, 0) });
    expect(pending.length).toBe(400);
  });

  it('starts the next transaction empty after clear', () => {
    const pending = new PendingRecords('events');
    pending.add('events', 'k', Buffer.from('{"a":1}'), 1);
    pending.clear();
    expect([...pending.records()]).toEqual([]);
    expect(pending.totals).toEqual({ records: 0, bytes: 0 });
    pending.add('events', 'k2', Buffer.from('{"b":2}'), 2);
    expect([...pending.records()].map((r) => r.value.toString())).toEqual(['{"b":2}']);
  });
});

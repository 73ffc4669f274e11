import { MINUTE_MS } from '../../../src/windows/minute-window';
import type { Play } from '../../../src/windows/play';
import { WindowStore, type Admission } from '../../../src/windows/window-store';
import { prng } from '../../fixtures/listening-fixtures';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const shape = { topCapacity: 16, hllPrecision: 10 };
const policy = { horizonMs: 60 * MINUTE_MS, allowedLatenessMs: 5 * MINUTE_MS, maxFutureMs: 10 * MINUTE_MS };

function play(tsMs: number, overrides: Partial<Play> = {}): Play {
  return { tsMs, userId: 'u1', msPlayed: 1_000, country: 'SE', platformFamily: 'android', contentType: 'track', isSkip: false, trackUri: 't1', trackName: 'T', artistName: 'A', ...overrides };
}

/** Events of several partitions, each partition's in its own order, as a topic holds them. */
interface Record_ {
  partition: number;
  play: Play;
}

function randomRecords(count: number, partitions: number, seed: number, startMs: number): Record_[] {
  const random = prng(seed);
  const records: Record_[] = [];
  const clocks = Array.from({ length: partitions }, () => startMs);
  for (let i = 0; i < count; i++) {
    const partition = Math.floor(random() * partitions);
    clocks[partition]! += Math.floor(random() * 4_000);
    // One in ten arrives late: up to 12 minutes behind its partition (the allowed lateness is 5).
    const lateBy = random() < 0.1 ? Math.floor(random() * 12 * MINUTE_MS) : 0;
    records.push({
      partition,
      play: play(clocks[partition]! - lateBy, { userId: `u${Math.floor(random() * 300)}`, msPlayed: Math.floor(random() * 200_000), isSkip: random() < 0.3, trackUri: `t${Math.floor(random() * 50)}`, platformFamily: random() < 0.5 ? 'ios' : 'web', country: random() < 0.5 ? 'US' : 'DE' }),
    });
  }
  return records;
}

/** The lateness rule stated plainly, independently of the store: per partition, against the newest event time accepted so far. */
function exactWindows(records: readonly Record_[], latenessMs: number): { plays: Map<number, number>; ms: Map<number, number>; late: number } {
  const newest = new Map<number, number>();
  const plays = new Map<number, number>();
  const ms = new Map<number, number>();
  let late = 0;
  for (const { partition, play: p } of records) {
    const start = Math.floor(p.tsMs / MINUTE_MS) * MINUTE_MS;
    const mark = newest.get(partition);
    if (mark !== undefined && start + MINUTE_MS + latenessMs <= mark) {
      late += 1;
      continue;
    }
    plays.set(start, (plays.get(start) ?? 0) + 1);
    ms.set(start, (ms.get(start) ?? 0) + p.msPlayed);
    newest.set(partition, Math.max(mark ?? -Infinity, p.tsMs));
  }
  return { plays, ms, late };
}

describe('WindowStore', () => {
  it('counts each event in its minute, with exact sums and breakdowns', () => {
    const store = new WindowStore(policy, shape);
    const now = T0 + 10 * MINUTE_MS;
    expect(store.admit(play(T0 + 5_000, { msPlayed: 30_000, isSkip: true, platformFamily: 'ios' }), 0, now)).toBe('accepted');
    expect(store.admit(play(T0 + 59_999, { msPlayed: 10_000, userId: 'u2' }), 0, now)).toBe('accepted');
    expect(store.admit(play(T0 + 60_000, { msPlayed: 5_000 }), 0, now)).toBe('accepted');
    const [first, second] = store.between(T0, T0 + 2 * MINUTE_MS);
    expect([first!.startMs, first!.plays, first!.skips, first!.msPlayed, first!.listeners.estimate()]).toEqual([T0, 2, 1, 40_000, 2]);
    expect(first!.platforms.get('ios')).toEqual({ plays: 1, skips: 1, msPlayed: 30_000 });
    expect(first!.platforms.get('android')).toEqual({ plays: 1, skips: 0, msPlayed: 10_000 });
    expect([second!.startMs, second!.plays]).toEqual([T0 + MINUTE_MS, 1]);
  });

  it('lets a late event update its own window until it ended more than the allowed lateness before its partition\'s watermark', () => {
    const store = new WindowStore(policy, shape);
    const now = T0 + 30 * MINUTE_MS;
    store.admit(play(T0 + 20 * MINUTE_MS), 0, now);
    // The 10:14 window ended at 10:15, exactly 5 minutes before partition 0's watermark (10:20): final.
    expect(store.admit(play(T0 + 14 * MINUTE_MS + 30_000), 0, now)).toBe('late');
    // 10:15 ended at 10:16, 4 minutes before: still open for late events.
    expect(store.admit(play(T0 + 15 * MINUTE_MS + 30_000), 0, now)).toBe('accepted');
    // Partition 1 has not got that far: the same old event is on time there.
    expect(store.admit(play(T0 + 14 * MINUTE_MS + 30_000), 1, now)).toBe('accepted');
    expect(store.at(T0 + 14 * MINUTE_MS)!.plays).toBe(1);
    expect(store.at(T0 + 15 * MINUTE_MS)!.plays).toBe(1);
  });

  it('agrees with an exact count of a stream with late events: same windows, same sums, same late drops', () => {
    const records = randomRecords(20_000, 4, 7, T0);
    const store = new WindowStore({ ...policy, horizonMs: 48 * 60 * MINUTE_MS }, shape);
    const now = T0 + 24 * 60 * MINUTE_MS;
    const outcomes: Record<Admission, number> = { accepted: 0, late: 0, outside_horizon: 0, future: 0 };
    for (const r of records) outcomes[store.admit(r.play, r.partition, now)] += 1;
    const exact = exactWindows(records, policy.allowedLatenessMs);
    expect(outcomes.late).toBe(exact.late);
    expect(exact.late).toBeGreaterThan(100);
    const windows = store.between(0, Number.MAX_SAFE_INTEGER);
    expect(new Map(windows.map((w) => [w.startMs, w.plays]))).toEqual(exact.plays);
    expect(new Map(windows.map((w) => [w.startMs, w.msPlayed]))).toEqual(exact.ms);
  });

  it('takes the same decisions whatever the interleaving of partitions, so a rebuild equals the live state', () => {
    const records = randomRecords(8_000, 3, 11, T0);
    const now = T0 + 24 * 60 * MINUTE_MS;
    const live = new WindowStore({ ...policy, horizonMs: 48 * 60 * MINUTE_MS }, shape);
    for (const r of records) live.admit(r.play, r.partition, now);
    // A rebuild reads each partition in one go, one after the other.
    const rebuilt = new WindowStore({ ...policy, horizonMs: 48 * 60 * MINUTE_MS }, shape);
    for (const partition of [2, 0, 1]) for (const r of records.filter((x) => x.partition === partition)) rebuilt.admit(r.play, r.partition, now);
    const figures = (store: WindowStore) => store.between(0, Number.MAX_SAFE_INTEGER).map((w) => [w.startMs, w.plays, w.skips, w.msPlayed, w.listeners.estimate(), [...w.countries].sort(([a], [b]) => (a < b ? -1 : 1))]);
    expect(figures(rebuilt)).toEqual(figures(live));
  });

  it('closes a window only when every partition has moved past it by the allowed lateness', () => {
    const store = new WindowStore(policy, shape);
    store.watermarks.setPartitionCount(2);
    const now = T0 + 60 * MINUTE_MS;
    store.admit(play(T0), 0, now);
    store.admit(play(T0 + 6 * MINUTE_MS), 0, now);
    const window = store.at(T0)!;
    expect(store.isClosed(window)).toBe(false); // partition 1 has shown nothing yet
    store.admit(play(T0 + 5 * MINUTE_MS + 59_999), 1, now);
    expect(store.isClosed(window)).toBe(false); // 10:00's window ends 10:01; + 5 min lateness = 10:06 > 10:05:59.999
    store.admit(play(T0 + 6 * MINUTE_MS), 1, now);
    expect(store.isClosed(window)).toBe(true);
  });

  it('does not count events dated too far ahead of the clock, and caps a partition\'s watermark at the clock', () => {
    const store = new WindowStore(policy, shape);
    const now = T0;
    expect(store.admit(play(now + 10 * MINUTE_MS + 1), 0, now)).toBe('future');
    expect(store.admit(play(now + 9 * MINUTE_MS), 0, now)).toBe('accepted');
    // A device clock nine minutes fast did not move the watermark past now: events of now are on time.
    expect(store.watermarks.of(0)).toBe(now);
    expect(store.admit(play(now - 5 * MINUTE_MS), 0, now)).toBe('accepted');
  });

  it('keeps only the horizon: older events are refused, windows past it evicted, at most maxWindows held', () => {
    const store = new WindowStore(policy, shape);
    let now = T0;
    expect(store.admit(play(T0 - 61 * MINUTE_MS), 0, now)).toBe('outside_horizon');
    for (let minute = 0; minute < 600; minute++) {
      now = T0 + minute * MINUTE_MS;
      store.admit(play(now), minute % 3, now);
      store.admit(play(now + 9 * MINUTE_MS), minute % 3, now);
      store.evict(now);
      expect(store.size).toBeLessThanOrEqual(store.maxWindows);
    }
    expect(store.size).toBe(61 + 9 + 1 - 1);
    expect(store.evictedWindows).toBe(600 + 9 - store.size);
    expect(store.between(0, Number.MAX_SAFE_INTEGER)[0]!.startMs).toBe(store.horizonStartMs(now));
  });
});

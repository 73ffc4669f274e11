import { HOUR_MS } from '../../../src/windows/hour-window';
import { MINUTE_MS } from '../../../src/windows/minute-window';
import type { Play } from '../../../src/windows/play';
import { WindowStore } from '../../../src/windows/window-store';
import { prng } from '../../fixtures/listening-fixtures';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const policy = { horizonMs: 3 * HOUR_MS, allowedLatenessMs: 5 * MINUTE_MS, maxFutureMs: 10 * MINUTE_MS };

function play(tsMs: number, track: string, artist = `artist-${track}`): Play {
  return { tsMs, userId: 'u1', msPlayed: 1_000, country: 'SE', platformFamily: 'android', contentType: 'track', isSkip: false, trackUri: track, trackName: track, artistName: artist };
}

/** A flat-ish catalog: 2,000 tracks, Zipf s = 0.7, over `minutes` minutes from T0, partitions 0..2 with some events late. */
function records(count: number, minutes: number, seed: number): Array<{ partition: number; play: Play }> {
  const random = prng(seed);
  const weights = Array.from({ length: 2_000 }, (_, i) => 1 / (i + 1) ** 0.7);
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const w of weights) cumulative.push((sum += w / total));
  const out: Array<{ partition: number; play: Play }> = [];
  for (let i = 0; i < count; i++) {
    const r = random();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    const onTime = T0 + Math.floor((i / count) * minutes * MINUTE_MS);
    // One in twenty up to 8 minutes late (the allowed lateness is 5): some update their minute and hour, some are dropped.
    const ts = random() < 0.05 ? Math.max(T0, onTime - Math.floor(random() * 8 * MINUTE_MS)) : onTime;
    out.push({ partition: i % 3, play: play(ts, `t${lo}`, `a${lo % 300}`) });
  }
  return out;
}

describe('the hourly tier of the top lists', () => {
  const shape = { topCapacity: 32, hllPrecision: 8, hourTopCapacity: 512 };
  const now = T0 + 3 * HOUR_MS - MINUTE_MS;
  const stream = records(150_000, 150, 21);
  const store = new WindowStore(policy, shape);
  /** Exact plays per track of every accepted event, by minute. */
  const exact = new Map<number, Map<string, number>>();
  for (const r of stream) {
    if (store.admit(r.play, r.partition, now) !== 'accepted') continue;
    const minute = Math.floor(r.play.tsMs / MINUTE_MS) * MINUTE_MS;
    const counts = exact.get(minute) ?? new Map<string, number>();
    counts.set(r.play.trackUri!, (counts.get(r.play.trackUri!) ?? 0) + 1);
    exact.set(minute, counts);
  }
  const exactBetween = (fromMs: number, toMs: number): Map<string, number> => {
    const total = new Map<string, number>();
    for (const [minute, counts] of exact) if (minute >= fromMs && minute < toMs) for (const [k, n] of counts) total.set(k, (total.get(k) ?? 0) + n);
    return total;
  };

  it('answers whole hours from the hourly sketches, and the partial hours of an unaligned period too when they bound tighter', () => {
    const aligned = store.topPlan(T0, T0 + 2 * HOUR_MS, 'tracks');
    expect(aligned.hourly).toEqual([T0, T0 + HOUR_MS]);
    expect(aligned.minutely).toEqual([]);
    // 10:37 to 11:37: 23 minutes of one hour, 37 of the next; a busy hour's sketch restricted to them beats 23 or 37 minute sketches.
    const unaligned = store.topPlan(T0 + 37 * MINUTE_MS, T0 + 97 * MINUTE_MS, 'tracks');
    expect(unaligned.hourly).toEqual([T0, T0 + HOUR_MS]);
    // One minute: its own sketch bounds tighter than the hour's (N_minute / 32 < N_hour / 512).
    const oneMinute = store.topPlan(T0 + 37 * MINUTE_MS, T0 + 38 * MINUTE_MS, 'tracks');
    expect(oneMinute.minutely).toEqual([T0 + 37 * MINUTE_MS]);
    expect(oneMinute.hourly).toEqual([]);
  });

  it('keeps every period\'s counts within their errors against exact counts, errors far under the minute tier\'s', () => {
    const periods: Array<[number, number]> = [
      [T0, T0 + HOUR_MS],
      [T0 + 37 * MINUTE_MS, T0 + 97 * MINUTE_MS],
      [T0 + 5 * MINUTE_MS, T0 + 150 * MINUTE_MS],
      [T0 + 61 * MINUTE_MS, T0 + 62 * MINUTE_MS],
      [T0 + 50 * MINUTE_MS, T0 + 70 * MINUTE_MS],
    ];
    for (const [fromMs, toMs] of periods) {
      const truth = exactBetween(fromMs, toMs);
      const top = store.top(fromMs, toMs, 'tracks', shape.topCapacity);
      expect(top.total).toBe([...truth.values()].reduce((a, b) => a + b, 0));
      for (const c of top.counters) {
        expect(c.count).toBeGreaterThanOrEqual(truth.get(c.key) ?? 0);
        expect(c.count - c.error).toBeLessThanOrEqual(truth.get(c.key) ?? 0);
      }
      const listed = new Set(top.counters.map((c) => c.key));
      for (const [key, n] of truth) {
        if (!listed.has(key)) expect(n).toBeLessThanOrEqual(top.unlistedBound);
        if (n > top.guaranteeThreshold) expect(listed.has(key)).toBe(true);
      }
      // The minute tier alone would have promised no better than the sum of its minutes' bounds.
      const minuteOnly = store.between(fromMs, toMs).reduce((s, w) => s + w.tracks.unmonitoredBound, 0);
      const worst = Math.max(...top.counters.map((c) => c.error));
      expect(worst).toBeLessThanOrEqual(minuteOnly);
    }
    const hour = store.top(T0 + 37 * MINUTE_MS, T0 + 97 * MINUTE_MS, 'tracks', shape.topCapacity);
    const minuteOnly = store.between(T0 + 37 * MINUTE_MS, T0 + 97 * MINUTE_MS).reduce((s, w) => s + w.tracks.unmonitoredBound, 0);
    expect(Math.max(...hour.counters.map((c) => c.error))).toBeLessThan(minuteOnly / 5);
  });

  it('counts a late event in the hour of the minute it updates, and drops it from both tiers past the lateness', () => {
    const s = new WindowStore(policy, { topCapacity: 8, hllPrecision: 8, hourTopCapacity: 64 });
    const clock = T0 + 2 * HOUR_MS;
    s.admit(play(T0 + 62 * MINUTE_MS, 'x'), 0, clock); // watermark 11:02
    expect(s.admit(play(T0 + 58 * MINUTE_MS, 'late-ok'), 0, clock)).toBe('accepted'); // 10:58 ended 10:59, 3 min before
    expect(s.admit(play(T0 + 55 * MINUTE_MS, 'too-late'), 0, clock)).toBe('late'); // 10:55 ended 10:56, 6 min before
    const tenOClock = s.hourAt(T0)!;
    expect(tenOClock.tracks.total).toBe(1);
    expect(tenOClock.tracks.totalOf(58)).toBe(1);
    const top = s.top(T0, T0 + 2 * HOUR_MS, 'tracks', 8);
    expect(new Map(top.counters.map((c) => [c.key, c.count]))).toEqual(new Map([['x', 1], ['late-ok', 1]]));
  });

  it('evicts an hour once none of its minutes is within the horizon, and answers only the minutes still held', () => {
    const s = new WindowStore({ ...policy, horizonMs: HOUR_MS }, { topCapacity: 8, hllPrecision: 8, hourTopCapacity: 64 });
    for (let m = 0; m < 120; m++) s.admit(play(T0 + m * MINUTE_MS, m < 60 ? 'early' : 'later'), 0, T0 + m * MINUTE_MS);
    s.evict(T0 + 90 * MINUTE_MS); // horizon start 10:30: minutes 10:30.. of the first hour remain
    expect(s.hourAt(T0)).toBeDefined();
    expect(s.hourCount).toBe(2);
    const top = s.top(T0, T0 + 2 * HOUR_MS, 'tracks', 8);
    expect(new Map(top.counters.map((c) => [c.key, c.count]))).toEqual(new Map([['early', 30], ['later', 60]]));
    s.evict(T0 + 121 * MINUTE_MS); // horizon start 11:01
    expect(s.hourAt(T0)).toBeUndefined();
    expect(s.hourCount).toBe(1);
    expect(s.hourCount).toBeLessThanOrEqual(s.maxHours);
    expect(s.top(T0, T0 + 2 * HOUR_MS, 'tracks', 8).total).toBe(59);
  });
});

import type { TopSource } from '../../../src/sketch/merged-top';
import { mergeTopSources } from '../../../src/sketch/merged-top';
import { SlicedSpaceSaving } from '../../../src/sketch/sliced-space-saving';
import { SpaceSaving } from '../../../src/sketch/space-saving';
import { prng } from '../../fixtures/listening-fixtures';

/** (key, slice) pairs: Zipf-popular keys (weight 1 / (i + 1)^s) spread over 60 slices, slices in random arrival order. */
function slicedStream(length: number, distinct: number, s: number, seed: number): Array<{ key: string; slice: number }> {
  const random = prng(seed);
  const cumulative: number[] = [];
  let sum = 0;
  const weights = Array.from({ length: distinct }, (_, i) => 1 / (i + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  for (const w of weights) cumulative.push((sum += w / total));
  return Array.from({ length }, () => {
    const r = random();
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return { key: `item-${lo}`, slice: Math.floor(random() * 60) };
  });
}

function exactIn(stream: ReadonlyArray<{ key: string; slice: number }>, slices: ReadonlySet<number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { key, slice } of stream) if (slices.has(slice)) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** A summary's promises against exact counts: counts are upper bounds, errors true, unlisted items below the bound. */
function expectSound(source: TopSource, exact: ReadonlyMap<string, number>, maxError: number): void {
  const listed = new Set<string>();
  for (const c of source.counters()) {
    listed.add(c.key);
    const truth = exact.get(c.key) ?? 0;
    expect(c.count).toBeGreaterThanOrEqual(truth);
    expect(c.count - c.error).toBeLessThanOrEqual(truth);
    expect(c.error).toBeLessThanOrEqual(maxError);
  }
  for (const [key, n] of exact) if (!listed.has(key)) expect(n).toBeLessThanOrEqual(source.unmonitoredBound);
  expect(source.total).toBe([...exact.values()].reduce((a, b) => a + b, 0));
}

describe('SlicedSpaceSaving (an hour, minute by minute)', () => {
  const capacity = 128;
  const stream = slicedStream(60_000, 5_000, 0.8, 3);
  const sketch = new SlicedSpaceSaving(capacity, 60);
  for (const { key, slice } of stream) sketch.add(key, key, null, slice);

  it('answers the whole stream within N / k, like one Space-Saving sketch', () => {
    const all = new Set(Array.from({ length: 60 }, (_, i) => i));
    const whole = sketch.restrictedTo((s) => all.has(s));
    expect(sketch.evictions).toBeGreaterThan(1_000);
    expectSound(whole, exactIn(stream, all), stream.length / capacity);
    expect(whole.unmonitoredBound).toBeLessThanOrEqual(stream.length / capacity);
  });

  it('answers any set of slices (edges of a period, scattered minutes) within the whole stream\'s N / k', () => {
    const random = prng(9);
    const sets: Array<Set<number>> = [new Set([0]), new Set([59]), new Set(Array.from({ length: 22 }, (_, i) => 38 + i)), new Set(Array.from({ length: 37 }, (_, i) => i))];
    for (let i = 0; i < 10; i++) sets.push(new Set(Array.from({ length: 60 }, (_, s) => s).filter(() => random() < 0.5)));
    for (const set of sets) expectSound(sketch.restrictedTo((s) => set.has(s)), exactIn(stream, set), stream.length / capacity);
  });

  it('is exact below its capacity, for any slices', () => {
    const small = new SlicedSpaceSaving(64, 60);
    const few = slicedStream(5_000, 50, 1, 5);
    for (const { key, slice } of few) small.add(key, key, null, slice);
    const set = new Set([1, 2, 3, 40]);
    const restricted = small.restrictedTo((s) => set.has(s));
    expect(restricted.unmonitoredBound).toBe(0);
    expect(new Map(restricted.counters().map((c) => [c.key, c.count]))).toEqual(exactIn(few, set));
    expect(restricted.counters().every((c) => c.error === 0)).toBe(true);
  });

  it('merges with minute sketches of another capacity keeping every promise', () => {
    // Minutes 0..9 from their own sketches (k = 16), 10..59 from the hour's.
    const minuteSketches = Array.from({ length: 10 }, () => new SpaceSaving(16));
    for (const { key, slice } of stream) if (slice < 10) minuteSketches[slice]!.add(key, key);
    const hourPart = sketch.restrictedTo((s) => s >= 10);
    const merged = mergeTopSources([...minuteSketches, hourPart], capacity);
    const exact = exactIn(stream, new Set(Array.from({ length: 60 }, (_, i) => i)));
    expect(merged.total).toBe(stream.length);
    for (const c of merged.counters) {
      expect(c.count).toBeGreaterThanOrEqual(exact.get(c.key) ?? 0);
      expect(c.count - c.error).toBeLessThanOrEqual(exact.get(c.key) ?? 0);
    }
    const listed = new Set(merged.counters.map((c) => c.key));
    for (const [key, n] of exact) if (!listed.has(key)) expect(n).toBeLessThanOrEqual(merged.unlistedBound);
    for (const [key, n] of exact) if (n > merged.guaranteeThreshold) expect(listed.has(key)).toBe(true);
  });
});

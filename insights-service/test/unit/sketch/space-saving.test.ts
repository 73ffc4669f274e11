import { mergeTop, upperBoundOf } from '../../../src/sketch/merged-top';
import { SpaceSaving, type Counter } from '../../../src/sketch/space-saving';
import { prng } from '../../fixtures/listening-fixtures';

/** A Zipf-distributed stream of keys over `distinct` items (item i with weight 1 / (i + 1)). */
function zipfStream(length: number, distinct: number, seed: number): string[] {
  const random = prng(seed);
  const weights = Array.from({ length: distinct }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative: number[] = [];
  let sum = 0;
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
    return `item-${lo}`;
  });
}

function exactCounts(stream: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of stream) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** Space-Saving's guarantees for `counters` summarising a stream of `total` items with `capacity` counters. */
function expectGuarantees(counters: readonly Counter[], exact: ReadonlyMap<string, number>, total: number, capacity: number): void {
  const bound = total / capacity;
  const listed = new Map(counters.map((c) => [c.key, c]));
  for (const [key, frequency] of exact) {
    // Every item more frequent than N/k is reported.
    if (frequency > bound) expect(listed.has(key)).toBe(true);
  }
  for (const c of counters) {
    const frequency = exact.get(c.key) ?? 0;
    // Counts overestimate, by at most the reported error, which is at most N/k.
    expect(c.count).toBeGreaterThanOrEqual(frequency);
    expect(c.count - c.error).toBeLessThanOrEqual(frequency);
    expect(c.error).toBeLessThanOrEqual(bound);
  }
}

describe('Space-Saving', () => {
  it('reports every item above N/k, each count an overestimate by at most its error (Zipf stream)', () => {
    const stream = zipfStream(200_000, 5_000, 1);
    const sketch = new SpaceSaving(100);
    for (const key of stream) sketch.add(key, key);
    expect(sketch.total).toBe(200_000);
    expect(sketch.size).toBe(100);
    expect(sketch.evictions).toBeGreaterThan(0);
    expectGuarantees(sketch.counters(), exactCounts(stream), sketch.total, 100);
    // Counters always sum to N: every item increments exactly one.
    expect(sketch.counters().reduce((sum, c) => sum + c.count, 0)).toBe(200_000);
  });

  it('keeps its guarantees on an adversarial stream (heavy items buried in a churn of singletons)', () => {
    const stream: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      stream.push(`churn-${i}`);
      if (i % 10 === 0) stream.push('heavy-a');
      if (i % 25 === 0) stream.push('heavy-b');
    }
    const sketch = new SpaceSaving(50);
    for (const key of stream) sketch.add(key, key);
    const exact = exactCounts(stream);
    expectGuarantees(sketch.counters(), exact, sketch.total, 50);
    expect(sketch.counters().slice(0, 2).map((c) => c.key)).toEqual(['heavy-a', 'heavy-b']);
  });

  it('is exact while there are no more distinct items than counters', () => {
    const stream = zipfStream(10_000, 40, 2);
    const sketch = new SpaceSaving(64);
    for (const key of stream) sketch.add(key, `label ${key}`, 'detail');
    const exact = exactCounts(stream);
    for (const c of sketch.counters()) {
      expect(c).toEqual({ key: c.key, label: `label ${c.key}`, detail: 'detail', count: exact.get(c.key), error: 0 });
    }
    expect(sketch.evictions).toBe(0);
    expect(sketch.unmonitoredBound).toBe(0);
  });

  it('lists counters highest first, ties by key', () => {
    const sketch = new SpaceSaving(8);
    for (const key of ['b', 'a', 'c', 'a', 'b', 'd']) sketch.add(key, key);
    expect(sketch.counters().map((c) => `${c.key}${c.count}`)).toEqual(['a2', 'b2', 'c1', 'd1']);
  });
});

describe('merging sketches (the windows of a period)', () => {
  const capacity = 64;
  const stream = zipfStream(120_000, 3_000, 3);
  // 60 windows of 2,000 items each, every window its own sketch.
  const windows = Array.from({ length: 60 }, (_, w) => stream.slice(w * 2_000, (w + 1) * 2_000));
  const sketches = windows.map((items) => {
    const sketch = new SpaceSaving(capacity);
    for (const key of items) sketch.add(key, key);
    return sketch;
  });

  it('keeps the guarantees over the whole period: every item above N/k kept, counts within their errors', () => {
    const merged = mergeTop(sketches, capacity);
    expect(merged.total).toBe(120_000);
    expect(merged.counters).toHaveLength(capacity);
    expectGuarantees(merged.counters, exactCounts(stream), merged.total, capacity);
  });

  it('bounds every unlisted item by unlistedBound, itself at most N/k', () => {
    const merged = mergeTop(sketches, capacity);
    const listed = new Set(merged.counters.map((c) => c.key));
    expect(merged.unlistedBound).toBeLessThanOrEqual(merged.total / capacity);
    for (const [key, frequency] of exactCounts(stream)) {
      if (!listed.has(key)) expect(frequency).toBeLessThanOrEqual(merged.unlistedBound);
      expect(upperBoundOf(merged, key)).toBeGreaterThanOrEqual(frequency);
    }
  });

  it('is the sketch itself when there is one', () => {
    const merged = mergeTop([sketches[0]!], capacity);
    expect(merged.counters).toEqual(sketches[0]!.counters());
  });

  it('refuses sketches of another capacity', () => {
    expect(() => mergeTop([new SpaceSaving(8)], capacity)).toThrow(RangeError);
  });
});

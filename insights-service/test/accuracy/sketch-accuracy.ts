/**
 * The sketches' accuracy as measured, for the README: not a test (the unit tests assert the bounds),
 * a reproducible measurement against exact counts on seeded streams.
 *
 *   node --import tsx insights-service/test/accuracy/sketch-accuracy.ts
 *
 * HyperLogLog: relative error of the distinct-listener estimate over many independent sets, RMS
 * against the stated standard error 1.04/√2^p. Space-Saving: one window's sketch and a merge of 60
 * (an hour) over a Zipf stream of track plays, the largest overestimate seen against the stated
 * bound N/k, whether every item above N/k was listed, and how many of the true top 10 are the
 * reported top 10.
 */
import { HyperLogLog } from '../../src/sketch/hyperloglog';
import { mergeTop } from '../../src/sketch/merged-top';
import { SpaceSaving, type Counter } from '../../src/sketch/space-saving';
import { prng } from '../fixtures/listening-fixtures';

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

function hyperLogLog(precision: number, distinct: number, sets: number): void {
  const errors: number[] = [];
  for (let set = 0; set < sets; set++) {
    const hll = new HyperLogLog(precision);
    for (let i = 0; i < distinct; i++) hll.add(`user-${set}-${i}`);
    errors.push(hll.estimate() / distinct - 1);
  }
  const rms = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / errors.length);
  const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
  const worst = Math.max(...errors.map(Math.abs));
  const within = errors.filter((e) => Math.abs(e) <= 2 * HyperLogLog.standardError(precision)).length;
  console.log(
    `HLL p=${precision} (${2 ** precision} B), ${distinct.toLocaleString('en-US')} distinct × ${sets} sets: RMS error ${pct(rms)} (stated ${pct(HyperLogLog.standardError(precision))}), ` +
      `mean ${pct(mean)}, worst ${pct(worst)}, within 2 standard errors ${within}/${sets}`,
  );
}

/** Item i of `distinct` with probability ∝ 1/(i+1) (Zipf, s = 1), like track popularity. */
function zipf(distinct: number, random: () => number): () => number {
  const cumulative = new Float64Array(distinct);
  let sum = 0;
  for (let i = 0; i < distinct; i++) cumulative[i] = sum += 1 / (i + 1);
  return () => {
    const r = random() * sum;
    let lo = 0;
    let hi = distinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function report(label: string, counters: readonly Counter[], exact: ReadonlyMap<string, number>, total: number, capacity: number): void {
  const bound = total / capacity;
  const overestimates = counters.map((c) => c.count - (exact.get(c.key) ?? 0));
  const errorsHeld = counters.every((c) => c.count - (exact.get(c.key) ?? 0) <= c.error);
  const listed = new Set(counters.map((c) => c.key));
  const frequent = [...exact].filter(([, n]) => n > bound);
  const missed = frequent.filter(([key]) => !listed.has(key)).length;
  const trueTop = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([key]) => key);
  const reportedTop = new Set(counters.slice(0, 10).map((c) => c.key));
  console.log(
    `${label}: N=${total.toLocaleString('en-US')}, k=${capacity}, bound N/k=${bound.toFixed(1)}; largest overestimate ${Math.max(...overestimates)} ` +
      `(${pct(Math.max(...overestimates) / bound)} of the bound), every count within its reported error: ${errorsHeld}; ` +
      `items above N/k: ${frequent.length}, missed ${missed}; true top 10 in reported top 10: ${trueTop.filter((k) => reportedTop.has(k)).length}/10`,
  );
}

function spaceSaving(capacity: number, perWindow: number, windows: number, distinct: number): void {
  const random = prng(42);
  const next = zipf(distinct, random);
  const sketches: SpaceSaving[] = [];
  const exactAll = new Map<string, number>();
  let firstExact: Map<string, number> | undefined;
  for (let w = 0; w < windows; w++) {
    const sketch = new SpaceSaving(capacity);
    const exact = new Map<string, number>();
    for (let i = 0; i < perWindow; i++) {
      const key = `track-${next()}`;
      sketch.add(key, key);
      exact.set(key, (exact.get(key) ?? 0) + 1);
      exactAll.set(key, (exactAll.get(key) ?? 0) + 1);
    }
    sketches.push(sketch);
    firstExact ??= exact;
  }
  report(`Space-Saving, one window`, sketches[0]!.counters(), firstExact!, perWindow, capacity);
  const merged = mergeTop(sketches, capacity);
  report(`Space-Saving, ${windows} windows merged`, merged.counters, exactAll, merged.total, capacity);
}

const started = performance.now();
hyperLogLog(12, 1_000, 200);
hyperLogLog(12, 100_000, 1_200);
hyperLogLog(14, 100_000, 50);
// 2,000 events/s is 120,000 plays a minute, over 50,000 tracks as the simulator's catalog.
spaceSaving(128, 120_000, 60, 50_000);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);

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
 *
 * The two tiers of the top lists on the simulator's own catalog (producer-service's PopularityModel,
 * 890,000 tracks: flat, the most played track ≈ 0.1 % of plays): an hour at 2,000 plays/s counted by
 * 60 minute sketches (k = 128) merged, and by one hourly sketch (k = 4,096, minute by minute); the
 * errors each reports against the top 10's true counts, for the whole hour and for its last 37
 * minutes (the partial edge hour of an unaligned "last 60 minutes").
 *
 *   node --expose-gc --import tsx insights-service/test/accuracy/sketch-accuracy.ts memory
 *
 * measures the heap bytes per counter of filled hourly sketches and per filled minute window
 * (process.memoryUsage: heapUsed + arrayBuffers after a full GC, before and after building them).
 */
import { HyperLogLog } from '../../src/sketch/hyperloglog';
import { PopularityModel } from '../../../producer-service/src/simulator/popularity-model';
import { mergeTop, mergeTopSources, type MergedTop } from '../../src/sketch/merged-top';
import { HourWindow } from '../../src/windows/hour-window';
import { MinuteWindow } from '../../src/windows/minute-window';
import type { Play } from '../../src/windows/play';
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

/** The top 10 as each tier reports it: mean and largest reported error relative to the true count, and rank agreement. */
function tierReport(label: string, top: MergedTop, exact: ReadonlyMap<string, number>): void {
  const trueTop = [...exact].sort((a, b) => b[1] - a[1]).slice(0, 10);
  const reported = top.counters.slice(0, 10);
  const relErrors = reported.map((c) => c.error / Math.max(1, exact.get(c.key) ?? 0));
  const heldErrors = top.counters.every((c) => c.count >= (exact.get(c.key) ?? 0) && c.count - c.error <= (exact.get(c.key) ?? 0));
  const found = trueTop.filter(([key]) => reported.some((c) => c.key === key)).length;
  // "Resolvable": the reported interval of rank r lies entirely above the one of rank r + 1 (the order is certain).
  let certain = 0;
  for (let r = 0; r + 1 < reported.length; r++) if (reported[r]!.count - reported[r]!.error > reported[r + 1]!.count) certain += 1;
  console.log(
    `${label}: N=${top.total.toLocaleString('en-US')}; true top 10 plays ${trueTop[0]![1]}..${trueTop[9]![1]}; reported top 10 e.g. ${reported
      .slice(0, 3)
      .map((c) => `${c.count} ±${c.error}`)
      .join(', ')}; largest error ${Math.max(...reported.map((c) => c.error))} (${pct(Math.max(...relErrors))} of the true count, mean ${pct(relErrors.reduce((a, b) => a + b, 0) / relErrors.length)}); ` +
      `true top 10 in reported top 10: ${found}/10; adjacent ranks ordered for certain: ${certain}/9; every count within its error: ${heldErrors}`,
  );
}

/** A realistic play of track `key` (URI and name lengths as the lake's). */
function playOf(key: number, tsMs: number, model: PopularityModel): Play {
  const artist = model.artistOfKey(key);
  return { tsMs, userId: 'u', msPlayed: 1, country: 'SE', platformFamily: 'ios', contentType: 'track', isSkip: false, trackUri: `spotify:track:${key.toString(36).padStart(22, '0')}`, trackName: `Track number ${key}`, artistName: `Artist ${artist}` };
}

function tiers(ratePerSecond: number): void {
  const model = new PopularityModel(890_000);
  const probabilities = model.probabilities();
  let top = 0;
  for (const p of probabilities) if (p > top) top = p;
  const random = prng(7);
  const rng = { next: random };
  const hourStart = Date.parse('2026-12-01T10:00:00Z');
  const shape = { topCapacity: 128, hllPrecision: 12 };
  const minutes = Array.from({ length: 60 }, (_, m) => new MinuteWindow(hourStart + m * 60_000, shape));
  const hour = new HourWindow(hourStart, 4_096);
  const exactAll = new Map<string, number>();
  const exactEdge = new Map<string, number>();
  const perMinute = ratePerSecond * 60;
  for (let m = 0; m < 60; m++) {
    for (let i = 0; i < perMinute; i++) {
      const play = playOf(model.sample(rng), hourStart + m * 60_000 + Math.floor((i / perMinute) * 60_000), model);
      minutes[m]!.add(play);
      hour.add(play);
      exactAll.set(play.trackUri!, (exactAll.get(play.trackUri!) ?? 0) + 1);
      if (m >= 23) exactEdge.set(play.trackUri!, (exactEdge.get(play.trackUri!) ?? 0) + 1);
    }
  }
  console.log(`simulator catalog (PopularityModel, 890,000 tracks): most played track ${pct(top)} of plays; an hour at ${ratePerSecond.toLocaleString('en-US')} plays/s`);
  tierReport('  minute tier, 60 × k=128 merged, whole hour', mergeTop(minutes.map((w) => w.tracks), 128), exactAll);
  tierReport('  hourly tier, k=4,096, whole hour', mergeTopSources([hour.tracks.restrictedTo(() => true)], 128), exactAll);
  tierReport('  minute tier, last 37 minutes', mergeTop(minutes.slice(23).map((w) => w.tracks), 128), exactEdge);
  tierReport('  hourly tier restricted to the last 37 minutes', mergeTopSources([hour.tracks.restrictedTo((m) => m >= 23)], 128), exactEdge);
}

/** Heap bytes per counter of filled hourly sketches, and per filled minute window. */
function memory(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  const model = new PopularityModel(890_000);
  const random = prng(11);
  const rng = { next: random };
  const used = (): number => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const t0 = Date.parse('2026-12-01T10:00:00Z');
  const hours: HourWindow[] = [];
  let before = used();
  // 6 hours, each filled with 1.2 M plays (every counter taken, many evictions: the strings of the last items kept).
  for (let h = 0; h < 6; h++) {
    const hour = new HourWindow(t0 + h * 3_600_000, 4_096);
    for (let i = 0; i < 1_200_000; i++) hour.add(playOf(model.sample(rng), t0 + h * 3_600_000 + (i % 60) * 60_000, model));
    hours.push(hour);
  }
  const hourBytes = (used() - before) / hours.length;
  const minutesHeld: MinuteWindow[] = [];
  before = used();
  for (let m = 0; m < 60; m++) {
    const window = new MinuteWindow(t0 + m * 60_000, { topCapacity: 128, hllPrecision: 12 });
    for (let i = 0; i < 120_000; i++) window.add({ ...playOf(model.sample(rng), t0 + m * 60_000, model), userId: `user-${Math.floor(random() * 1e6)}`, country: `C${i % 40}` });
    minutesHeld.push(window);
  }
  const minuteBytes = (used() - before) / minutesHeld.length;
  const perCounter = hourBytes / (2 * 4_096);
  const hoursAt24h = 25;
  console.log(`hourly window (2 sketches × 4,096 counters, 60 minute slices): ${(hourBytes / 1024 / 1024).toFixed(2)} MiB, ${perCounter.toFixed(0)} B per counter (of which ${(60 * 4).toFixed(0)} B the per-minute counts)`);
  console.log(`minute window (HLL p=12, 2 × 128 counters, breakdowns): ${(minuteBytes / 1024).toFixed(0)} KiB`);
  console.log(
    `24 h horizon at 2,000 events/s: 1,440 minute windows ${((1_440 * minuteBytes) / 1024 / 1024).toFixed(0)} MiB + ${hoursAt24h} hourly windows ${((hoursAt24h * hourBytes) / 1024 / 1024).toFixed(0)} MiB ` +
      `(the bound with INSIGHTS_MAX_FUTURE_MS = 24 h: 50 hourly windows, ${((50 * hourBytes) / 1024 / 1024).toFixed(0)} MiB)`,
  );
  if (hours.length + minutesHeld.length === 0) console.log('');
}

const started = performance.now();
if (process.argv[2] === 'memory') {
  memory();
  process.exit(0);
}
hyperLogLog(12, 1_000, 200);
hyperLogLog(12, 100_000, 1_200);
hyperLogLog(14, 100_000, 50);
// 2,000 events/s is 120,000 plays a minute, over 50,000 tracks as the simulator's catalog.
spaceSaving(128, 120_000, 60, 50_000);
tiers(2_000);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);

import { mergeTopSources, type MergedTop, type TopSource } from '../sketch/merged-top.js';
import { floorHour, HOUR_MS, HourWindow } from './hour-window.js';
import { MINUTE_MS, MinuteWindow, type WindowShape } from './minute-window.js';
import { PartitionWatermarks } from './partition-watermarks.js';
import type { Play } from './play.js';

/** What became of one valid event. */
export type Admission = 'accepted' | 'late' | 'outside_horizon' | 'future';

export interface WindowPolicy {
  /** How far back windows are kept, from the service's clock. */
  horizonMs: number;
  /** How long after a window ends (in its partition's event time) late events still update it. */
  allowedLatenessMs: number;
  /** Events dated further ahead of the service's clock than this are not counted (broken device clocks). */
  maxFutureMs: number;
}

export const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/** Counters of each hourly top sketch when the shape does not say (INSIGHTS_HOUR_TOP_CAPACITY's default). */
export const DEFAULT_HOUR_TOP_CAPACITY = 4_096;

/** Which top list. */
export type TopKind = 'tracks' | 'artists';

/** The summaries a period's top list merges, and where each came from (for tests and the README). */
export interface TopPlan {
  sources: TopSource[];
  /** Hours answered from their hourly sketch (start of each). */
  hourly: number[];
  /** Minutes answered from their own minute sketch (start of each). */
  minutely: number[];
}

/**
 * The one-minute event-time windows of the horizon, created when their first event arrives and
 * dropped when they fall out of the horizon: at most (horizon + max future) / 1 min windows, each of
 * bounded size (MinuteWindow), whatever the event rate.
 *
 * An event is counted in its own window unless
 * - it is dated more than maxFuture ahead of the clock (`future`),
 * - its window starts before the horizon (`outside_horizon`), or
 * - its window ended more than the allowed lateness before its partition's watermark (`late`):
 *   from then on the window is final as far as that partition goes.
 * A window is *closed* when that holds for every partition of the topic: no event can change it any
 * more, which is when its figures equal the lake's for the same events.
 */
export class WindowStore {
  private readonly windows = new Map<number, MinuteWindow>();
  /** The hourly tier of the top lists: one per hour holding at least one window. */
  private readonly hours = new Map<number, HourWindow>();
  private ordered: MinuteWindow[] | undefined;
  readonly watermarks = new PartitionWatermarks();
  /** Windows dropped at the horizon so far. */
  evictedWindows = 0;
  /** Top-sketch counters taken over in windows already dropped (the live ones report their own). */
  private evictedSketchCounters = 0;
  private evictedHourSketchCounters = 0;

  constructor(
    readonly policy: WindowPolicy,
    readonly shape: WindowShape,
  ) {}

  /** Start of the oldest window kept at `nowMs`. */
  horizonStartMs(nowMs: number): number {
    return floorMinute(nowMs - this.policy.horizonMs);
  }

  /** The most windows the store can hold: its memory bound in windows. */
  get maxWindows(): number {
    return Math.ceil((this.policy.horizonMs + this.policy.maxFutureMs) / MINUTE_MS) + 2;
  }

  get size(): number {
    return this.windows.size;
  }

  /** The most hourly windows the store can hold. */
  get maxHours(): number {
    return Math.ceil((this.policy.horizonMs + this.policy.maxFutureMs) / HOUR_MS) + 2;
  }

  get hourCount(): number {
    return this.hours.size;
  }

  get hourTopCapacity(): number {
    return this.shape.hourTopCapacity ?? DEFAULT_HOUR_TOP_CAPACITY;
  }

  admit(play: Play, partition: number, nowMs: number): Admission {
    if (play.tsMs > nowMs + this.policy.maxFutureMs) return 'future';
    const start = floorMinute(play.tsMs);
    if (start < this.horizonStartMs(nowMs)) return 'outside_horizon';
    const mark = this.watermarks.of(partition);
    if (mark !== undefined && start + MINUTE_MS + this.policy.allowedLatenessMs <= mark) return 'late';
    let window = this.windows.get(start);
    if (!window) {
      window = new MinuteWindow(start, this.shape);
      this.windows.set(start, window);
      this.ordered = undefined;
    }
    window.add(play);
    // The hour's sketches take exactly the plays its minute windows take: a late event updates the
    // hour of the minute it updates.
    const hourStart = floorHour(start);
    let hour = this.hours.get(hourStart);
    if (!hour) {
      hour = new HourWindow(hourStart, this.hourTopCapacity);
      this.hours.set(hourStart, hour);
    }
    hour.add(play);
    this.watermarks.observe(partition, play.tsMs, nowMs);
    return 'accepted';
  }

  /** Drops the windows that fell out of the horizon; returns how many. */
  evict(nowMs: number): number {
    const horizonStart = this.horizonStartMs(nowMs);
    let dropped = 0;
    for (const [start, window] of this.windows) {
      if (start >= horizonStart) continue;
      this.evictedSketchCounters += window.sketchEvictions;
      this.windows.delete(start);
      dropped += 1;
    }
    if (dropped > 0) {
      this.evictedWindows += dropped;
      this.ordered = undefined;
    }
    // An hour goes once none of its minutes can be kept; until then a query masks the minutes gone.
    for (const [start, hour] of this.hours) {
      if (hour.endMs > horizonStart) continue;
      this.evictedHourSketchCounters += hour.sketchEvictions;
      this.hours.delete(start);
    }
    return dropped;
  }

  /** Top-sketch counters taken over so far, in every window ever held. */
  get sketchEvictions(): number {
    let live = 0;
    for (const window of this.windows.values()) live += window.sketchEvictions;
    return this.evictedSketchCounters + live;
  }

  /** True when no event can change the window any more (see the class comment). */
  isClosed(window: MinuteWindow): boolean {
    const low = this.watermarks.low();
    return low !== undefined && window.endMs + this.policy.allowedLatenessMs <= low;
  }

  /** Windows starting in [fromMs, toMs), oldest first. */
  between(fromMs: number, toMs: number): MinuteWindow[] {
    this.ordered ??= [...this.windows.values()].sort((a, b) => a.startMs - b.startMs);
    return this.ordered.filter((w) => w.startMs >= fromMs && w.startMs < toMs);
  }

  at(startMs: number): MinuteWindow | undefined {
    return this.windows.get(startMs);
  }

  hourAt(startMs: number): HourWindow | undefined {
    return this.hours.get(startMs);
  }

  /** Counters taken over in the hourly sketches so far. */
  get hourSketchEvictions(): number {
    let live = 0;
    for (const hour of this.hours.values()) live += hour.sketchEvictions;
    return this.evictedHourSketchCounters + live;
  }

  /**
   * Which summaries answer the top list of [fromMs, toMs): hour by hour, either the hourly sketch
   * restricted to the period's minutes that still have a window (a whole hour, or the partial hour
   * at either edge), or those minutes' own sketches — whichever bounds an unlisted item's plays
   * tighter (the hourly sketch's smallest count against the sum of the minute sketches'). A period
   * of whole hours uses the hourly tier; a few minutes with few distinct items (exact minute
   * sketches), or a single minute of a busy hour, use the minute tier.
   */
  topPlan(fromMs: number, toMs: number, kind: TopKind): TopPlan {
    const plan: TopPlan = { sources: [], hourly: [], minutely: [] };
    const byHour = new Map<number, MinuteWindow[]>();
    for (const window of this.between(fromMs, toMs)) {
      const hourStart = floorHour(window.startMs);
      const group = byHour.get(hourStart);
      if (group) group.push(window);
      else byHour.set(hourStart, [window]);
    }
    for (const [hourStart, windows] of byHour) {
      const minuteSketches = windows.map((w) => w[kind]);
      const hour = this.hours.get(hourStart);
      if (hour) {
        const minutes = new Set(windows.map((w) => (w.startMs - hourStart) / MINUTE_MS));
        const restricted = hour[kind].restrictedTo((minute) => minutes.has(minute));
        const minuteBound = minuteSketches.reduce((sum, sketch) => sum + sketch.unmonitoredBound, 0);
        if (restricted.unmonitoredBound <= minuteBound) {
          plan.sources.push(restricted);
          plan.hourly.push(hourStart);
          continue;
        }
      }
      plan.sources.push(...minuteSketches);
      plan.minutely.push(...windows.map((w) => w.startMs));
    }
    return plan;
  }

  /** The top list of [fromMs, toMs), `capacity` entries kept, from both tiers (see topPlan). */
  top(fromMs: number, toMs: number, kind: TopKind, capacity: number): MergedTop {
    return mergeTopSources(this.topPlan(fromMs, toMs, kind).sources, capacity);
  }
}

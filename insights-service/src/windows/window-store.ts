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
  private ordered: MinuteWindow[] | undefined;
  readonly watermarks = new PartitionWatermarks();
  /** Windows dropped at the horizon so far. */
  evictedWindows = 0;
  /** Top-sketch counters taken over in windows already dropped (the live ones report their own). */
  private evictedSketchCounters = 0;

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
}

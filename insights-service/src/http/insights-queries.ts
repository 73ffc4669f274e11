import { mergeTop } from '../sketch/merged-top.js';
import { MINUTE_MS } from '../windows/minute-window.js';
import { summarize } from '../windows/range-summary.js';
import { trendingFromTops, type TrendingTrack } from '../windows/trending.js';
import { floorMinute, type WindowStore } from '../windows/window-store.js';
import { summaryView, topEntries, topView, windowView, type SummaryView, type TopView, type WindowView } from './views.js';

/** The service's state apart from the windows: rebuild, partitions, freshness, what was skipped. */
export interface StatusView {
  now: string;
  rebuilding: boolean;
  rebuildDurationMs: number;
  rebuildRecords: number;
  partitions: Array<{ partition: number; watermark: string | null }>;
  /** Newest event time read (over all partitions). */
  newestEventTime: string | null;
  /** Windows ending at or before this are closed (lowest partition watermark minus the allowed lateness). */
  closedThrough: string | null;
  lastRecordAt: string | null;
  eventsPerSecond: number;
  /** No record for longer than staleAfterMs (or none yet). */
  stale: boolean;
  staleAfterMs: number;
  records: Record<string, number>;
  skipped: Record<string, number>;
  windows: number;
  windowsMax: number;
  horizonMs: number;
  allowedLatenessMs: number;
}

export interface LiveView {
  status: StatusView;
  summary: SummaryView;
  perMinute: Array<{ start: string; plays: number; skips: number; listeningMinutes: number; listeners: number; closed: boolean }>;
  topTracks: TopView;
  topArtists: TopView;
  trending: TrendingTrack[];
}

export interface QueryOptions {
  topCapacity: number;
  hllPrecision: number;
  trendingMinPlays: number;
  now: () => number;
}

/** The API's questions over the window store; every answer is computed from the windows alone. */
export class InsightsQueries {
  constructor(
    private readonly store: WindowStore,
    private readonly status: () => StatusView,
    private readonly options: QueryOptions,
  ) {}

  /** The last `minutes` minutes, the current (still filling) minute included. */
  lastMinutes(minutes: number): { fromMs: number; toMs: number } {
    const toMs = floorMinute(this.options.now()) + MINUTE_MS;
    return { fromMs: toMs - minutes * MINUTE_MS, toMs };
  }

  summary(fromMs: number, toMs: number): SummaryView {
    return summaryView(summarize(this.store.between(fromMs, toMs), this.options.hllPrecision), fromMs, toMs);
  }

  windows(fromMs: number, toMs: number, top: number): WindowView[] {
    return this.store.between(fromMs, toMs).map((window) => {
      const view = windowView(window, summarize([window], this.options.hllPrecision), this.store.isClosed(window));
      if (top > 0) {
        view.topTracks = topEntries(mergeTop([window.tracks], this.options.topCapacity), top);
        view.topArtists = topEntries(mergeTop([window.artists], this.options.topCapacity), top);
      }
      return view;
    });
  }

  topTracks(fromMs: number, toMs: number, limit: number): TopView {
    // Both tiers: the hourly sketches for the period's hours, minute sketches where they bound tighter.
    return topView(this.store.top(fromMs, toMs, 'tracks', this.options.topCapacity), fromMs, toMs, limit);
  }

  topArtists(fromMs: number, toMs: number, limit: number): TopView {
    return topView(this.store.top(fromMs, toMs, 'artists', this.options.topCapacity), fromMs, toMs, limit);
  }

  /** Tracks rising fastest over the last `minutes` against the `minutes` before. */
  trending(minutes: number, limit: number): TrendingTrack[] {
    const { fromMs, toMs } = this.lastMinutes(minutes);
    const span = toMs - fromMs;
    const capacity = this.options.topCapacity;
    return trendingFromTops(this.store.top(fromMs, toMs, 'tracks', capacity), this.store.top(fromMs - span, fromMs, 'tracks', capacity), {
      limit,
      minPlays: this.options.trendingMinPlays,
    });
  }

  /** What the live page shows, pushed every second. */
  live(minutes: number, limit = 10): LiveView {
    const { fromMs, toMs } = this.lastMinutes(minutes);
    const windows = this.store.between(fromMs, toMs);
    return {
      status: this.status(),
      summary: this.summary(fromMs, toMs),
      perMinute: windows.map((w) => ({
        start: new Date(w.startMs).toISOString(),
        plays: w.plays,
        skips: w.skips,
        listeningMinutes: Math.round((w.msPlayed / 60_000) * 10) / 10,
        listeners: w.listeners.estimate(),
        closed: this.store.isClosed(w),
      })),
      topTracks: this.topTracks(fromMs, toMs, limit),
      topArtists: this.topArtists(fromMs, toMs, limit),
      trending: this.trending(60, 5),
    };
  }
}

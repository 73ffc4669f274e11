import { HyperLogLog } from '../sketch/hyperloglog.js';
import { mergeTop, type MergedTop } from '../sketch/merged-top.js';
import { addTallies, type MinuteWindow, type Tally } from './minute-window.js';

/** Totals of a run of windows: exact sums, one distinct-listener estimate for the whole run. */
export interface RangeSummary {
  windows: number;
  plays: number;
  skips: number;
  msPlayed: number;
  /** Distinct listeners over the whole run (the union of the windows' sketches, not a sum). */
  listeners: number;
  /** Relative standard error of `listeners`. */
  listenersStandardError: number;
  platforms: Map<string, Tally>;
  contentTypes: Map<string, Tally>;
  countries: Map<string, Tally>;
}

export function summarize(windows: readonly MinuteWindow[], hllPrecision: number): RangeSummary {
  const summary: RangeSummary = {
    windows: windows.length,
    plays: 0,
    skips: 0,
    msPlayed: 0,
    listeners: 0,
    listenersStandardError: HyperLogLog.standardError(hllPrecision),
    platforms: new Map(),
    contentTypes: new Map(),
    countries: new Map(),
  };
  for (const window of windows) {
    summary.plays += window.plays;
    summary.skips += window.skips;
    summary.msPlayed += window.msPlayed;
    addTallies(summary.platforms, window.platforms);
    addTallies(summary.contentTypes, window.contentTypes);
    addTallies(summary.countries, window.countries);
  }
  summary.listeners = windows.length === 1 ? windows[0]!.listeners.estimate() : HyperLogLog.union(hllPrecision, windows.map((w) => w.listeners)).estimate();
  return summary;
}

export function topTracks(windows: readonly MinuteWindow[], capacity: number): MergedTop {
  return mergeTop(windows.map((w) => w.tracks), capacity);
}

export function topArtists(windows: readonly MinuteWindow[], capacity: number): MergedTop {
  return mergeTop(windows.map((w) => w.artists), capacity);
}

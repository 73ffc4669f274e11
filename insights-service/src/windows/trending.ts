import { mergeTop, type MergedTop } from '../sketch/merged-top.js';
import type { MinuteWindow } from './minute-window.js';

export interface TrendingTrack {
  trackUri: string;
  trackName: string;
  artistName: string | null;
  /** Plays in the current period: at least `playsLow`, at most `plays`. */
  plays: number;
  playsLow: number;
  /** Plays in the previous period, at most (an upper bound: sketches never undercount). */
  previousPlaysHigh: number;
  /** (playsLow + 1) / (previousPlaysHigh + 1): how many times more, counted conservatively. */
  growth: number;
}

export interface TrendingOptions {
  capacity: number;
  limit: number;
  /** A track needs at least this many plays (lower bound) in the current period to trend. */
  minPlays: number;
}

/**
 * The tracks rising fastest: plays in the current period against the previous one of the same
 * length (the last hour against the hour before). Both counts come from merged Space-Saving
 * sketches, so the ratio is taken between the current plays' lower bound and the previous plays'
 * upper bound: a track listed here rose at least that much, whatever the sketches' errors.
 */
export function trendingTracks(current: readonly MinuteWindow[], previous: readonly MinuteWindow[], options: TrendingOptions): TrendingTrack[] {
  return trendingFromTops(mergeTop(current.map((w) => w.tracks), options.capacity), mergeTop(previous.map((w) => w.tracks), options.capacity), options);
}

/** The same from the two periods' top lists however they were merged (the service: both tiers). */
export function trendingFromTops(now: MergedTop, before: MergedTop, options: Omit<TrendingOptions, 'capacity'>): TrendingTrack[] {
  const previousHigh = new Map(before.counters.map((c) => [c.key, c.count]));
  const rising: TrendingTrack[] = [];
  for (const counter of now.counters) {
    const playsLow = counter.count - counter.error;
    if (playsLow < options.minPlays) continue;
    const previousPlaysHigh = previousHigh.get(counter.key) ?? before.unlistedBound;
    const growth = (playsLow + 1) / (previousPlaysHigh + 1);
    if (growth <= 1) continue;
    rising.push({ trackUri: counter.key, trackName: counter.label, artistName: counter.detail, plays: counter.count, playsLow, previousPlaysHigh, growth });
  }
  rising.sort((a, b) => b.growth - a.growth || b.playsLow - a.playsLow || (a.trackUri < b.trackUri ? -1 : 1));
  return rising.slice(0, options.limit);
}

import { SlicedSpaceSaving } from '../sketch/sliced-space-saving.js';
import { MINUTE_MS } from './minute-window.js';
import type { Play } from './play.js';

export const HOUR_MS = 60 * MINUTE_MS;
export const MINUTES_PER_HOUR = 60;

export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;

/**
 * The second tier of the top lists: one hour of event time, [startMs, startMs + 1 h), with a top-tracks
 * and a top-artists Space-Saving sketch of `capacity` counters (INSIGHTS_HOUR_TOP_CAPACITY, far more
 * than a minute's) fed with every play the hour's minute windows accept, minute by minute
 * (SlicedSpaceSaving): a period's top list takes from it any set of the hour's minutes with the error
 * of one sketch over the hour (≤ N_hour / capacity) instead of the sum of the minutes' errors.
 */
export class HourWindow {
  readonly tracks: SlicedSpaceSaving;
  readonly artists: SlicedSpaceSaving;

  constructor(
    readonly startMs: number,
    capacity: number,
  ) {
    this.tracks = new SlicedSpaceSaving(capacity, MINUTES_PER_HOUR);
    this.artists = new SlicedSpaceSaving(capacity, MINUTES_PER_HOUR);
  }

  get endMs(): number {
    return this.startMs + HOUR_MS;
  }

  /** Counts a play the minute window of its minute accepted (the same rule: see MinuteWindow.add). */
  add(play: Play): void {
    const minute = Math.floor((play.tsMs - this.startMs) / MINUTE_MS);
    if (play.trackUri !== null) this.tracks.add(play.trackUri, play.trackName ?? play.trackUri, play.artistName, minute);
    if (play.artistName !== null) this.artists.add(play.artistName, play.artistName, null, minute);
  }

  get sketchEvictions(): number {
    return this.tracks.evictions + this.artists.evictions;
  }
}

import { HyperLogLog } from '../sketch/hyperloglog.js';
import { SpaceSaving } from '../sketch/space-saving.js';
import type { Play } from './play.js';

export const MINUTE_MS = 60_000;

/** Plays, skips and milliseconds played of one slice (a platform family, a country, a content type). */
export interface Tally {
  plays: number;
  skips: number;
  msPlayed: number;
}

export interface WindowShape {
  /** Counters per top-tracks and top-artists sketch (k). */
  topCapacity: number;
  /** HyperLogLog precision of the distinct-listener sketch. */
  hllPrecision: number;
  /** Counters per hourly top sketch (the second tier, see HourWindow); 4,096 when not given. */
  hourTopCapacity?: number;
}

/**
 * One minute of event time, [startMs, startMs + 1 min): exact counts (plays, skips, milliseconds
 * played, and the same per platform family, content type and country), distinct listeners as a
 * HyperLogLog, and top tracks and artists as Space-Saving sketches. Memory is bounded by the shape:
 * the breakdowns are closed vocabularies (9 families, 4 content types, at most 26² two-letter
 * country codes by the contract), the sketches have fixed sizes.
 */
export class MinuteWindow {
  plays = 0;
  skips = 0;
  msPlayed = 0;
  readonly listeners: HyperLogLog;
  readonly tracks: SpaceSaving;
  readonly artists: SpaceSaving;
  readonly platforms = new Map<string, Tally>();
  readonly contentTypes = new Map<string, Tally>();
  readonly countries = new Map<string, Tally>();

  constructor(
    readonly startMs: number,
    shape: WindowShape,
  ) {
    this.listeners = new HyperLogLog(shape.hllPrecision);
    this.tracks = new SpaceSaving(shape.topCapacity);
    this.artists = new SpaceSaving(shape.topCapacity);
  }

  get endMs(): number {
    return this.startMs + MINUTE_MS;
  }

  add(play: Play): void {
    this.plays += 1;
    this.msPlayed += play.msPlayed;
    if (play.isSkip) this.skips += 1;
    this.listeners.add(play.userId);
    // The lake's top tracks group by track_uri (plays without one are episodes, audiobooks, unknown);
    // its top artists by artist_name where it is set.
    if (play.trackUri !== null) this.tracks.add(play.trackUri, play.trackName ?? play.trackUri, play.artistName);
    if (play.artistName !== null) this.artists.add(play.artistName, play.artistName);
    tally(this.platforms, play.platformFamily, play);
    tally(this.contentTypes, play.contentType, play);
    tally(this.countries, play.country, play);
  }

  /** Top-sketch counters replaced so far (the memory bound at work), tracks and artists together. */
  get sketchEvictions(): number {
    return this.tracks.evictions + this.artists.evictions;
  }
}

function tally(slices: Map<string, Tally>, key: string, play: Play): void {
  let slice = slices.get(key);
  if (!slice) {
    slice = { plays: 0, skips: 0, msPlayed: 0 };
    slices.set(key, slice);
  }
  slice.plays += 1;
  slice.msPlayed += play.msPlayed;
  if (play.isSkip) slice.skips += 1;
}

/** Adds `from`'s slices into `into` (range totals). */
export function addTallies(into: Map<string, Tally>, from: ReadonlyMap<string, Tally>): void {
  for (const [key, slice] of from) {
    const total = into.get(key);
    if (total) {
      total.plays += slice.plays;
      total.skips += slice.skips;
      total.msPlayed += slice.msPlayed;
    } else {
      into.set(key, { ...slice });
    }
  }
}

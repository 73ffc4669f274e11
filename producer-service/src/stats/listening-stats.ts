import { localTime } from '../simulator/daily-cycle.js';
import { countryByCode } from '../simulator/listener-countries.js';
import { timeZone, type TimeZone } from '../simulator/time-zones.js';
import { dailyCycleFigures, emptyHours, localHourExposure, perExposure, type SessionStartHours } from './daily-cycle-figures.js';
import { PlatformClass, platformClass } from './platform-class.js';
import { popularityFigures } from './popularity-figures.js';
import { measured, type MeasuredFigure } from './published-figures.js';

/** The fields of a listening event (or a replayed export row mapped to one) the statistics read. */
export interface StatsEvent {
  ts: string;
  user_id: string;
  platform: string;
  ms_played: number;
  conn_country: string;
  track_uri: string | null;
  track_name: string | null;
  artist_name: string | null;
  reason_end: string | null;
  skipped: boolean | null;
  artist_uri?: string | null;
}

export interface StatsOptions {
  /** Energy (0–1) per track URI, from Track records (`--track-features`): for "calmer music late at night". */
  energyByTrackUri?: ReadonlyMap<string, number>;
  /** Popularity figures from a model's exact shares instead of the sample's counts, where the sample cannot show them. */
  modelPopularity?: { tracks: ArrayLike<number>; artists: ArrayLike<number> };
}

/** Figures for context, with no published target (docs/spotify-data.md: "no verified median length"). */
export interface ContextFigure {
  id: string;
  label: string;
  value: number | null;
}

export interface StatsReport {
  events: number;
  musicPlays: number;
  figures: MeasuredFigure[];
  context: ContextFigure[];
}

const SESSION_GAP_MS = 30 * 60_000;
const SKIPPED_FALSE_FROM = Date.UTC(2015, 3, 1);
const SKIPPED_FALSE_UNTIL = Date.UTC(2022, 10, 1);

class Share {
  hits = 0;
  of = 0;
  add(hit: boolean): void {
    this.of++;
    if (hit) this.hits++;
  }
  get value(): number | null {
    return this.of > 0 ? this.hits / this.of : null;
  }
}

/**
 * Accumulates listening events, one at a time (a file or a topic can be any size), and computes
 * every figure of docs/spotify-data.md from them (published-figures.ts). Local times come from the
 * country's time zone (events carry no zone; for countries with several, the population's middle
 * one: listener-countries.ts), sessions from the usual 30-minute inactivity rule. Per event it keeps
 * 23 bytes for the sessions, a number per distinct (listener, track), and a count per track and artist.
 */
export class ListeningStats {
  private events = 0;
  private music = 0;
  private readonly within5s = new Share();
  private readonly within10s = new Share();
  private readonly within30s = new Share();
  private readonly beforeEnd = new Share();
  private readonly beforeEndMobile = new Share();
  private readonly beforeEndDesktop = new Share();
  private readonly beforeEndMorning = new Share();
  private readonly beforeEndRestOfDay = new Share();
  private readonly beforeEndWeekend = new Share();
  private readonly beforeEndWeekday = new Share();
  private readonly skippedInNoSkipYears = new Share();
  /** Tracks by number (track_uri, else name and artist), their play counts; artists likewise. */
  private readonly trackNumbers = new Map<string, number>();
  private trackCounts: Int32Array = new Int32Array(1 << 16);
  private readonly artistCounts = new Map<string, number>();
  private readonly repeats = new Share();
  /** (user number, track number) pairs seen, as one number each: what "played earlier" looks up. */
  private readonly seen = new Set<number>();
  private nightEnergy = { sum: 0, n: 0 };
  private dayEnergy = { sum: 0, n: 0 };
  /** Per event, for sessions: user number, start, end, platform class, zone number (-1: unknown country). */
  private readonly userNumbers = new Map<string, number>();
  private users: Int32Array = new Int32Array(1 << 16);
  private starts: Float64Array = new Float64Array(1 << 16);
  private ends: Float64Array = new Float64Array(1 << 16);
  private classes: Uint8Array = new Uint8Array(1 << 16);
  private zoneOf: Int16Array = new Int16Array(1 << 16);
  private readonly zones: Array<TimeZone | undefined> = [];
  private readonly zoneNumbers = new Map<string, number>();

  constructor(private readonly options: StatsOptions = {}) {}

  add(event: StatsEvent): void {
    const endMs = this.parseTs(event.ts);
    if (!Number.isFinite(endMs)) return;
    const i = this.events++;
    this.grow(i);
    const startMs = endMs - (event.ms_played > 0 ? event.ms_played : 0);
    const zone = this.zoneNumber(event.conn_country);
    const cls = platformClass(event.platform);
    this.users[i] = this.userNumber(event.user_id);
    this.starts[i] = startMs;
    this.ends[i] = endMs;
    this.classes[i] = cls;
    this.zoneOf[i] = zone;
    if (endMs >= SKIPPED_FALSE_FROM && endMs < SKIPPED_FALSE_UNTIL && event.skipped !== null) this.skippedInNoSkipYears.add(event.skipped === true);
    if (event.track_uri === null && event.track_name === null) return;
    this.music++;
    const ms = event.ms_played;
    this.within5s.add(ms < 5_000);
    this.within10s.add(ms < 10_000);
    this.within30s.add(ms < 30_000);
    const local = zone >= 0 ? localTime(startMs, this.zones[zone]!.offsetMinutes(startMs)) : undefined;
    if (event.reason_end) {
      const early = event.reason_end !== 'trackdone';
      this.beforeEnd.add(early);
      if (cls === PlatformClass.Mobile) this.beforeEndMobile.add(early);
      else if (cls === PlatformClass.Desktop) this.beforeEndDesktop.add(early);
      if (local) {
        (local.hour >= 6 && local.hour < 11 ? this.beforeEndMorning : this.beforeEndRestOfDay).add(early);
        (local.weekend ? this.beforeEndWeekend : this.beforeEndWeekday).add(early);
      }
    }
    const track = this.trackNumber(event.track_uri ?? `${event.track_name}\u0000${event.artist_name}`);
    this.trackCounts[track]!++;
    const artist = event.artist_uri ?? event.artist_name;
    if (artist) this.artistCounts.set(artist, (this.artistCounts.get(artist) ?? 0) + 1);
    const pair = this.users[i]! * 2 ** 26 + track;
    this.repeats.add(this.seen.has(pair));
    this.seen.add(pair);
    const energy = event.track_uri ? this.options.energyByTrackUri?.get(event.track_uri) : undefined;
    if (energy !== undefined && local) {
      if (local.hour < 5) {
        this.nightEnergy.sum += energy;
        this.nightEnergy.n++;
      } else if (local.hour >= 8 && local.hour < 20) {
        this.dayEnergy.sum += energy;
        this.dayEnergy.n++;
      }
    }
  }

  report(): StatsReport {
    const figures: MeasuredFigure[] = [];
    const share = (id: string, s: Share): MeasuredFigure => measured(id, s.value, s.of, s.of === 0 ? 'not shown: no such plays' : undefined);
    const ratio = (id: string, a: Share, b: Share): MeasuredFigure =>
      a.value !== null && b.value ? measured(id, a.value / b.value, a.of + b.of) : measured(id, null, 0, 'not shown: no such plays (or no known country for local time)');
    figures.push(share('skips.within-5s', this.within5s), share('skips.within-10s', this.within10s), share('skips.within-30s', this.within30s));
    figures.push(share('skips.before-end', this.beforeEnd), share('skips.mobile', this.beforeEndMobile), share('skips.desktop', this.beforeEndDesktop));
    figures.push(ratio('skips.morning', this.beforeEndMorning, this.beforeEndRestOfDay), ratio('skips.weekend', this.beforeEndWeekend, this.beforeEndWeekday));
    figures.push(measured('skips.young', null, 0, 'not shown: events carry no age'));
    figures.push(...this.popularity());
    const { hours, sessions, medianPlays, medianMinutes } = this.sessions();
    figures.push(...dailyCycleFigures(hours));
    figures.push(
      this.nightEnergy.n > 0 && this.dayEnergy.n > 0
        ? measured('daily.calmer-late-night', this.nightEnergy.sum / this.nightEnergy.n / (this.dayEnergy.sum / this.dayEnergy.n), this.nightEnergy.n + this.dayEnergy.n)
        : measured('daily.calmer-late-night', null, 0, this.options.energyByTrackUri ? 'not shown: no plays of tracks with known features at those hours' : 'not shown: needs track features (--track-features)'),
    );
    figures.push(
      this.skippedInNoSkipYears.of > 0
        ? measured('export.skipped-2015-2022', this.skippedInNoSkipYears.value, this.skippedInNoSkipYears.of)
        : measured('export.skipped-2015-2022', null, 0, 'not shown: no rows from 2015-04 to 2022-10'),
    );
    return {
      events: this.events,
      musicPlays: this.music,
      figures,
      context: [
        { id: 'sessions.count', label: 'sessions (30-minute inactivity rule)', value: sessions },
        { id: 'sessions.median-plays', label: 'plays per session, median', value: medianPlays },
        { id: 'sessions.median-minutes', label: 'session length in minutes, median', value: medianMinutes },
        { id: 'repeats.share', label: "music plays of a track the same user played earlier in the data (repeat listening; no published target)", value: this.repeats.value },
      ],
    };
  }

  private popularity(): MeasuredFigure[] {
    const fromSample = popularityFigures(this.trackCounts.subarray(0, this.trackNumbers.size), [...this.artistCounts.values()], { kind: 'sample' });
    const model = this.options.modelPopularity;
    if (!model) return fromSample;
    const fromModel = popularityFigures(model.tracks, model.artists, { kind: 'model' });
    return fromSample.map((figure, i) => (figure.value === null ? fromModel[i]! : figure));
  }

  /**
   * Sessions by the 30-minute rule; starts counted per local hour of their first play, per zone,
   * then taken per hour of that local hour the sample covers (perExposure: a few days' sample
   * covers some local hours more often than others).
   */
  private sessions(): { hours: SessionStartHours; sessions: number; medianPlays: number | null; medianMinutes: number | null } {
    const n = this.events;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { users, starts, ends } = this;
    order.sort((a, b) => users[a]! - users[b]! || starts[a]! - starts[b]!);
    const byZone = this.zones.map(() => emptyHours());
    let fromMs = Infinity;
    let toMs = -Infinity;
    for (let i = 0; i < n; i++) {
      fromMs = Math.min(fromMs, starts[i]!);
      toMs = Math.max(toMs, starts[i]!);
    }
    const plays: number[] = [];
    const minutes: number[] = [];
    let first = -1;
    let lastEnd = 0;
    let count = 0;
    const close = (): void => {
      if (first < 0) return;
      plays.push(count);
      minutes.push((lastEnd - starts[first]!) / 60_000);
      const zone = this.zoneOf[first]!;
      if (zone < 0) return;
      const hours = byZone[zone]!;
      const local = localTime(starts[first]!, this.zones[zone]!.offsetMinutes(starts[first]!));
      if (local.weekend) hours.weekend[local.hour]!++;
      else {
        hours.weekday[local.hour]!++;
        if (this.classes[first] === PlatformClass.Mobile) hours.weekdayMobile[local.hour]!++;
        else if (this.classes[first] === PlatformClass.Desktop) hours.weekdayDesktop[local.hour]!++;
      }
    };
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (first < 0 || users[i] !== users[first] || starts[i]! - lastEnd > SESSION_GAP_MS) {
        close();
        first = i;
        count = 0;
        lastEnd = ends[i]!;
      }
      count++;
      lastEnd = Math.max(lastEnd, ends[i]!);
    }
    close();
    const hours = emptyHours();
    byZone.forEach((zoneHours, zone) => {
      const exposure = localHourExposure(this.zones[zone]!, fromMs, toMs);
      for (const [curve, covered] of [['weekday', exposure.weekday], ['weekdayMobile', exposure.weekday], ['weekdayDesktop', exposure.weekday], ['weekend', exposure.weekend]] as const) {
        perExposure(zoneHours[curve], covered).forEach((rate, h) => (hours[curve][h]! += rate));
      }
    });
    const median = (values: number[]): number | null => (values.length === 0 ? null : values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
    return { hours, sessions: plays.length, medianPlays: median(plays), medianMinutes: median(minutes) };
  }

  private trackNumber(track: string): number {
    let number = this.trackNumbers.get(track);
    if (number === undefined) {
      number = this.trackNumbers.size;
      this.trackNumbers.set(track, number);
      if (number >= this.trackCounts.length) {
        const grown = new Int32Array(this.trackCounts.length * 2);
        grown.set(this.trackCounts);
        this.trackCounts = grown;
      }
    }
    return number;
  }

  /** `ts` in ms: the minute part parsed once per distinct minute (events come minute after minute), seconds and fraction by hand. */
  private parseTs(ts: string): number {
    const minute = ts.slice(0, 16);
    let minuteMs = this.minutes.get(minute);
    if (minuteMs === undefined) {
      minuteMs = Date.parse(`${minute}:00Z`);
      if (this.minutes.size > 100_000) this.minutes.clear();
      this.minutes.set(minute, minuteMs);
    }
    // The fast path reads "SS" and an optional ".fff" before the Z; anything else as Date reads it.
    if (ts.length === 20 && ts.charCodeAt(19) === 90) return minuteMs + (ts.charCodeAt(17) - 48) * 10_000 + (ts.charCodeAt(18) - 48) * 1000;
    if (ts.length === 24 && ts.charCodeAt(23) === 90 && ts.charCodeAt(19) === 46) {
      return minuteMs + (ts.charCodeAt(17) - 48) * 10_000 + (ts.charCodeAt(18) - 48) * 1000 + (ts.charCodeAt(20) - 48) * 100 + (ts.charCodeAt(21) - 48) * 10 + (ts.charCodeAt(22) - 48);
    }
    return Date.parse(ts);
  }

  private readonly minutes = new Map<string, number>();

  private userNumber(user: string): number {
    let number = this.userNumbers.get(user);
    if (number === undefined) this.userNumbers.set(user, (number = this.userNumbers.size));
    return number;
  }

  private zoneNumber(country: string): number {
    let number = this.zoneNumbers.get(country);
    if (number === undefined) {
      const zone = countryByCode(country)?.statsZone;
      number = zone ? this.zones.push(timeZone(zone)) - 1 : -1;
      this.zoneNumbers.set(country, number);
    }
    return number;
  }

  private grow(i: number): void {
    if (i < this.users.length) return;
    const size = this.users.length * 2;
    const grown = <T extends Int32Array | Float64Array | Uint8Array | Int16Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.users = grown(this.users, (n) => new Int32Array(n));
    this.starts = grown(this.starts, (n) => new Float64Array(n));
    this.ends = grown(this.ends, (n) => new Float64Array(n));
    this.classes = grown(this.classes, (n) => new Uint8Array(n));
    this.zoneOf = grown(this.zoneOf, (n) => new Int16Array(n));
  }
}

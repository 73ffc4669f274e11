import type { MergedTop } from '../sketch/merged-top.js';
import type { MinuteWindow, Tally } from '../windows/minute-window.js';
import type { RangeSummary } from '../windows/range-summary.js';

/**
 * The JSON the API answers (documented in the README). Exact figures are integers (plays, skips,
 * msPlayed); rates and minutes are derived from them; sketch figures carry their error.
 */
export interface SliceView {
  key: string;
  plays: number;
  skips: number;
  skipRate: number;
  msPlayed: number;
  listeningMinutes: number;
}

export interface ListenersView {
  estimate: number;
  /** Relative standard error of the HyperLogLog estimate (0.016 = 1.6 %). */
  relativeStandardError: number;
}

export interface FiguresView {
  plays: number;
  skips: number;
  skipRate: number;
  msPlayed: number;
  listeningMinutes: number;
  listeners: ListenersView;
  byPlatform: SliceView[];
  byContentType: SliceView[];
  byCountry: SliceView[];
}

export interface SummaryView extends FiguresView {
  from: string;
  to: string;
  windows: number;
}

export interface TopEntryView {
  rank: number;
  key: string;
  name: string;
  /** The track's artist (top tracks); null for artists. */
  artist: string | null;
  /** Upper bound of the plays: the true count is in [plays − error, plays]. */
  plays: number;
  error: number;
}

export interface TopView {
  from: string;
  to: string;
  /** Plays the sketches counted (N). */
  total: number;
  /** Counters per sketch (k). */
  capacity: number;
  /** Every item with more plays than this is listed: N / k when the period is answered by one tier, else at least the unlisted bound. */
  guaranteeThreshold: number;
  /** No unlisted item has more plays than this. */
  unlistedBound: number;
  entries: TopEntryView[];
}

export interface WindowView extends FiguresView {
  start: string;
  end: string;
  /** No event can change this window any more (see the README's lateness rule). */
  closed: boolean;
  topTracks?: TopEntryView[];
  topArtists?: TopEntryView[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
const round = (value: number, digits: number): number => Math.round(value * 10 ** digits) / 10 ** digits;

export function sliceViews(slices: ReadonlyMap<string, Tally>, limit = Number.POSITIVE_INFINITY): SliceView[] {
  return [...slices.entries()]
    .sort(([ka, a], [kb, b]) => b.plays - a.plays || (ka < kb ? -1 : 1))
    .slice(0, limit)
    .map(([key, t]) => ({ key, plays: t.plays, skips: t.skips, skipRate: rate(t.skips, t.plays), msPlayed: t.msPlayed, listeningMinutes: round(t.msPlayed / 60_000, 3) }));
}

export const rate = (part: number, whole: number): number => (whole > 0 ? round(part / whole, 4) : 0);

export function figuresOf(summary: RangeSummary): FiguresView {
  return {
    plays: summary.plays,
    skips: summary.skips,
    skipRate: rate(summary.skips, summary.plays),
    msPlayed: summary.msPlayed,
    listeningMinutes: round(summary.msPlayed / 60_000, 3),
    listeners: { estimate: summary.listeners, relativeStandardError: round(summary.listenersStandardError, 5) },
    byPlatform: sliceViews(summary.platforms),
    byContentType: sliceViews(summary.contentTypes),
    byCountry: sliceViews(summary.countries),
  };
}

export function summaryView(summary: RangeSummary, fromMs: number, toMs: number): SummaryView {
  return { from: iso(fromMs), to: iso(toMs), windows: summary.windows, ...figuresOf(summary) };
}

export function topEntries(top: MergedTop, limit: number): TopEntryView[] {
  return top.counters.slice(0, limit).map((c, i) => ({ rank: i + 1, key: c.key, name: c.label, artist: c.detail, plays: c.count, error: c.error }));
}

export function topView(top: MergedTop, fromMs: number, toMs: number, limit: number): TopView {
  return {
    from: iso(fromMs),
    to: iso(toMs),
    total: top.total,
    capacity: top.capacity,
    guaranteeThreshold: round(top.guaranteeThreshold, 2),
    unlistedBound: top.unlistedBound,
    entries: topEntries(top, limit),
  };
}

export function windowView(window: MinuteWindow, summary: RangeSummary, closed: boolean): WindowView {
  return { start: iso(window.startMs), end: iso(window.endMs), closed, ...figuresOf(summary) };
}

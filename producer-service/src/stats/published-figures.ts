/**
 * Every figure of docs/spotify-data.md ("Published listening statistics", and the one number among the
 * export gotchas), with how `producer-service stats` measures it on listening events. A numeric
 * figure is within when the value is within ±20% of the target (relative); a figure that the source
 * states as a direction ("more skipping at weekends", "a lunch dip") is within when the measured
 * ratio points that way; hours are compared as numbers, so "lowest around 02:00" passes only in
 * the 02:00 hour and "a peak at 09–10" anywhere from 08:00 to 11:00.
 */
export type Comparison = 'relative' | 'above-one' | 'below-one' | 'zero';

export interface FigureDefinition {
  id: string;
  group: 'skips' | 'popularity' | 'daily cycle' | 'sessions' | 'export format';
  /** What the source says, as docs/spotify-data.md words it. */
  published: string;
  source: string;
  /** How the value is computed from events. */
  measure: string;
  target: number;
  comparison: Comparison;
  unit: 'share' | 'count' | 'hour' | 'hours' | 'ratio' | 'exponent';
}

const LAMERE_2014 = 'Lamere 2014 (a billion Spotify plays)';
const LAMERE_2013 = 'Lamere / The Echo Nest 2013';
const ZHANG_2013 = 'Zhang et al., INFOCOM 2013';

export const PUBLISHED_FIGURES: readonly FigureDefinition[] = [
  { id: 'skips.within-5s', group: 'skips', published: '24.1% of plays skipped within 5 s', source: LAMERE_2014, measure: 'music plays with ms_played < 5,000', target: 0.241, comparison: 'relative', unit: 'share' },
  { id: 'skips.within-10s', group: 'skips', published: '29.0% within 10 s', source: LAMERE_2014, measure: 'music plays with ms_played < 10,000', target: 0.29, comparison: 'relative', unit: 'share' },
  { id: 'skips.within-30s', group: 'skips', published: '35.1% within 30 s', source: LAMERE_2014, measure: 'music plays with ms_played < 30,000', target: 0.351, comparison: 'relative', unit: 'share' },
  { id: 'skips.before-end', group: 'skips', published: '48.6% before the end', source: LAMERE_2014, measure: "music plays whose reason_end is not 'trackdone' (rows with a reason)", target: 0.486, comparison: 'relative', unit: 'share' },
  { id: 'skips.mobile', group: 'skips', published: '51% on mobile', source: LAMERE_2014, measure: 'before-the-end share of plays on android/ios (and old Android/iOS strings)', target: 0.51, comparison: 'relative', unit: 'share' },
  { id: 'skips.desktop', group: 'skips', published: '40% on desktop', source: LAMERE_2014, measure: 'before-the-end share of plays on windows/osx/linux/web player', target: 0.4, comparison: 'relative', unit: 'share' },
  { id: 'skips.morning', group: 'skips', published: 'more skipping in the morning', source: LAMERE_2014, measure: 'before-the-end share 06:00–10:59 local ÷ the rest of the day', target: 1, comparison: 'above-one', unit: 'ratio' },
  { id: 'skips.weekend', group: 'skips', published: 'more skipping at weekends', source: LAMERE_2014, measure: 'before-the-end share on local Saturday and Sunday ÷ weekdays', target: 1, comparison: 'above-one', unit: 'ratio' },
  { id: 'skips.young', group: 'skips', published: 'more skipping among the young', source: LAMERE_2014, measure: 'events carry no age: not measurable from events', target: 1, comparison: 'above-one', unit: 'ratio' },
  { id: 'popularity.top-1000-share', group: 'popularity', published: 'the top 1,000 songs take about 13% of listening', source: LAMERE_2013, measure: 'share of music plays on the 1,000 most played tracks', target: 0.13, comparison: 'relative', unit: 'share' },
  { id: 'popularity.tracks-for-80pct', group: 'popularity', published: '80% of listening spreads over about 222,000 songs', source: LAMERE_2013, measure: 'fewest tracks that take 80% of music plays', target: 222_000, comparison: 'relative', unit: 'count' },
  { id: 'popularity.artists-for-80pct', group: 'popularity', published: '80% goes to the top 5,000 artists', source: LAMERE_2013, measure: 'fewest artists (artist_uri, else artist_name) that take 80% of music plays', target: 5_000, comparison: 'relative', unit: 'count' },
  { id: 'popularity.tail-exponent', group: 'popularity', published: 'a Zipf-like head with a heavy tail (exponent near 1)', source: LAMERE_2013, measure: 'slope of log plays against log rank over ranks 10,000–200,000 (the head is flat: see popularity-model.ts)', target: 1, comparison: 'relative', unit: 'exponent' },
  { id: 'daily.lowest-hour', group: 'daily cycle', published: 'session starts lowest around 02:00', source: ZHANG_2013, measure: 'local hour with the fewest weekday session starts', target: 2, comparison: 'relative', unit: 'hour' },
  { id: 'daily.morning-peak-hour', group: 'daily cycle', published: 'a morning peak at 09–10', source: ZHANG_2013, measure: 'local hour of the most weekday session starts before noon', target: 9.5, comparison: 'relative', unit: 'hour' },
  { id: 'daily.lunch-dip', group: 'daily cycle', published: 'a weekday lunch dip', source: ZHANG_2013, measure: 'weekday session starts 12–13 ÷ the mean of 09–10 and 15–16', target: 1, comparison: 'below-one', unit: 'ratio' },
  { id: 'daily.evening-peak-hour', group: 'daily cycle', published: 'an evening peak at 18–19', source: ZHANG_2013, measure: 'local hour of the most weekday session starts after 15:00', target: 18.5, comparison: 'relative', unit: 'hour' },
  { id: 'daily.mobile-leads-desktop', group: 'daily cycle', published: 'mobile leads desktop by about an hour on weekdays', source: ZHANG_2013, measure: 'shift of the weekday desktop session-start curve that best matches the mobile one', target: 1, comparison: 'relative', unit: 'hours' },
  { id: 'daily.weekend-morning-peak', group: 'daily cycle', published: 'weekends have no morning peak', source: ZHANG_2013, measure: 'weekend session starts: the most in any hour 08–11 ÷ the mean of 12–14', target: 1, comparison: 'below-one', unit: 'ratio' },
  { id: 'daily.calmer-late-night', group: 'daily cycle', published: 'calmer music late at night', source: 'Park et al. 2019', measure: 'mean energy of music plays 00–04 local ÷ 08–19 (needs track features: --track-features)', target: 1, comparison: 'below-one', unit: 'ratio' },
  { id: 'export.skipped-2015-2022', group: 'export format', published: '`skipped` was always false from 2015-04 to 2022-10 in real exports', source: 'docs/spotify-data.md (exports)', measure: 'share of rows from 2015-04 to 2022-10 with skipped true', target: 0, comparison: 'zero', unit: 'share' },
];

/** The measured side of a figure; `value` null when the data cannot show it, with the reason. */
export interface MeasuredFigure {
  definition: FigureDefinition;
  value: number | null;
  /** Why there is no value, or where the value came from when not from the events (e.g. "the model's popularity distribution"). */
  note?: string;
  /** Events the value rests on. */
  basis: number;
  within: boolean | null;
}

export function judge(definition: FigureDefinition, value: number | null): boolean | null {
  if (value === null || !Number.isFinite(value)) return null;
  switch (definition.comparison) {
    case 'relative':
      return Math.abs(value / definition.target - 1) <= 0.2;
    case 'above-one':
      return value > 1;
    case 'below-one':
      return value < 1;
    case 'zero':
      return value === 0;
  }
}

export function measured(id: string, value: number | null, basis: number, note?: string): MeasuredFigure {
  const definition = PUBLISHED_FIGURES.find((figure) => figure.id === id);
  if (!definition) throw new Error(`no published figure ${id}`);
  return { definition, value, basis, note, within: judge(definition, value) };
}

import { measured, type MeasuredFigure } from './published-figures.js';

/**
 * The popularity figures from play counts per track and per artist, or from a model's expected
 * shares (any non-negative weights: the figures are shares of their total). A sample can show a
 * figure only where its counts are large enough to rank by: the figure's boundary item (the
 * 1,000th track, the track or artist at 80%, the track of the last rank fitted) needs MIN_COUNT
 * plays, else the figure is reported as not shown rather than guessed. 50 plays is ±14% Poisson
 * noise on that count, and repeat listening makes it worse (one listener's favourite counts many
 * times): below it, ranking by counts picks the lucky and biases the figure (measured on the
 * simulator: 80% over 3,783 artists from 1.4 M plays whose boundary artist had 45 plays, against
 * 4,895 in the distribution they were drawn from). 80% of listening over ~222,000 songs needs
 * tens of millions of plays to see.
 */
export const MIN_COUNT = 50;
/** The tail exponent is fitted over these ranks (1-based), log-spaced. */
export const EXPONENT_RANKS = [10_000, 200_000] as const;

export interface PopularityOptions {
  /** Counts of a sample (check MIN_COUNT at each figure's boundary), or exact shares of a model (no check). */
  kind: 'sample' | 'model';
}

function descending(weights: ArrayLike<number>): Float64Array {
  return Float64Array.from(weights).sort().reverse();
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Fewest items that take `share` of the total, and the weight of the last one taken. */
function itemsFor(sorted: Float64Array, total: number, share: number): { count: number; boundary: number } {
  let taken = 0;
  for (let i = 0; i < sorted.length; i++) {
    taken += sorted[i]!;
    if (taken >= share * total) return { count: i + 1, boundary: sorted[i]! };
  }
  return { count: sorted.length, boundary: sorted[sorted.length - 1] ?? 0 };
}

/** Least-squares slope of log(weight) on log(rank) over log-spaced ranks `from`..`to`. */
export function tailExponent(sorted: Float64Array, from: number, to: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k <= 40; k++) {
    const rank = Math.round(from * Math.pow(to / from, k / 40));
    const weight = sorted[rank - 1];
    if (weight === undefined || weight <= 0) break;
    xs.push(Math.log(rank));
    ys.push(Math.log(weight));
  }
  if (xs.length < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  return -sxy / sxx;
}

export function popularityFigures(trackWeights: ArrayLike<number>, artistWeights: ArrayLike<number>, options: PopularityOptions): MeasuredFigure[] {
  const sample = options.kind === 'sample';
  const tracks = descending(trackWeights);
  const artists = descending(artistWeights);
  const trackTotal = sum(tracks);
  const artistTotal = sum(artists);
  const basis = sample ? trackTotal : 0;
  const note = sample ? undefined : "the model's popularity distribution";
  const tooSmall = (what: string, count: number): string => `not shown: the sample is too small (${what} has ${count} plays; ${MIN_COUNT} needed)`;
  const figures: MeasuredFigure[] = [];

  const thousandth = tracks[999] ?? 0;
  if (sample && (tracks.length < 1000 || thousandth < MIN_COUNT)) figures.push(measured('popularity.top-1000-share', null, basis, tooSmall('the 1,000th track', thousandth)));
  else {
    let head = 0;
    for (let i = 0; i < Math.min(1000, tracks.length); i++) head += tracks[i]!;
    figures.push(measured('popularity.top-1000-share', head / trackTotal, basis, note));
  }

  const trackCut = itemsFor(tracks, trackTotal, 0.8);
  figures.push(
    sample && trackCut.boundary < MIN_COUNT
      ? measured('popularity.tracks-for-80pct', null, basis, tooSmall('the track at 80%', trackCut.boundary))
      : measured('popularity.tracks-for-80pct', trackCut.count, basis, note),
  );

  const artistCut = itemsFor(artists, artistTotal, 0.8);
  figures.push(
    sample && artistCut.boundary < MIN_COUNT
      ? measured('popularity.artists-for-80pct', null, basis, tooSmall('the artist at 80%', artistCut.boundary))
      : measured('popularity.artists-for-80pct', artistCut.count, basis, note),
  );

  const [from, to] = EXPONENT_RANKS;
  const last = tracks[to - 1] ?? 0;
  figures.push(
    sample && last < MIN_COUNT
      ? measured('popularity.tail-exponent', null, basis, tooSmall(`the track of rank ${to.toLocaleString('en-US')}`, last))
      : measured('popularity.tail-exponent', tailExponent(tracks, from, to), basis, note),
  );
  return figures;
}

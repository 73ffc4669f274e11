import type { Catalog } from './catalog.js';
import { Prng } from './prng.js';
import { COUNTRIES, PLATFORM_WEIGHTS } from './vocabulary.js';

export type AgeGroup = 'young' | 'adult' | 'older';

export interface SimulatedUser {
  index: number;
  id: string;
  country: string;
  /** Hours to add to UTC for the user's local time. */
  utcOffsetHours: number;
  /** Main device; sessions occasionally use `secondaryPlatform`. */
  platform: string;
  secondaryPlatform: string;
  ageGroup: AgeGroup;
  /** Relative listening volume (heavy users listen much more: log-normal). */
  activity: number;
  /** Genre indexes the user prefers, strongest first. */
  favouriteGenres: number[];
  /** Tracks the user returns to (catalog indexes = ranks). */
  favouriteTracks: number[];
  listensToPodcasts: boolean;
}

export interface UserPopulation {
  users: SimulatedUser[];
  /** Cumulative activity, to draw a user in proportion to how much they listen. */
  cumulativeActivity: Float64Array;
}

const platforms = PLATFORM_WEIGHTS.map(([name]) => name);
const platformWeights = PLATFORM_WEIGHTS.map(([, weight]) => weight);

export function buildUsers(count: number, seed: number, catalog: Catalog): UserPopulation {
  const rng = new Prng(seed).fork('users');
  const users: SimulatedUser[] = [];
  const cumulativeActivity = new Float64Array(count);
  const genreIndexes = catalog.genres.map((_, i) => i);
  const genreWeights = catalog.genres.map((genre) => genre.weight);
  let total = 0;
  for (let index = 0; index < count; index++) {
    const country = rng.weighted(COUNTRIES, COUNTRIES.map((c) => c.weight));
    const platform = rng.weighted(platforms, platformWeights);
    const favouriteGenres = [rng.weighted(genreIndexes, genreWeights), rng.weighted(genreIndexes, genreWeights), rng.weighted(genreIndexes, genreWeights)];
    const favouriteTracks: number[] = [];
    const favourites = rng.between(20, 80);
    for (let i = 0; i < favourites; i++) {
      // Favourites come from the user's genres, mostly away from the global head: personal taste.
      // A small catalog (--tracks 500) can leave a genre without tracks: then any track will do.
      const genre = catalog.byGenre[favouriteGenres[i % favouriteGenres.length]!]!;
      const u = Math.pow(rng.next(), 1.5);
      favouriteTracks.push(genre.length > 0 ? genre[Math.floor(genre.length * u)]! : Math.floor(catalog.tracks.length * u));
    }
    const activity = Math.exp(rng.normal(0, 0.8));
    total += activity;
    cumulativeActivity[index] = total;
    users.push({
      index,
      id: `user-${String(index).padStart(6, '0')}`,
      country: country.code,
      utcOffsetHours: rng.pick(country.utcOffsets),
      platform,
      secondaryPlatform: rng.weighted(platforms, platformWeights),
      ageGroup: rng.weighted(['young', 'adult', 'older'] as const, [35, 45, 20]),
      activity,
      favouriteGenres,
      favouriteTracks,
      listensToPodcasts: rng.chance(0.3),
    });
  }
  return { users, cumulativeActivity };
}

export function drawUser(rng: Prng, population: UserPopulation): SimulatedUser {
  const cumulative = population.cumulativeActivity;
  const target = rng.next() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return population.users[lo]!;
}

import { LISTENER_COUNTRIES } from './listener-countries.js';
import { Prng } from './prng.js';
import { timeZone, type TimeZone } from './time-zones.js';
import { PLATFORM_WEIGHTS } from './vocabulary.js';

export type AgeGroup = 'young' | 'adult' | 'older';

export interface SimulatedUser {
  index: number;
  id: string;
  country: string;
  /** The user's IANA zone: local time, daylight saving included, for the daily cycle. */
  zone: TimeZone;
  /** Main device; sessions occasionally use `secondaryPlatform`. */
  platform: string;
  secondaryPlatform: string;
  ageGroup: AgeGroup;
  /** Relative listening volume (heavy users listen much more: log-normal). */
  activity: number;
  listensToPodcasts: boolean;
  listensToAudiobooks: boolean;
}

export interface UserPopulation {
  users: SimulatedUser[];
  /** Cumulative activity, to draw a user in proportion to how much they listen. */
  cumulativeActivity: Float64Array;
}

const platforms = PLATFORM_WEIGHTS.map(([name]) => name);
const platformWeights = PLATFORM_WEIGHTS.map(([, weight]) => weight);
const countryWeights = LISTENER_COUNTRIES.map((country) => country.share);

export function buildUsers(count: number, seed: number): UserPopulation {
  const rng = new Prng(seed).fork('users');
  const users: SimulatedUser[] = [];
  const cumulativeActivity = new Float64Array(count);
  let total = 0;
  for (let index = 0; index < count; index++) {
    const country = rng.weighted(LISTENER_COUNTRIES, countryWeights);
    const zone = rng.weighted(
      country.zones.map(([name]) => name),
      country.zones.map(([, percent]) => percent),
    );
    const activity = Math.exp(rng.normal(0, 0.8));
    total += activity;
    cumulativeActivity[index] = total;
    users.push({
      index,
      id: `user-${String(index).padStart(6, '0')}`,
      country: country.code,
      zone: timeZone(zone),
      platform: rng.weighted(platforms, platformWeights),
      secondaryPlatform: rng.weighted(platforms, platformWeights),
      ageGroup: rng.weighted(['young', 'adult', 'older'] as const, [35, 45, 20]),
      activity,
      listensToPodcasts: rng.chance(0.3),
      listensToAudiobooks: rng.chance(0.06),
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

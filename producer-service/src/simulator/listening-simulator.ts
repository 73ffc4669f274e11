import { buildCatalog, type Catalog } from './catalog.js';
import { localTime, MEAN_ACCEPTANCE, PEAK_INTENSITY, sessionIntensity } from './daily-cycle.js';
import { DeliveryHeap } from './event-heap.js';
import { buildPodcasts, type PodcastCatalog } from './podcasts.js';
import { Prng } from './prng.js';
import { buildSession, MEAN_PLAYS_PER_SESSION, type SimulatedPlay } from './session.js';
import { buildUsers, drawUser, type UserPopulation } from './users.js';
import { isMobile } from './vocabulary.js';

export interface WorldOptions {
  seed: number;
  users: number;
  tracks: number;
  podcastShows?: number;
}

export interface SimulatedWorld {
  catalog: Catalog;
  podcasts: PodcastCatalog;
  population: UserPopulation;
}

export function buildWorld(options: WorldOptions): SimulatedWorld {
  const catalog = buildCatalog(options.tracks, options.seed);
  return {
    catalog,
    podcasts: buildPodcasts(options.podcastShows ?? 300, options.seed),
    population: buildUsers(options.users, options.seed, catalog),
  };
}

export interface SimulationWindow {
  seed: number;
  /** Simulated time of the first possible session start (epoch ms). */
  startMs: number;
  /** Sessions start before this and plays end before it; +Infinity runs forever (real time). */
  endMs: number;
  /** Mean session starts per second over a week, before the daily cycle shapes them. */
  sessionsPerSecond: number;
}

/** Session starts per second that yield `eventsPerSecond` events on average over a week. */
export function sessionsForEventRate(eventsPerSecond: number): number {
  return eventsPerSecond / MEAN_PLAYS_PER_SESSION;
}

/** Session starts per second for a population (Spotify users average a bit over one session a day). */
export function sessionsForUsers(users: number, sessionsPerUserPerDay: number): number {
  return (users * sessionsPerUserPerDay) / 86_400;
}

/**
 * Generates plays in delivery order. Candidate session starts arrive as a Poisson process at the
 * peak rate; each picks a user by activity and is kept with probability intensity(local hour) /
 * peak (thinning), which yields the daily cycle in every time zone. A session's plays wait in a
 * heap until their delivery time, so offline plays surface late, after newer online plays.
 */
export class ListeningSimulator {
  private readonly rng: Prng;
  private readonly heap = new DeliveryHeap<SimulatedPlay>();
  private readonly busyUntil: Float64Array;
  private readonly candidateMeanGapMs: number;
  private nextCandidateMs: number;
  private sessionCount = 0;
  private eventCount = 0;
  private readonly runTag: string;

  constructor(private readonly world: SimulatedWorld, private readonly window: SimulationWindow) {
    this.rng = new Prng(window.seed).fork('sessions');
    this.busyUntil = new Float64Array(world.population.users.length);
    this.candidateMeanGapMs = 1000 / (window.sessionsPerSecond / MEAN_ACCEPTANCE);
    this.nextCandidateMs = window.startMs + this.rng.exponential(this.candidateMeanGapMs);
    // Ids are unique per (seed, start): the same backfill reproduces the same ids.
    this.runTag = `sim${window.seed.toString(36)}t${Math.floor(window.startMs / 1000).toString(36)}`;
  }

  /** Delivery time of the next play, without generating it (the real-time pacer waits for it). */
  peekDeliveryMs(): number {
    this.fill();
    return this.heap.peekTime();
  }

  /** The next play in delivery order, or undefined when the window is over and all are delivered. */
  next(): SimulatedPlay | undefined {
    this.fill();
    return this.heap.pop();
  }

  /** Starts sessions until the earliest pending play is due before the next candidate start. */
  private fill(): void {
    while (this.nextCandidateMs < this.window.endMs && this.heap.peekTime() > this.nextCandidateMs) {
      // Whole milliseconds: event times become Kafka timestamps and offline_timestamp integers.
      const startMs = Math.floor(this.nextCandidateMs);
      this.nextCandidateMs += this.rng.exponential(this.candidateMeanGapMs);
      this.startSession(startMs);
    }
  }

  private startSession(startMs: number): void {
    const rng = this.rng;
    const user = drawUser(rng, this.world.population);
    if (this.busyUntil[user.index]! > startMs) return;
    // Desktop listening follows mobile by about an hour on weekdays.
    const lag = isMobile(user.platform) ? 0 : 1;
    if (!rng.chance(sessionIntensity(localTime(startMs, user.utcOffsetHours), lag) / PEAK_INTENSITY)) return;
    const sessionId = `${this.runTag}s${(this.sessionCount++).toString(36)}`;
    const ids = { sessionId, nextEventId: () => `${this.runTag}e${(this.eventCount++).toString(36)}` };
    const plays = buildSession(rng, this.world, user, startMs, this.window.endMs, ids);
    if (plays.length === 0) return;
    this.busyUntil[user.index] = plays[plays.length - 1]!.eventTimeMs;
    for (const play of plays) this.heap.push(play);
  }
}

import { DESKTOP_LAG_HOURS, localTime, MEAN_ACCEPTANCE, PEAK_INTENSITY, sessionIntensity } from './daily-cycle.js';
import { DeliveryHeap } from './event-heap.js';
import { Prng } from './prng.js';
import { Rotations } from './rotation.js';
import { ListeningSession, MEAN_PLAYS_PER_SESSION } from './session.js';
import type { SimulatedPlay } from './simulated-play.js';
import { drawUser, type SimulatedUser } from './users.js';
import { isMobile } from './vocabulary.js';
import type { SimulatedWorld } from './world.js';

export { buildWorld, type SimulatedWorld, type WorldOptions } from './world.js';

export interface SimulationWindow {
  seed: number;
  /** Simulated time of the first possible session start (epoch ms). */
  startMs: number;
  /** Sessions start before this and plays end before it; +Infinity runs forever (real time). */
  endMs: number;
  /** Mean session starts per second over a week, before the daily cycle shapes them. */
  sessionsPerSecond: number;
  /**
   * Plays delivered before this are generated but not returned: a real-time run starts its model
   * earlier than the wall clock so sessions are already under way, instead of a cold start where
   * only the first seconds of brand-new sessions produce events. Defaults to `startMs`.
   */
  emitFromMs?: number;
  /**
   * Start with the sessions a steady state would have under way at `startMs` (real time), instead
   * of an empty world whose event rate needs half an hour to build up. Sessions are geometric in
   * their number of plays, so a session under way has the same remaining length as a new one.
   */
  warmStart?: boolean;
}

/** Session starts per second that yield `eventsPerSecond` events on average over a week. */
export function sessionsForEventRate(eventsPerSecond: number): number {
  return eventsPerSecond / MEAN_PLAYS_PER_SESSION;
}

/**
 * Users needed so that real time at `eventsPerSecond` rarely finds every drawn user mid-session:
 * concurrent sessions ≈ session starts/s × mean session length; keep two users per concurrent
 * session so a drawn user is usually free (the simulator redraws a busy one up to four times).
 */
export function usersNeededForRate(eventsPerSecond: number): number {
  return Math.ceil(2 * sessionsForEventRate(eventsPerSecond) * MEAN_SESSION_SECONDS);
}

/** Session starts per second for a population (Spotify users average a bit over one session a day). */
export function sessionsForUsers(users: number, sessionsPerUserPerDay: number): number {
  return (users * sessionsPerUserPerDay) / 86_400;
}

const BUSY_REDRAWS = 4;
/** Mean wall-clock length of a session (plays, gaps and pauses), measured on the model. */
export const MEAN_SESSION_SECONDS = 2_100;
/** Warm-started sessions began their current play up to this long before the start. */
const WARM_PLAY_OFFSET_MS = 180_000;

/**
 * Generates plays in delivery order. Candidate session starts arrive as a Poisson process at the
 * peak rate; each picks a user by activity and is kept with probability intensity(local hour) /
 * peak (thinning), which yields the daily cycle in every time zone. A session's plays wait in a
 * heap until their delivery time, so offline plays surface late, after newer online plays.
 */
export class ListeningSimulator {
  private readonly rng: Prng;
  private readonly rotations: Rotations;
  private readonly heap = new DeliveryHeap<SimulatedPlay>();
  /** Live (online) sessions per user, and the end of the last offline session per user. */
  private readonly activeSessions: Uint16Array;
  private readonly offlineUntil: Float64Array;
  private readonly candidateMeanGapMs: number;
  private readonly emitFromMs: number;
  private nextCandidateMs: number;
  private sessionCount = 0;
  private eventCount = 0;
  private readonly runTag: string;
  /** Event ids are `${runTag}e` and the event's number in base 36. */
  private readonly eventIdPrefix: string;

  constructor(private readonly world: SimulatedWorld, private readonly window: SimulationWindow) {
    this.rng = new Prng(window.seed).fork('sessions');
    this.rotations = new Rotations(world.seed, world.catalog);
    this.activeSessions = new Uint16Array(world.population.users.length);
    this.offlineUntil = new Float64Array(world.population.users.length);
    this.candidateMeanGapMs = 1000 / (window.sessionsPerSecond / MEAN_ACCEPTANCE);
    this.emitFromMs = window.emitFromMs ?? window.startMs;
    this.nextCandidateMs = window.startMs + this.rng.exponential(this.candidateMeanGapMs);
    // Ids are unique per (seed, start): the same backfill reproduces the same ids.
    this.runTag = `sim${window.seed.toString(36)}t${Math.floor(window.startMs / 1000).toString(36)}`;
    this.eventIdPrefix = `${this.runTag}e`;
    if (window.warmStart) this.warmUp();
  }

  /** The next play in delivery order, or undefined when the window is over and all are delivered. */
  next(): SimulatedPlay | undefined {
    for (;;) {
      this.fill();
      const play = this.take();
      if (!play || play.deliverAtMs >= this.emitFromMs) return play;
    }
  }

  /** Pops the earliest play and schedules the next play of its session. */
  private take(): SimulatedPlay | undefined {
    const play = this.heap.pop();
    const session = play?.continuation;
    if (play && session) {
      play.continuation = undefined;
      const following = session.next();
      if (following) {
        following.continuation = session;
        this.heap.push(following);
      } else {
        this.activeSessions[session.user.index]!--;
      }
    }
    return play;
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

  private warmUp(): void {
    const underWay = Math.round(this.window.sessionsPerSecond * MEAN_SESSION_SECONDS);
    let started = 0;
    for (let attempt = 0; started < underWay && attempt < underWay * 10; attempt++) {
      // Each one is in the middle of its current play.
      if (this.startSession(this.window.startMs - this.rng.int(WARM_PLAY_OFFSET_MS))) started++;
    }
  }

  private isBusy(user: SimulatedUser, startMs: number): boolean {
    return this.activeSessions[user.index]! > 0 || this.offlineUntil[user.index]! > startMs;
  }

  /** Starts a session if the daily cycle keeps this candidate; true when one started. */
  private startSession(startMs: number): boolean {
    const rng = this.rng;
    // A user already listening is not interrupted: draw another. When the requested rate needs
    // more concurrent listeners than the population has (real time at a high rate with few users),
    // every draw may be busy; then the session starts anyway (a second device) rather than the
    // simulator silently missing its rate. Startup logs SimulationUsersSaturated for that case.
    let user = drawUser(rng, this.world.population);
    for (let attempt = 0; attempt < BUSY_REDRAWS && this.isBusy(user, startMs); attempt++) user = drawUser(rng, this.world.population);
    // The session's device decides its daily cycle: desktop listening follows mobile by about an
    // hour on weekdays (Zhang et al.). Chosen before the cycle thins the start, so the lag holds per device.
    const platform = rng.chance(0.8) ? user.platform : user.secondaryPlatform;
    const local = localTime(startMs, user.zone.offsetMinutes(startMs));
    const lag = isMobile(platform) || local.weekend ? 0 : DESKTOP_LAG_HOURS;
    if (!rng.chance(sessionIntensity(local, lag) / PEAK_INTENSITY)) return false;
    const sessionId = `${this.runTag}s${(this.sessionCount++).toString(36)}`;
    const ids = { sessionId, eventIdPrefix: this.eventIdPrefix, nextEventNumber: () => this.eventCount++, rotations: this.rotations };
    const session = new ListeningSession(rng, this.world, user, platform, startMs, this.window.endMs, ids);
    if (session.madeOffline) {
      const plays = session.drainOffline();
      if (plays.length === 0) return false;
      this.offlineUntil[user.index] = Math.max(this.offlineUntil[user.index]!, plays[plays.length - 1]!.eventTimeMs);
      for (const play of plays) this.heap.push(play);
      return true;
    }
    const first = session.next();
    if (!first) return false;
    first.continuation = session;
    this.activeSessions[user.index]!++;
    this.heap.push(first);
    return true;
  }
}

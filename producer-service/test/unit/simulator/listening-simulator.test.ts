import { LISTENING_EVENT_FIELDS, listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { localTime } from '../../../src/simulator/daily-cycle';
import { buildWorld, ListeningSimulator, sessionsForEventRate, sessionsForUsers, type SimulatedWorld } from '../../../src/simulator/listening-simulator';
import { encodeSimulatedPlay } from '../../../src/simulator/play-encoder';
import type { SimulatedPlay } from '../../../src/simulator/simulated-play';

// One fixed seed, the default world (50,000 tracks, 10,000 users), one simulated week.
const SEED = 20240101;
const START_MS = Date.UTC(2024, 0, 1); // a Monday
const WEEK_MS = 7 * 86_400_000;
const PLAYS = 150_000;

function generate(world: SimulatedWorld, count: number, seed = SEED): SimulatedPlay[] {
  const simulator = new ListeningSimulator(world, { seed, startMs: START_MS, endMs: START_MS + WEEK_MS, sessionsPerSecond: sessionsForUsers(10_000, 1.5) });
  const plays: SimulatedPlay[] = [];
  for (let play = simulator.next(); play && plays.length < count; play = simulator.next()) plays.push(play);
  return plays;
}

describe('ListeningSimulator on a fixed seed (default 50k catalog, 10k users)', () => {
  let world: SimulatedWorld;
  let plays: SimulatedPlay[];
  let music: SimulatedPlay[];

  beforeAll(() => {
    world = buildWorld({ seed: SEED, users: 10_000, tracks: 50_000 });
    plays = generate(world, PLAYS);
    music = plays.filter((play) => play.kind === 'music');
  });

  const share = (items: SimulatedPlay[], predicate: (play: SimulatedPlay) => boolean): number => items.filter(predicate).length / items.length;

  it(`produces ${PLAYS} plays, mostly music with some podcasts and a few unknown-content rows`, () => {
    expect(plays).toHaveLength(PLAYS);
    expect(share(plays, (p) => p.kind === 'podcast')).toBeGreaterThan(0.005);
    expect(share(plays, (p) => p.kind === 'podcast')).toBeLessThan(0.08);
    expect(share(plays, (p) => p.kind === 'unknown')).toBeGreaterThan(0);
    expect(share(plays, (p) => p.kind === 'unknown')).toBeLessThan(0.01);
  });

  it('gives the top 1,000 tracks 10–15% of music plays (Zipf head, Lamere 2013: ~13%)', () => {
    const rankByUri = new Map(world.catalog.tracks.map((track) => [track.uri, track.rank]));
    const headShare = share(music, (p) => rankByUri.get(p.event.track_uri!)! < 1000);
    expect(headShare).toBeGreaterThanOrEqual(0.1);
    expect(headShare).toBeLessThanOrEqual(0.15);
  });

  it('skips as Spotify reports: ~24% within 5 s, ~35% within 30 s, ~49% before the end (±3 points)', () => {
    expect(share(music, (p) => p.event.ms_played < 5_000)).toBeCloseTo(0.241, 1);
    expect(Math.abs(share(music, (p) => p.event.ms_played < 5_000) - 0.241)).toBeLessThan(0.03);
    expect(Math.abs(share(music, (p) => p.event.ms_played < 30_000) - 0.351)).toBeLessThan(0.03);
    expect(Math.abs(share(music, (p) => p.event.ms_played < p.durationMs - 2_000) - 0.486)).toBeLessThan(0.03);
  });

  it('skips more on mobile than on desktop (Lamere: 51% vs 40%)', () => {
    const early = (p: SimulatedPlay): boolean => p.event.ms_played < p.durationMs - 2_000;
    const mobile = share(music.filter((p) => p.mobile), early);
    const desktop = share(music.filter((p) => !p.mobile), early);
    expect(mobile - desktop).toBeGreaterThan(0.06);
    expect(Math.abs(mobile - 0.51)).toBeLessThan(0.03);
    expect(Math.abs(desktop - 0.4)).toBeLessThan(0.03);
  });

  it('follows the daily cycle in local time: lowest around 02:00, peaks in the morning and the early evening', () => {
    const byHour = new Array<number>(24).fill(0);
    const offsets = new Map(world.population.users.map((user) => [user.id, user.utcOffsetHours]));
    for (const play of plays) byHour[localTime(play.eventTimeMs, offsets.get(play.event.user_id)!).hour]! += 1;
    const mean = plays.length / 24;
    const quietest = byHour.indexOf(Math.min(...byHour));
    expect(quietest).toBeGreaterThanOrEqual(1);
    expect(quietest).toBeLessThanOrEqual(4);
    expect(byHour[2]! / mean).toBeLessThan(0.4);
    const morningPeak = Math.max(...byHour.slice(8, 12)) / mean;
    const evening = Math.max(...byHour.slice(17, 21)) / mean;
    expect(morningPeak).toBeGreaterThan(1.2);
    expect(evening).toBeGreaterThan(1.2);
    // Between the peaks, early afternoon dips below the morning peak.
    expect(byHour[13]! / mean).toBeLessThan(morningPeak);
  });

  it('makes 3–8% of plays offline, delivered late and out of event-time order', () => {
    const offline = plays.filter((p) => p.event.offline);
    expect(offline.length / plays.length).toBeGreaterThan(0.03);
    expect(offline.length / plays.length).toBeLessThan(0.08);
    expect(offline.every((p) => p.deliverAtMs > p.eventTimeMs && p.mobile)).toBe(true);
    expect(plays.filter((p) => !p.event.offline).every((p) => p.deliverAtMs === p.eventTimeMs)).toBe(true);
    // Delivery order is monotonic; event time is not, because of the late plays.
    let inversions = 0;
    let deliveryOrdered = true;
    for (let i = 1; i < plays.length; i++) {
      if (plays[i]!.deliverAtMs < plays[i - 1]!.deliverAtMs) deliveryOrdered = false;
      if (plays[i]!.eventTimeMs < plays[i - 1]!.eventTimeMs) inversions++;
    }
    expect(deliveryOrdered).toBe(true);
    expect(inversions).toBeGreaterThan(100);
  });

  it('emits only events valid against listeningEventV1, fields in contract order, unique ids', () => {
    const sample = plays.filter((_, i) => i % 5 === 0);
    const invalid = sample.filter((p) => !listeningEventV1.safeParse(p.event).success);
    expect(invalid.slice(0, 3).map((p) => listeningEventV1.safeParse(p.event).error?.issues[0])).toEqual([]);
    // Kafka timestamps are integer milliseconds.
    expect(plays.every((p) => Number.isInteger(p.eventTimeMs) && Number.isInteger(p.deliverAtMs))).toBe(true);
    expect(Object.keys(plays[0]!.event)).toEqual(LISTENING_EVENT_FIELDS);
    expect(new Set(plays.map((p) => p.event.event_id)).size).toBe(plays.length);
  });

  it('encodes plays byte-for-byte like JSON.stringify of the event', () => {
    const mismatches = plays.filter((play) => encodeSimulatedPlay(play).toString() !== JSON.stringify(play.event));
    expect(mismatches.slice(0, 3).map((play) => [encodeSimulatedPlay(play).toString(), JSON.stringify(play.event)])).toEqual([]);
  });

  it('uses the Spotify vocabularies: reason_start/end, platforms, shuffle null for podcasts, sessions', () => {
    const reasonsEnd = new Set(music.map((p) => p.event.reason_end));
    for (const reason of ['trackdone', 'fwdbtn', 'backbtn', 'clickrow', 'endplay', 'logout', 'unexpected-exit']) expect(reasonsEnd).toContain(reason);
    const reasonsStart = new Set(music.map((p) => p.event.reason_start));
    for (const reason of ['appload', 'clickrow', 'playbtn', 'trackdone', 'fwdbtn']) expect(reasonsStart).toContain(reason);
    expect(new Set(plays.map((p) => p.event.platform))).toEqual(new Set(['android', 'ios', 'windows', 'osx', 'linux', 'web_player']));
    const podcasts = plays.filter((p) => p.kind === 'podcast');
    expect(podcasts.every((p) => p.event.shuffle === null && p.event.track_uri === null && p.event.episode_uri !== null && p.event.episode_show_name !== null)).toBe(true);
    expect(share(music, (p) => p.event.shuffle === true)).toBeGreaterThan(0.3);
    // Sessions group several plays of one user.
    expect(new Set(plays.map((p) => p.event.session_id)).size).toBeLessThan(plays.length / 5);
  });

  it('is deterministic for a seed, and a different seed gives different events', () => {
    const again = generate(world, 2_000);
    expect(again.map((p) => encodeSimulatedPlay(p).toString())).toEqual(plays.slice(0, 2_000).map((p) => encodeSimulatedPlay(p).toString()));
    const other = generate(world, 2_000, SEED + 1);
    expect(other.map((p) => p.event.track_uri)).not.toEqual(again.map((p) => p.event.track_uri));
  });

  it('calibrates real time to the requested mean event rate over a week (±15%)', () => {
    const rate = 0.25; // a week of it: ~150k events
    const simulator = new ListeningSimulator(world, { seed: SEED, startMs: START_MS, endMs: START_MS + WEEK_MS, sessionsPerSecond: sessionsForEventRate(rate) });
    let count = 0;
    while (simulator.next()) count++;
    expect(count / (WEEK_MS / 1000) / rate).toBeGreaterThan(0.85);
    expect(count / (WEEK_MS / 1000) / rate).toBeLessThan(1.15);
  });

  it('starts real time warm: sessions already under way give near the target rate in the first minutes', () => {
    const rate = 40;
    const nowMs = START_MS + 2 * 86_400_000 + 15 * 3_600_000;
    const countFirstMinutes = (warmStart: boolean): number => {
      const simulator = new ListeningSimulator(world, { seed: SEED, startMs: nowMs, warmStart, endMs: Number.POSITIVE_INFINITY, sessionsPerSecond: sessionsForEventRate(rate) });
      let count = 0;
      for (let play = simulator.next(); play && play.deliverAtMs < nowMs + 600_000; play = simulator.next()) {
        expect(play.deliverAtMs).toBeGreaterThanOrEqual(nowMs);
        count++;
      }
      return count / 600;
    };
    const warm = countFirstMinutes(true);
    expect(warm / rate).toBeGreaterThan(0.6);
    expect(warm / rate).toBeLessThan(1.6);
    expect(countFirstMinutes(false) / rate).toBeLessThan(0.4);
  });
});

describe('ListeningSimulator on a small catalog (--tracks 500)', () => {
  it('runs although some genres have no track: every favourite is a real track', () => {
    const world = buildWorld({ seed: 3, users: 200, tracks: 500 });
    expect(world.catalog.byGenre.some((tracks) => tracks.length === 0)).toBe(true);
    expect(world.population.users.every((user) => user.favouriteTracks.every((rank) => world.catalog.tracks[rank] !== undefined))).toBe(true);
    const plays = generate(world, 2_000, 3);
    expect(plays).toHaveLength(2_000);
    expect(plays.every((play) => listeningEventV1.safeParse(play.event).success)).toBe(true);
  });
});

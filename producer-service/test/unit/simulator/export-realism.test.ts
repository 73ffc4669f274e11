import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { DEFAULT_QUIRK_RATES, parseQuirkRates, periodSkipped, type QuirkRates } from '../../../src/simulator/export-realism';
import { buildWorld, ListeningSimulator, sessionsForUsers } from '../../../src/simulator/listening-simulator';
import type { SimulatedPlay } from '../../../src/simulator/simulated-play';

function plays(startIso: string, count: number, quirkRates: QuirkRates = DEFAULT_QUIRK_RATES): SimulatedPlay[] {
  const world = buildWorld({ seed: 5, users: 3_000, tracks: 50_000, realism: 'export', quirkRates: { ...quirkRates } });
  const startMs = Date.parse(startIso);
  const simulator = new ListeningSimulator(world, { seed: 5, startMs, endMs: startMs + 7 * 86_400_000, sessionsPerSecond: sessionsForUsers(3_000, 1.5) });
  const out: SimulatedPlay[] = [];
  for (let play = simulator.next(); play && out.length < count; play = simulator.next()) out.push(play);
  return out;
}

describe('export realism', () => {
  const recent = plays('2024-03-04T00:00:00Z', 60_000);
  const old = plays('2016-06-06T00:00:00Z', 30_000);
  const share = (list: SimulatedPlay[], predicate: (play: SimulatedPlay) => boolean): number => list.filter(predicate).length / list.length;

  it('writes only events the contract accepts, with whole-second times', () => {
    for (const play of [...recent.filter((_, i) => i % 10 === 0), ...old.filter((_, i) => i % 10 === 0)]) {
      expect(listeningEventV1.safeParse(play.event).success).toBe(true);
      expect(play.event.ts).toMatch(/T\d\d:\d\d:\d\dZ$/);
      expect(play.eventTimeMs % 1000).toBe(0);
    }
  });

  it('has each quirk at about its rate', () => {
    const music = recent.filter((p) => p.kind === 'music');
    expect(share(recent, (p) => p.event.conn_country === 'ZZ')).toBeGreaterThan(0.001);
    expect(share(recent, (p) => p.event.conn_country === 'ZZ')).toBeLessThan(0.01);
    expect(share(recent, (p) => p.event.shuffle === null && p.kind === 'music')).toBeGreaterThan(0.003);
    expect(share(recent, (p) => p.event.reason_end === null)).toBeGreaterThan(0.001);
    expect(share(recent, (p) => p.event.reason_end === null)).toBeLessThan(0.006);
    expect(share(music, (p) => p.event.track_uri === null && p.event.track_name !== null)).toBeCloseTo(DEFAULT_QUIRK_RATES['local-files'], 2);
    const online = recent.filter((p) => p.event.offline === false);
    expect(share(online, (p) => p.event.offline_timestamp !== null)).toBeCloseTo(DEFAULT_QUIRK_RATES['online-offline-timestamp'], 1);
    expect(share(recent, (p) => p.event.offline_timestamp !== null && p.event.offline_timestamp < 1e11)).toBeGreaterThan(0.01);
    expect(share(recent, (p) => p.kind === 'audiobook')).toBeGreaterThan(0.001);
    // One recording, two URIs: some tracks are played under both.
    const urisByTrack = new Map<number, Set<string>>();
    for (const p of music) if (p.event.track_uri) urisByTrack.set(p.trackKey, (urisByTrack.get(p.trackKey) ?? new Set()).add(p.event.track_uri));
    expect([...urisByTrack.values()].filter((uris) => uris.size === 2).length).toBeGreaterThan(10);
  });

  it('stamps some offline syncs at the sync: a user\'s plays overlap, offline_timestamp says when they were played', () => {
    const offline = recent.filter((p) => p.event.offline === true);
    const stamped = offline.filter((p) => p.deliverAtMs === p.eventTimeMs);
    expect(stamped.length / offline.length).toBeGreaterThan(0.2);
    expect(stamped.every((p) => p.eventTimeMs > p.playStartMs + p.msPlayed)).toBe(true);
    // Consecutive plays of one sync end a second apart, though each lasted minutes: overlapping intervals.
    const bySession = new Map<string, SimulatedPlay[]>();
    for (const p of stamped) bySession.set(p.event.session_id!, [...(bySession.get(p.event.session_id!) ?? []), p]);
    const overlapping = [...bySession.values()].filter((list) => list.length > 1 && list[1]!.eventTimeMs - list[0]!.eventTimeMs < list[1]!.msPlayed);
    expect(overlapping.length).toBeGreaterThan(5);
  });

  it('is period-correct: skipped, platforms, "" reasons and audiobooks as exports of the time have them', () => {
    expect(old.every((p) => p.event.skipped === false)).toBe(true);
    expect(recent.some((p) => p.event.skipped === true)).toBe(true);
    expect(periodSkipped(Date.UTC(2014, 0, 1), true)).toBeNull();
    expect(periodSkipped(Date.UTC(2022, 9, 31), true)).toBe(false);
    expect(periodSkipped(Date.UTC(2022, 10, 1), true)).toBe(true);
    expect(share(old, (p) => /^(Android OS|iOS |Windows |OS X|web_player|Linux|Partner)/.test(p.event.platform))).toBeGreaterThan(0.99);
    expect(new Set(recent.map((p) => p.event.platform))).toEqual(new Set(['android', 'ios', 'windows', 'osx', 'linux', 'not_applicable']));
    expect(share(old, (p) => p.event.reason_start === '')).toBeCloseTo(DEFAULT_QUIRK_RATES['empty-reasons'], 2);
    expect(recent.some((p) => p.event.reason_start === '')).toBe(false);
    expect(old.some((p) => p.kind === 'audiobook')).toBe(false);
  });

  it('takes its rates from a setting, and refuses unknown names and rates outside [0, 1]', () => {
    expect(parseQuirkRates('unknown-country=0.5, offline-sync=0')).toEqual({ ...DEFAULT_QUIRK_RATES, 'unknown-country': 0.5, 'offline-sync': 0 });
    expect(parseQuirkRates(undefined)).toEqual(DEFAULT_QUIRK_RATES);
    expect(() => parseQuirkRates('zz=0.1')).toThrow(/zz=0.1/);
    expect(() => parseQuirkRates('offline-sync=1.5')).toThrow(RangeError);
    const everywhereZz = plays('2024-03-04T00:00:00Z', 2_000, { ...DEFAULT_QUIRK_RATES, 'unknown-country': 1 });
    expect(everywhereZz.every((p) => p.event.conn_country === 'ZZ')).toBe(true);
  });
});

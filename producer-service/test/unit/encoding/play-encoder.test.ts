import type { EncodableSession } from '../../../src/encoding/encodable-play';
import { encodedSizeBound, encodePlay, writePlay } from '../../../src/encoding/play-encoder';
import { buildWorld, ListeningSimulator, sessionsForUsers } from '../../../src/simulator/listening-simulator';
import { SimulatedPlay, type PlaySession } from '../../../src/simulator/simulated-play';

const START_MS = Date.UTC(2024, 0, 1);

/** Plays of a small world, each rebuilt with session fields replaced (a fresh session: no cached segments). */
function playsWith(realism: 'clean' | 'export', overrides: Partial<EncodableSession> = {}, count = 400): SimulatedPlay[] {
  const world = buildWorld({ seed: 3, users: 200, tracks: 2_000, realism });
  const simulator = new ListeningSimulator(world, { seed: 3, startMs: START_MS, endMs: START_MS + 86_400_000, sessionsPerSecond: sessionsForUsers(200, 1.5) });
  const plays: SimulatedPlay[] = [];
  for (let play = simulator.next(); play && plays.length < count; play = simulator.next()) {
    const original = play.session;
    const session: PlaySession = {
      user: original.user,
      mobile: original.mobile,
      catalog: original.catalog,
      userId: original.userId,
      platform: original.platform,
      country: original.country,
      shuffle: original.shuffle,
      offline: original.offline,
      incognito: original.incognito,
      sessionId: original.sessionId,
      eventIdPrefix: original.eventIdPrefix,
      wholeSecondTimes: original.wholeSecondTimes,
      segments: undefined,
      ...overrides,
    };
    plays.push(
      new SimulatedPlay(session, play.eventNumber, play.playStartMs, play.eventTimeMs, play.msPlayed, play.reasonStart, play.reasonEnd, play.skipped, play.offlineTimestamp, play.kind, play.artist, play.song, play.variant, play.other, play.contentBytes, play.contentTail, play.durationMs, play.pick),
    );
  }
  return plays;
}

describe('play encoder', () => {
  it.each([
    ['clean, plain ASCII', 'clean', {}],
    ['export realism (whole seconds, nulls, "", ZZ, audiobooks, local files, second URIs)', 'export', {}],
    ['strings JSON escapes and non-ASCII in every session field', 'clean', { userId: 'usér "q" \\ \u2028', country: 'Ü\n', platform: 'web\tplayer', sessionId: 's\u0001ß😀', eventIdPrefix: 'rün"e' }],
    ['null flags and session id', 'export', { shuffle: null, offline: null, incognito: null, sessionId: null }],
  ] as const)('writes byte for byte what JSON.stringify(play.event) gives: %s', (_name, realism, overrides) => {
    for (const play of playsWith(realism, overrides)) {
      expect(encodePlay(play).toString('utf8')).toBe(JSON.stringify(play.event));
    }
  });

  it('writes whole-second times in export realism and milliseconds otherwise', () => {
    expect(playsWith('export', {}, 50).every((play) => /T\d\d:\d\d:\d\dZ"/.test(encodePlay(play).toString()))).toBe(true);
    expect(playsWith('clean', {}, 50).every((play) => /T\d\d:\d\d:\d\d\.\d{3}Z"/.test(encodePlay(play).toString()))).toBe(true);
  });

  it('stays within encodedSizeBound, written back to back into one buffer', () => {
    const plays = playsWith('export', { userId: '😀'.repeat(20), sessionId: '"'.repeat(30) });
    const out = Buffer.alloc(plays.reduce((sum, play) => sum + encodedSizeBound(play), 0));
    let at = 0;
    const lines: string[] = [];
    for (const play of plays) {
      const end = writePlay(play, out, at);
      expect(end - at).toBeLessThanOrEqual(encodedSizeBound(play));
      lines.push(out.subarray(at, end).toString('utf8'));
      at = end;
    }
    expect(lines).toEqual(plays.map((play) => JSON.stringify(play.event)));
  });

  it('keeps sessions apart that differ in one field only (session parts are shared through caches keyed by value)', () => {
    const variants: Array<Partial<EncodableSession>> = [
      {},
      { userId: 'user-a' },
      { userId: 'user-b' },
      { platform: 'android' },
      { platform: 'web_player' },
      { country: 'DE' },
      { country: 'ZZ' },
      { shuffle: true },
      { shuffle: false },
      { shuffle: null },
      { offline: true },
      { offline: null },
      { incognito: true },
      { incognito: null },
      { sessionId: 'other-session' },
      { sessionId: null },
    ];
    // Each variant meets the parts the ones before it left in the caches.
    for (const overrides of variants) {
      for (const realism of ['clean', 'export'] as const) {
        for (const play of playsWith(realism, overrides, 40)) expect(encodePlay(play).toString('utf8')).toBe(JSON.stringify(play.event));
      }
    }
  });
});

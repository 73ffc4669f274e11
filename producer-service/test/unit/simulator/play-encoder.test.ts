import { buildWorld, ListeningSimulator, sessionsForUsers } from '../../../src/simulator/listening-simulator';
import { encodedSizeBound, encodeSimulatedPlay, writeSimulatedPlay } from '../../../src/simulator/play-encoder';
import { SimulatedPlay, type PlaySession } from '../../../src/simulator/simulated-play';

const START_MS = Date.UTC(2024, 0, 1);

/** Plays of a small world, each rebuilt with `session` fields replaced (a fresh session: no cached segments). */
function playsWith(overrides: Partial<PlaySession> & { userId?: string; country?: string }, count = 200): SimulatedPlay[] {
  const world = buildWorld({ seed: 3, users: 200, tracks: 500 });
  const simulator = new ListeningSimulator(world, { seed: 3, startMs: START_MS, endMs: START_MS + 86_400_000, sessionsPerSecond: sessionsForUsers(200, 1.5) });
  const plays: SimulatedPlay[] = [];
  for (let play = simulator.next(); play && plays.length < count; play = simulator.next()) {
    const { userId, country, ...fields } = overrides;
    const original = play.session;
    const session: PlaySession = {
      user: { ...original.user, id: userId ?? original.user.id, country: country ?? original.user.country },
      platform: original.platform,
      mobile: original.mobile,
      podcast: original.podcast,
      shuffle: original.shuffle,
      offline: original.offline,
      incognito: original.incognito,
      sessionId: original.sessionId,
      eventIdPrefix: original.eventIdPrefix,
      segments: undefined,
      ...fields,
    };
    plays.push(new SimulatedPlay(session, play.eventNumber, play.playStartMs, play.eventTimeMs, play.reasonStart, play.outcome, play.track, play.episode, play.durationMs, play.kind));
  }
  return plays;
}

describe('play encoder', () => {
  it.each([
    ['plain ASCII', {}],
    ['strings JSON escapes and non-ASCII in every session field', { userId: 'usér "q" \\ \u2028', country: 'Ü\n', platform: 'web\tplayer', sessionId: 's\u0001ß😀', eventIdPrefix: 'rün"e' }],
  ])('writes byte for byte what JSON.stringify(play.event) gives: %s', (_name, overrides) => {
    for (const play of playsWith(overrides)) {
      expect(encodeSimulatedPlay(play).toString('utf8')).toBe(JSON.stringify(play.event));
    }
  });

  it('stays within encodedSizeBound, written back to back into one buffer', () => {
    const plays = playsWith({ userId: '😀'.repeat(20), sessionId: '"'.repeat(30) });
    const out = Buffer.alloc(plays.reduce((sum, play) => sum + encodedSizeBound(play), 0));
    let at = 0;
    const lines: string[] = [];
    for (const play of plays) {
      const end = writeSimulatedPlay(play, out, at);
      expect(end - at).toBeLessThanOrEqual(encodedSizeBound(play));
      lines.push(out.subarray(at, end).toString('utf8'));
      at = end;
    }
    expect(lines).toEqual(plays.map((play) => JSON.stringify(play.event)));
  });
});

import { MinuteWindow, MINUTE_MS } from '../../../src/windows/minute-window';
import type { Play } from '../../../src/windows/play';
import { trendingTracks } from '../../../src/windows/trending';

const shape = { topCapacity: 8, hllPrecision: 8 };
const play = (track: string): Play => ({ tsMs: 0, userId: 'u', msPlayed: 1, country: 'SE', platformFamily: 'ios', contentType: 'track', isSkip: false, trackUri: track, trackName: `Track ${track}`, artistName: 'A' });

function windowWith(start: number, plays: Record<string, number>): MinuteWindow {
  const window = new MinuteWindow(start, shape);
  for (const [track, count] of Object.entries(plays)) for (let i = 0; i < count; i++) window.add(play(track));
  return window;
}

describe('trending tracks', () => {
  it('ranks tracks by how many times more they are played than in the previous period', () => {
    const previous = [windowWith(0, { steady: 20, rising: 2, falling: 30 })];
    const current = [windowWith(MINUTE_MS, { steady: 20, rising: 20, falling: 5, fresh: 9 })];
    const trending = trendingTracks(current, previous, { capacity: 8, limit: 10, minPlays: 5 });
    expect(trending.map((t) => [t.trackUri, t.playsLow, t.previousPlaysHigh])).toEqual([
      ['fresh', 9, 0],
      ['rising', 20, 2],
    ]);
    expect(trending[0]!.growth).toBe(10);
  });

  it('counts conservatively when the previous period\'s sketch lost the track: its upper bound, not zero', () => {
    // Previous period: more distinct tracks than counters, so a track absent there may have had up to the bound.
    const crowded: Record<string, number> = {};
    for (let i = 0; i < 20; i++) crowded[`old-${i}`] = 3;
    const previous = [windowWith(0, crowded)];
    const current = [windowWith(MINUTE_MS, { newcomer: 12 })];
    const [entry] = trendingTracks(current, previous, { capacity: 8, limit: 10, minPlays: 5 });
    expect(entry!.previousPlaysHigh).toBeGreaterThan(0);
    expect(entry!.growth).toBeCloseTo(13 / (entry!.previousPlaysHigh + 1));
  });

  it('leaves out tracks below the minimum plays', () => {
    expect(trendingTracks([windowWith(MINUTE_MS, { rare: 3 })], [], { capacity: 8, limit: 10, minPlays: 5 })).toEqual([]);
  });
});

import { trackV1 } from '@spotify-pipeline/shared/schemas';
import { buildCatalog, POPULARITY_EXPONENT } from '../../../src/simulator/catalog';
import { Prng } from '../../../src/simulator/prng';
import { ZipfSampler } from '../../../src/simulator/zipf';
import { isoTime } from '../../../src/simulator/iso-time';

describe('buildCatalog', () => {
  const catalog = buildCatalog(20_000, 7);

  it('builds tracks valid against trackV1 with unique Spotify ids', () => {
    const invalid = catalog.tracks.filter((entry) => !trackV1.safeParse(entry.track).success);
    expect(invalid.slice(0, 2).map((entry) => trackV1.safeParse(entry.track).error?.issues)).toEqual([]);
    expect(new Set(catalog.tracks.map((entry) => entry.id)).size).toBe(20_000);
    expect(catalog.tracks.every((entry, rank) => entry.rank === rank && entry.uri === `spotify:track:${entry.id}`)).toBe(true);
  });

  it('shapes audio features by genre (classical is acoustic and calm, edm energetic)', () => {
    const mean = (genre: string, feature: 'acousticness' | 'energy'): number => {
      const tracks = catalog.tracks.filter((entry) => entry.track.genre === genre);
      return tracks.reduce((sum, entry) => sum + entry.track[feature], 0) / tracks.length;
    };
    expect(mean('classical', 'acousticness')).toBeGreaterThan(0.75);
    expect(mean('edm', 'energy')).toBeGreaterThan(mean('classical', 'energy') + 0.5);
    const explicitHipHop = catalog.tracks.filter((e) => e.track.genre === 'hip hop' && e.track.explicit).length / catalog.tracks.filter((e) => e.track.genre === 'hip hop').length;
    expect(explicitHipHop).toBeGreaterThan(0.5);
  });

  it('gives popular ranks high popularity and durations of a few minutes', () => {
    expect(catalog.tracks[0]!.track.popularity).toBe(100);
    expect(catalog.tracks[19_999]!.track.popularity).toBeLessThan(5);
    const durations = catalog.tracks.map((entry) => entry.durationMs).sort((a, b) => a - b);
    expect(durations[10_000]! / 1000).toBeGreaterThan(180);
    expect(durations[10_000]! / 1000).toBeLessThan(260);
  });

  it('links album tracks in order for album plays', () => {
    const linked = catalog.tracks.filter((entry) => entry.nextOnAlbum >= 0);
    expect(linked.length).toBeGreaterThan(10_000);
    expect(linked.every((entry) => catalog.tracks[entry.nextOnAlbum]!.albumId === entry.albumId)).toBe(true);
  });

  it('is deterministic for a seed', () => {
    expect(buildCatalog(500, 7).tracks.map((entry) => entry.track)).toEqual(buildCatalog(500, 7).tracks.map((entry) => entry.track));
    expect(buildCatalog(500, 8).tracks[0]!.id).not.toBe(buildCatalog(500, 7).tracks[0]!.id);
  });
});

describe('ZipfSampler', () => {
  it('draws ranks with the head share its weights promise', () => {
    const sampler = new ZipfSampler(50_000, POPULARITY_EXPONENT);
    const rng = new Prng(1);
    let head = 0;
    const draws = 200_000;
    for (let i = 0; i < draws; i++) if (sampler.sample(rng) < 1000) head++;
    expect(Math.abs(head / draws - sampler.headShare(1000))).toBeLessThan(0.005);
  });
});

describe('Prng', () => {
  it('repeats for a seed and forks independent streams', () => {
    const a = new Prng(99);
    const b = new Prng(99);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(first);
    expect(new Prng(99).fork('x').next()).not.toBe(new Prng(99).fork('y').next());
    const values = Array.from({ length: 10_000 }, () => a.next());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.reduce((s, v) => s + v, 0) / values.length).toBeCloseTo(0.5, 1);
  });
});

describe('isoTime', () => {
  it('formats like Date.toISOString across minutes, seconds and milliseconds', () => {
    const rng = new Prng(3);
    let ms = Date.UTC(2023, 11, 31, 23, 58);
    for (let i = 0; i < 20_000; i++) {
      ms += rng.int(5_000);
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
    for (const edge of [0, 999, 1000, 59_999, 60_000, Date.UTC(2024, 1, 29, 12, 0, 0, 7)]) expect(isoTime(edge)).toBe(new Date(edge).toISOString());
  });
});

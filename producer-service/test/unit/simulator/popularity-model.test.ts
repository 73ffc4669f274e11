import { DEFAULT_CATALOG_TRACKS, PopularityModel } from '../../../src/simulator/popularity-model';
import { Prng } from '../../../src/simulator/prng';
import { popularityFigures } from '../../../src/stats/popularity-figures';

describe('PopularityModel (the default catalog)', () => {
  const model = new PopularityModel(DEFAULT_CATALOG_TRACKS);

  it('has the catalog it promises: 890,000 tracks of 42,400 artists, popular artists with bigger catalogs', () => {
    expect(model.trackCount).toBe(DEFAULT_CATALOG_TRACKS);
    expect(model.artistCount).toBeGreaterThan(42_000);
    expect(model.artistCount).toBeLessThan(42_800);
    expect(model.catalogSizes[0]).toBe(115);
    expect(model.catalogSizes[model.artistCount - 2]).toBe(10);
    expect(model.firstKey[model.artistCount]).toBe(model.trackCount);
  });

  it('holds every popularity figure of docs/spotify-data.md within ±20% on its own distribution (computed by the stats code)', () => {
    const figures = popularityFigures(model.probabilities(), model.artistProbabilities(), { kind: 'model' });
    const values = Object.fromEntries(figures.map((f) => [f.definition.id, f.value]));
    expect(values).toEqual({
      'popularity.top-1000-share': expect.closeTo(0.131, 2),
      'popularity.tracks-for-80pct': expect.any(Number),
      'popularity.artists-for-80pct': expect.any(Number),
      'popularity.tail-exponent': expect.any(Number),
    });
    expect(figures.map((f) => [f.definition.id, f.within])).toEqual(figures.map((f) => [f.definition.id, true]));
  });

  it('draws keys with the probabilities it reports', () => {
    const rng = new Prng(1);
    const draws = 500_000;
    let top = 0;
    let artistZero = 0;
    for (let i = 0; i < draws; i++) {
      const key = model.sample(rng);
      if (key < model.firstKey[1]!) artistZero++;
      if (key === 0) top++;
    }
    expect(Math.abs(artistZero / draws - model.artists.probability(0))).toBeLessThan(0.001);
    expect(Math.abs(top / draws - model.probability(0))).toBeLessThan(0.0003);
    expect(model.artistOfKey(model.firstKey[1234]! + 3)).toBe(1234);
  });

  it('scales down to a small catalog (tests, the end-to-end run) with the same laws', () => {
    const small = new PopularityModel(5_000);
    expect(small.trackCount).toBe(5_000);
    expect(small.artistCount).toBeLessThan(60);
    const probabilities = small.probabilities();
    expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
});

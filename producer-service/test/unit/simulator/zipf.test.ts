import { Prng } from '../../../src/simulator/prng';
import { ZipfSampler } from '../../../src/simulator/zipf';

/** The plain binary search over the cumulative weights that the guide table must agree with. */
function fullSearch(cumulative: Float64Array, u: number): number {
  const target = u * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

describe('ZipfSampler', () => {
  it.each([
    [50_000, 1.0],
    [300, 1.0],
    [7, 0.5],
    [1, 1.0],
  ])('draws the same rank as a full binary search for every draw (%i items, exponent %d)', (size, exponent) => {
    const sampler = new ZipfSampler(size, exponent);
    const cumulative = (sampler as unknown as { cumulative: Float64Array }).cumulative;
    const draws = new Prng(11);
    const replay = new Prng(11);
    const edges = [0, 1e-12, 0.5, 1 - 2 ** -40, (4_095 + 0.999999) / 4_096];
    for (const u of edges) expect(sampler.sample({ next: () => u } as Prng)).toBe(fullSearch(cumulative, u));
    let mismatches = 0;
    for (let i = 0; i < 200_000; i++) if (sampler.sample(draws) !== fullSearch(cumulative, replay.next())) mismatches++;
    expect(mismatches).toBe(0);
  });
});

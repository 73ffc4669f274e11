import { Prng } from '../../../src/simulator/prng';
import { ZipfMandelbrot } from '../../../src/simulator/zipf-mandelbrot';

describe('ZipfMandelbrot', () => {
  it.each([
    [42_400, 1.13, 26],
    [115, 1.14, 5.1],
    [200, 0.8, 1],
    [300, 1, 1],
    [1, 1, 1],
  ])('draws by table the same ranks as the closed-form inverse, but at boundaries a rounding apart (%i ranks, s %d, q %d)', (size, exponent, offset) => {
    const law = new ZipfMandelbrot(size, exponent, offset);
    const rng = new Prng(5);
    let differing = 0;
    for (let i = 0; i < 200_000; i++) {
      const u = rng.next();
      const a = law.rankOf(u);
      const b = law.inverseRank(u);
      if (a !== b) {
        differing++;
        expect(Math.abs(a - b)).toBe(1);
      }
    }
    expect(differing).toBeLessThan(5);
    for (const u of [0, 1e-12, 0.5, 1 - 2 ** -40]) expect(law.rankOf(u)).toBeGreaterThanOrEqual(0);
    expect(law.rankOf(1 - 2 ** -40)).toBeLessThan(size);
  });

  it('has probabilities that sum to 1, fall with rank, and match the draws', () => {
    const law = new ZipfMandelbrot(500, 1.13, 26);
    let total = 0;
    for (let r = 0; r < 500; r++) total += law.probability(r);
    expect(total).toBeCloseTo(1, 10);
    expect(law.probability(0)).toBeGreaterThan(law.probability(1));
    expect(law.headShare(500)).toBeCloseTo(1, 10);
    const rng = new Prng(9);
    const draws = 400_000;
    let head = 0;
    for (let i = 0; i < draws; i++) if (law.rankOf(rng.next()) < 50) head++;
    expect(Math.abs(head / draws - law.headShare(50))).toBeLessThan(0.005);
  });

  it('refuses a law that is not one', () => {
    expect(() => new ZipfMandelbrot(0, 1, 1)).toThrow(RangeError);
    expect(() => new ZipfMandelbrot(10, 1, 0)).toThrow(RangeError);
  });
});

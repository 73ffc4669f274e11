import { HyperLogLog } from '../../../src/sketch/hyperloglog';

const fill = (sketch: HyperLogLog, from: number, count: number, prefix = 'user'): HyperLogLog => {
  for (let i = from; i < from + count; i++) sketch.add(`${prefix}-${i}`);
  return sketch;
};

describe('HyperLogLog', () => {
  it('reports the standard error of its precision: 1.04 / sqrt(2^p)', () => {
    expect(new HyperLogLog(12).standardError).toBeCloseTo(0.01625, 5);
    expect(HyperLogLog.standardError(14)).toBeCloseTo(0.008125, 6);
  });

  it.each([
    [12, 100_000],
    [12, 200_000],
    [14, 100_000],
  ])('at precision %i estimates %i distinct values within 3 standard errors', (precision, distinct) => {
    const sketch = fill(new HyperLogLog(precision), 0, distinct);
    const relativeError = Math.abs(sketch.estimate() - distinct) / distinct;
    expect(relativeError).toBeLessThan(3 * sketch.standardError);
  });

  it('is within its stated error as often as a standard error promises, over 40 disjoint sets', () => {
    // Precision 8 (6.5 %) so that 40 sets stay quick; the error's distribution is the same at every precision.
    const errors: number[] = [];
    for (let set = 0; set < 40; set++) {
      const sketch = fill(new HyperLogLog(8), set * 10_000, 10_000, `set${set}`);
      errors.push((sketch.estimate() - 10_000) / 10_000 / sketch.standardError);
    }
    // Within one standard error ~68 % of the time, within three essentially always; no bias.
    const withinOne = errors.filter((e) => Math.abs(e) <= 1).length / errors.length;
    expect(withinOne).toBeGreaterThan(0.5);
    expect(Math.max(...errors.map(Math.abs))).toBeLessThan(3.5);
    expect(Math.abs(errors.reduce((a, b) => a + b, 0) / errors.length)).toBeLessThan(0.6);
  });

  it('counts small sets (a minute of a quiet window) almost exactly', () => {
    for (const n of [0, 1, 2, 10, 50, 100]) {
      expect(Math.abs(fill(new HyperLogLog(12), 0, n).estimate() - n)).toBeLessThanOrEqual(Math.max(1, n * 0.02));
    }
  });

  it('does not count a value twice, however often it is added', () => {
    const once = fill(new HyperLogLog(12), 0, 5_000);
    const often = new HyperLogLog(12);
    for (let round = 0; round < 10; round++) fill(often, 0, 5_000);
    expect(often.estimate()).toBe(once.estimate());
  });

  it('merges into the sketch of the union (overlapping sets counted once)', () => {
    const a = fill(new HyperLogLog(12), 0, 30_000);
    const b = fill(new HyperLogLog(12), 20_000, 30_000);
    const union = fill(new HyperLogLog(12), 0, 50_000);
    a.merge(b);
    expect(a.registers).toEqual(union.registers);
    expect(HyperLogLog.union(12, [fill(new HyperLogLog(12), 0, 30_000), b]).estimate()).toBe(union.estimate());
    expect(() => a.merge(new HyperLogLog(11))).toThrow(RangeError);
  });

  it('refuses a precision it cannot hold', () => {
    expect(() => new HyperLogLog(3)).toThrow(RangeError);
    expect(() => new HyperLogLog(17)).toThrow(RangeError);
  });
});

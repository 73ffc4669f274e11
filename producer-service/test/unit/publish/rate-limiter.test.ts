import { RateLimiter } from '../../../src/publish/rate-limiter';

describe('RateLimiter', () => {
  it('lets a small burst through, then asks callers to wait so the long-run rate holds', () => {
    let now = 0;
    const limiter = new RateLimiter(1000, 0.01, () => now); // burst of 10
    for (let i = 0; i < 10; i++) expect(limiter.reserve()).toBe(0);
    expect(limiter.reserve()).toBeCloseTo(1, 5);
    expect(limiter.reserve(9)).toBeCloseTo(10, 5);
    now = 10;
    expect(limiter.reserve()).toBeCloseTo(1, 5);
  });

  it('does not bank unused time beyond the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(100, 0.1, () => now); // burst of 10
    now = 60_000;
    for (let i = 0; i < 10; i++) expect(limiter.reserve()).toBe(0);
    expect(limiter.reserve()).toBeGreaterThan(0);
  });
});

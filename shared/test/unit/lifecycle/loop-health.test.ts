import { LoopHealth } from '@spotify-pipeline/shared/lifecycle';

describe('LoopHealth', () => {
  it('is live while the loop turns, even while it keeps failing, and not live once stuck past the budget', () => {
    let now = 0;
    const health = new LoopHealth(() => now, 60_000);
    health.markStarted();
    now = 59_000;
    health.failed();
    now = 118_000;
    expect(health.live()).toBe(true);
    now = 119_001;
    expect(health.live()).toBe(false);
  });

  it('is ready only when started, not draining and not in a run of failures', () => {
    const health = new LoopHealth(() => 0, 60_000);
    expect(health.ready()).toBe(false);
    health.markStarted();
    expect(health.ready()).toBe(true);
    health.failed();
    expect(health.ready()).toBe(false);
    health.succeeded();
    expect(health.ready()).toBe(true);
    health.markDraining();
    expect([health.ready(), health.live()]).toEqual([false, true]);
  });
});

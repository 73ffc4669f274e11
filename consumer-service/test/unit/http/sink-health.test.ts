import { SinkHealth } from '../../../src/http/sink-health';

describe('SinkHealth', () => {
  it('is ready only between start and drain', () => {
    const health = new SinkHealth(() => 0, 1_000);
    expect(health.ready()).toBe(false);
    health.markStarted();
    expect(health.ready()).toBe(true);
    health.markDraining();
    expect(health.ready()).toBe(false);
  });

  it('is live while rounds keep completing, and not once the loop is stuck past the stall budget', () => {
    let now = 0;
    const health = new SinkHealth(() => now, 1_000);
    health.markStarted();
    now = 999;
    expect(health.live()).toBe(true);
    health.roundCompleted();
    now = 1_998;
    expect(health.live()).toBe(true);
    now = 2_000;
    expect(health.live()).toBe(false);
  });
});

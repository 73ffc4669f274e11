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

  it('is not ready while calls to a dependency (S3) fail, before any batch has failed, and ready once one succeeds', () => {
    const health = new LoopHealth(() => 0, 60_000);
    health.markStarted();
    health.dependency(false);
    expect(health.ready()).toBe(false);
    health.dependency(true);
    expect(health.ready()).toBe(true);
    health.dependency(false);
    health.failed();
    health.dependency(true);
    // A failing run of batches still shows until a batch commits.
    expect(health.ready()).toBe(false);
    health.succeeded();
    expect(health.ready()).toBe(true);
    // An idle loop is held up by nothing: a call that failed before it no longer counts.
    health.dependency(false);
    health.idle();
    expect(health.ready()).toBe(true);
  });

  it('counts a failed dependency call as a turn (the loop is retrying, not wedged)', () => {
    let now = 0;
    const health = new LoopHealth(() => now, 10_000);
    health.markStarted();
    now = 9_000;
    health.dependency(false);
    now = 18_000;
    expect([health.live(), health.ready()]).toEqual([true, false]);
    now = 19_001;
    expect(health.live()).toBe(false);
  });

  it('says in its details what holds it back: S3 failing while still live, a run of failed batches, a stalled loop', () => {
    let now = 0;
    const health = new LoopHealth(() => now, 10_000);
    expect(health.details()).toMatchObject({ state: 'starting', loop: 'turning', batches: 'ok', s3: 'ok' });
    health.markStarted();
    now = 1_000;
    health.dependency(false);
    expect([health.live(), health.details()]).toEqual([true, { state: 'running', loop: 'turning', lastTurnAgoMs: 0, batches: 'ok', s3: 'failing' }]);
    health.failed();
    now = 11_000;
    expect([health.live(), health.details()]).toEqual([false, { state: 'running', loop: 'stalled', lastTurnAgoMs: 10_000, batches: 'failing', s3: 'failing' }]);
    health.succeeded();
    expect(health.details()).toEqual({ state: 'running', loop: 'turning', lastTurnAgoMs: 0, batches: 'ok', s3: 'ok' });
    health.markDraining();
    now = 60_000;
    expect(health.details()).toMatchObject({ state: 'draining', loop: 'turning' });
  });
});

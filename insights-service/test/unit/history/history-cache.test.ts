import { TtlCache } from '../../../src/history/history-cache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;

  it('asks once per TTL, however many callers, and shares a fetch in flight', async () => {
    let calls = 0;
    let release!: () => void;
    const cache = new TtlCache(
      () => new Promise<number>((resolve) => {
        calls += 1;
        release = () => resolve(calls);
      }),
      { ttlMs: 1_000, retryAfterMs: 100, now: clock },
    );
    const first = cache.get();
    const second = cache.get();
    release();
    expect(await first).toEqual({ ok: true, value: 1, fetchedAt: 0, fromCache: false });
    expect(await second).toEqual(await first);
    now = 999;
    expect(await cache.get()).toEqual({ ok: true, value: 1, fetchedAt: 0, fromCache: true });
    expect(calls).toBe(1);
    now = 1_000;
    const third = cache.get();
    release();
    expect(await third).toMatchObject({ ok: true, value: 2, fromCache: false });
  });

  it('does not cache a failure, retries after a pause, and keeps the last good answer beside the error', async () => {
    let fail = false;
    let calls = 0;
    const cache = new TtlCache(
      async () => {
        calls += 1;
        if (fail) throw new Error('catalog down');
        return 'rows';
      },
      { ttlMs: 1_000, retryAfterMs: 500, now: clock },
    );
    now = 10_000;
    await cache.get();
    fail = true;
    now = 11_000;
    expect(await cache.get()).toEqual({ ok: false, error: 'catalog down', last: { value: 'rows', fetchedAt: 10_000 } });
    now = 11_400;
    await cache.get();
    expect(calls).toBe(2);
    fail = false;
    now = 11_500;
    expect(await cache.get()).toMatchObject({ ok: true, value: 'rows', fetchedAt: 11_500 });
    expect(calls).toBe(3);
  });
});

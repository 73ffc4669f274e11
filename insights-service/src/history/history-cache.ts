/** What the API answers for the history panel. */
export type CachedAnswer<T> =
  | { ok: true; value: T; fetchedAt: number; fromCache: boolean }
  | { ok: false; error: string; /** The last good answer, if any, shown as stale. */ last?: { value: T; fetchedAt: number } };

/**
 * One value fetched at most once per TTL, however many pages ask: concurrent callers share the
 * fetch in flight, and the lake is not asked again until the answer is older than the TTL. A failed
 * fetch is not cached (the next request tries again, at most once per `retryAfterMs`) and the last
 * good answer is handed back with the error, so the panel can say how old it is.
 */
export class TtlCache<T> {
  private value: { value: T; fetchedAt: number } | undefined;
  private failure: { error: string; at: number } | undefined;
  private inFlight: Promise<CachedAnswer<T>> | undefined;

  constructor(
    private readonly fetch: () => Promise<T>,
    private readonly options: { ttlMs: number; retryAfterMs: number; now: () => number },
  ) {}

  get(): Promise<CachedAnswer<T>> {
    const now = this.options.now();
    if (this.value && now - this.value.fetchedAt < this.options.ttlMs) {
      return Promise.resolve({ ok: true, value: this.value.value, fetchedAt: this.value.fetchedAt, fromCache: true });
    }
    if (this.failure && now - this.failure.at < this.options.retryAfterMs) return Promise.resolve(this.failed(this.failure.error));
    this.inFlight ??= this.refresh().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async refresh(): Promise<CachedAnswer<T>> {
    try {
      const value = await this.fetch();
      this.value = { value, fetchedAt: this.options.now() };
      this.failure = undefined;
      return { ok: true, value, fetchedAt: this.value.fetchedAt, fromCache: false };
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      this.failure = { error, at: this.options.now() };
      return this.failed(error);
    }
  }

  private failed(error: string): CachedAnswer<T> {
    return this.value ? { ok: false, error, last: this.value } : { ok: false, error };
  }
}

/** A query parameter the API cannot take: answered 400 with the message. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
}

const MINUTE_MS = 60_000;

/**
 * The API's query parameters, checked: `minutes` (the last N minutes, 1 to the horizon), or `from`
 * and `to` (ISO instants, a range of at most the horizon), `limit` (entries of a top list, 1 to the
 * sketch capacity), `top` (top entries per window, 0 to the capacity). Bounds keep every answer's
 * size and cost bounded whatever is asked.
 */
export class RequestParams {
  constructor(
    private readonly search: URLSearchParams,
    private readonly horizonMinutes: number,
    private readonly capacity: number,
  ) {}

  minutes(fallback: number): number {
    return this.int('minutes', Math.min(fallback, this.horizonMinutes), 1, this.horizonMinutes);
  }

  limit(fallback: number): number {
    return this.int('limit', Math.min(fallback, this.capacity), 1, this.capacity);
  }

  top(): number {
    return this.int('top', 0, 0, this.capacity);
  }

  /** `from`/`to` when given (both), else the last `minutes` (default 60). */
  range(clock: { lastMinutes(minutes: number): { fromMs: number; toMs: number } }): { fromMs: number; toMs: number } {
    const from = this.search.get('from');
    const to = this.search.get('to');
    if (from === null && to === null) return clock.lastMinutes(this.minutes(60));
    if (from === null || to === null) throw new RequestError('give both from and to (ISO 8601 instants), or minutes');
    const fromMs = this.instant('from', from);
    const toMs = this.instant('to', to);
    if (toMs <= fromMs) throw new RequestError('to must be after from');
    if (toMs - fromMs > this.horizonMinutes * MINUTE_MS) throw new RequestError(`a range spans at most the horizon, ${this.horizonMinutes} minutes`);
    return { fromMs, toMs };
  }

  private instant(name: string, text: string): number {
    const ms = Date.parse(text);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) throw new RequestError(`${name} must be an ISO 8601 instant such as 2026-12-01T10:00:00Z`);
    return ms;
  }

  private int(name: string, fallback: number, min: number, max: number): number {
    const text = this.search.get(name);
    if (text === null || text === '') return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new RequestError(`${name} must be an integer from ${min} to ${max}`);
    return value;
  }
}

/**
 * The event times the lake accepts: not before `maxPastMs` ago, not after `maxFutureMs` from now.
 * A play dated year 0005 or 9999 is a broken clock or a forged record, not listening history: it
 * would create a partition of its own, and one event in 9999 would push every watermark (a max)
 * past every open hour, closing and re-compacting them all. Such lines are quarantined as
 * `event_time_out_of_range` instead. Defaults: 20 years back (older than Spotify itself, so every
 * real export replays), one day ahead (clock skew of devices).
 */
export interface EventTimeWindow {
  maxPastMs: number;
  maxFutureMs: number;
}

export const DEFAULT_EVENT_TIME_WINDOW: EventTimeWindow = { maxPastMs: 20 * 365 * 86_400_000, maxFutureMs: 86_400_000 };

/** `YYYY-MM-DDTHH:MM:SS` of an instant: validated `ts` values compare as strings on this prefix. */
const secondPrefix = (ms: number): string => new Date(ms).toISOString().slice(0, 19);

/**
 * Checks `ts` strings (already validated as ISO-8601 UTC) against the window as of `nowMs`, by
 * string comparison of their first 19 characters: no Date.parse per line on the hot path.
 */
export class EventTimeBounds {
  private readonly earliest: string;
  private readonly latest: string;

  constructor(window: EventTimeWindow, nowMs: number) {
    this.earliest = secondPrefix(Math.max(-62_135_596_800_000, nowMs - window.maxPastMs));
    this.latest = secondPrefix(Math.min(253_402_300_799_000, nowMs + window.maxFutureMs));
  }

  /** Undefined when inside; else why not. */
  problem(ts: string): string | undefined {
    const second = ts.slice(0, 19);
    if (second < this.earliest) return `ts ${ts} is before ${this.earliest}Z, the oldest event time accepted (ETL_EVENT_TIME_MAX_PAST_MS)`;
    if (second > this.latest) return `ts ${ts} is after ${this.latest}Z, the latest event time accepted (ETL_EVENT_TIME_MAX_FUTURE_MS)`;
    return undefined;
  }
}

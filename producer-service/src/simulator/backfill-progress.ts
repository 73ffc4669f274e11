import type { ProgressSink } from '../replay/replay-progress.js';

const REDRAW_MS = 200;
/** The rate is over the last few seconds, not the whole run: a broker that slows down shows at once. */
const RATE_WINDOW_MS = 5_000;

export interface BackfillTarget {
  startMs: number;
  endMs: number;
  /** --events: the run stops at this many valid events, if it comes before the window's end. */
  maxEvents?: number;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * `simulate --backfill` on a terminal: one self-overwriting line with the events sent, the rate,
 * the simulated time reached (and how far through the window that is) and an ETA, from whichever
 * end comes first: the window's end or --events. Redrawn at most every 200 ms from the simulate
 * loop's per-batch update, so it costs nothing per record; without a sink (output not a TTY) it
 * draws nothing.
 */
export class BackfillProgress {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private startedAt: number | undefined;
  private readonly samples: Array<{ at: number; events: number }> = [];

  constructor(
    private readonly sink: ProgressSink | undefined,
    private readonly target: BackfillTarget,
    private readonly now: () => number = Date.now,
  ) {}

  /** `events`: valid events sent so far; `reachedMs`: the simulated time of the latest one. */
  update(events: number, reachedMs: number, force = false): void {
    if (!this.sink) return;
    const at = this.now();
    if (!force && at - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = at;
    this.startedAt ??= at;
    this.samples.push({ at, events });
    while (this.samples.length > 2 && at - this.samples[0]!.at > RATE_WINDOW_MS) this.samples.shift();
    this.sink.write(`\r\x1b[2K${this.line(events, reachedMs, at)}`);
  }

  finish(events: number, reachedMs: number): void {
    if (!this.sink) return;
    this.update(events, reachedMs, true);
    this.sink.write('\n');
  }

  /** The text of the line (tests read it without a terminal). */
  line(events: number, reachedMs: number, at: number): string {
    const first = this.samples[0];
    const seconds = first ? (at - first.at) / 1000 : 0;
    const rate = first && seconds > 0 ? (events - first.events) / seconds : Number.NaN;
    const { startMs, endMs, maxEvents } = this.target;
    const span = endMs - startMs;
    const through = Math.min(1, Math.max(0, (reachedMs - startMs) / span));
    // Simulated time moves in step with events, so the window's remaining share takes the same
    // share of the run; --events ends it sooner when the rate reaches it first.
    const elapsed = this.startedAt === undefined ? 0 : (at - this.startedAt) / 1000;
    const byTime = through > 0 ? (elapsed * (1 - through)) / through : Number.POSITIVE_INFINITY;
    const byEvents = maxEvents !== undefined && rate > 0 ? (maxEvents - events) / rate : Number.POSITIVE_INFINITY;
    const reached = Number.isFinite(reachedMs) ? `${new Date(reachedMs).toISOString().slice(0, 16).replace('T', ' ')}Z` : '—';
    const rateText = Number.isFinite(rate) ? `${Math.round(rate).toLocaleString('en-US')}/s` : '—/s';
    const of = maxEvents !== undefined ? ` of ${maxEvents.toLocaleString('en-US')}` : '';
    return `backfill: ${events.toLocaleString('en-US')}${of} events | ${rateText} | reached ${reached} (${Math.floor(100 * through)}% of the window) | ETA ${duration(Math.min(byTime, byEvents))}`;
  }
}

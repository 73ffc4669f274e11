import type { HealthCheck } from '../metrics/http-server.js';

/**
 * /healthz and /readyz from a consumer loop's progress, the same rule for every stage:
 * - live while the loop keeps turning (a poll, a batch, an idle turn, a retry after a backoff): a
 *   loop stuck in one await longer than `stallMs` is wedged, and a restart is safe because nothing
 *   uncommitted is ever lost; a loop that keeps failing is not wedged;
 * - ready while started, not draining, and not in a run of failed batches: an S3 or catalog
 *   outage shows in readiness (and metrics) instead of being invisible behind a green probe.
 */
export class LoopHealth implements HealthCheck {
  private started = false;
  private draining = false;
  private failing = false;
  private lastTurnMs: number;

  constructor(
    private readonly now: () => number,
    private readonly stallMs: number,
  ) {
    this.lastTurnMs = now();
  }

  markStarted(): void {
    this.started = true;
    this.lastTurnMs = this.now();
  }

  markDraining(): void {
    this.draining = true;
  }

  /** The loop went round (whatever happened in the turn). */
  turned(): void {
    this.lastTurnMs = this.now();
  }

  /** A batch committed: the stage works. */
  succeeded(): void {
    this.failing = false;
    this.turned();
  }

  /** A batch failed and will be retried. */
  failed(): void {
    this.failing = true;
    this.turned();
  }

  live(): boolean {
    return !this.started || this.draining || this.now() - this.lastTurnMs < this.stallMs;
  }

  ready(): boolean {
    return this.started && !this.draining && !this.failing;
  }
}

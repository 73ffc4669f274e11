import type { HealthCheck, HealthDetails } from '../metrics/http-server.js';

/**
 * /healthz and /readyz from a consumer loop's progress, the same rule for every stage:
 * - live while the loop keeps turning (a poll, a batch, an idle turn, a retry after a backoff): a
 *   loop stuck in one await longer than `stallMs` is wedged, and a restart is safe because nothing
 *   uncommitted is ever lost; a loop that keeps failing is not wedged;
 * - ready while started, not draining, not in a run of failed batches, and while the calls a
 *   stage makes to S3 (`dependency`) do not fail: an S3 or catalog outage shows in readiness (and
 *   metrics) instead of being invisible behind a green probe, and a hung S3 shows while it hangs,
 *   not only once a batch has spent its in-batch retries (minutes at the default timeouts).
 */
export class LoopHealth implements HealthCheck {
  private started = false;
  private draining = false;
  private failing = false;
  private dependencyFailing = false;
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
    this.dependencyFailing = false;
    this.turned();
  }

  /**
   * The loop found no input waiting: nothing is held up by a dependency call that failed earlier
   * (without this an idle stage whose last S3 call failed would stay not ready until its next call).
   */
  idle(): void {
    this.dependencyFailing = false;
    this.turned();
  }

  /** A batch failed and will be retried. */
  failed(): void {
    this.failing = true;
    this.turned();
  }

  /**
   * A call to a dependency (S3) failed transiently (`false`), or one succeeded again (`true`). A
   * failed call that came back is the loop retrying, not a wedged loop: it counts as a turn, so a
   * long outage (calls timing out one after another) does not get the process restarted for
   * nothing; a call that never comes back still stops the turns.
   */
  dependency(ok: boolean): void {
    this.dependencyFailing = !ok;
    if (!ok) this.turned();
  }

  live(): boolean {
    return !this.started || this.draining || this.now() - this.lastTurnMs < this.stallMs;
  }

  ready(): boolean {
    return this.started && !this.draining && !this.failing && !this.dependencyFailing;
  }

  /** For /healthz's body: what holds readiness or liveness back, by name. */
  details(): HealthDetails {
    const sinceTurnMs = this.now() - this.lastTurnMs;
    return {
      state: !this.started ? 'starting' : this.draining ? 'draining' : 'running',
      loop: this.started && !this.draining && sinceTurnMs >= this.stallMs ? 'stalled' : 'turning',
      lastTurnAgoMs: Math.max(0, sinceTurnMs),
      batches: this.failing ? 'failing' : 'ok',
      s3: this.dependencyFailing ? 'failing' : 'ok',
    };
  }
}

import type { HealthCheck } from '@spotify-pipeline/shared/metrics';

/**
 * /healthz and /readyz for the sink. Ready: connected and consuming, not draining. Live: the loop
 * has finished a round recently; a loop stuck longer than `stallMs` (longer than the worst upload
 * retry budget) is wedged and the pod should be restarted, which is safe because nothing
 * uncommitted is ever lost.
 */
export class SinkHealth implements HealthCheck {
  private started = false;
  private draining = false;
  private lastRoundAtMs: number;

  constructor(
    private readonly now: () => number,
    private readonly stallMs: number,
  ) {
    this.lastRoundAtMs = now();
  }

  markStarted(): void {
    this.started = true;
    this.lastRoundAtMs = this.now();
  }

  markDraining(): void {
    this.draining = true;
  }

  roundCompleted(): void {
    this.lastRoundAtMs = this.now();
  }

  live(): boolean {
    return !this.started || this.draining || this.now() - this.lastRoundAtMs < this.stallMs;
  }

  ready(): boolean {
    return this.started && !this.draining;
  }
}

import type { HealthCheck, HealthDetails } from '@spotify-pipeline/shared/metrics';

export interface WorkerHealthReport {
  live: boolean;
  ready: boolean;
  /** The consumer's own /healthz details (its LoopHealth's). */
  details?: HealthDetails;
}

/**
 * The process's /healthz and /readyz from its consumers' reports: live while every consumer is live,
 * ready while every consumer is ready. A consumer reports about once a second; one silent for
 * `readyStaleMs` is not ready, one silent for `liveStaleMs` (its event loop blocked) is not live.
 * A consumer that has not reported yet is starting: live, not ready.
 */
export class WorkerHealthBoard implements HealthCheck {
  private readonly reports: Array<{ at: number; report: WorkerHealthReport } | undefined>;
  private draining = false;

  constructor(
    count: number,
    private readonly now: () => number,
    private readonly stale: { readyMs: number; liveMs: number },
  ) {
    this.reports = Array.from({ length: count }, () => undefined);
  }

  report(index: number, report: WorkerHealthReport): void {
    if (index >= 0 && index < this.reports.length) this.reports[index] = { at: this.now(), report };
  }

  markDraining(): void {
    this.draining = true;
  }

  live(): boolean {
    if (this.draining) return true;
    const now = this.now();
    return this.reports.every((r) => r === undefined || (r.report.live && now - r.at < this.stale.liveMs));
  }

  ready(): boolean {
    if (this.draining) return false;
    const now = this.now();
    return this.reports.every((r) => r !== undefined && r.report.ready && now - r.at < this.stale.readyMs);
  }

  /** Each consumer's details as it last reported them, and how long ago. */
  details(): HealthDetails {
    const now = this.now();
    return {
      consumers: this.reports.map((r) =>
        r === undefined ? { state: 'starting' } : { live: r.report.live, ready: r.report.ready, reportedAgoMs: now - r.at, ...r.report.details },
      ),
    };
  }
}

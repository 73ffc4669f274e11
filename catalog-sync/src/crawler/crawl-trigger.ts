import type { Logger } from '@spotify-pipeline/shared/logging';
import type { Counter } from '@spotify-pipeline/shared/metrics';
import type { CrawlOutcome } from './glue-crawler.js';

export interface Crawler {
  crawl(): Promise<CrawlOutcome>;
}

/**
 * Starts the Iceberg-target crawler after commits, in the background, so a crawl (minutes) never
 * holds up the commit loop: at most one crawl at a time, at most one every `minIntervalMs`, and one
 * more after a crawl when commits landed while it ran (its result may predate them).
 */
export class CrawlTrigger {
  private running: Promise<void> | undefined;
  private lastStartMs = -Infinity;
  private pending = false;

  constructor(
    private readonly crawler: Crawler,
    private readonly options: { minIntervalMs: number; crawls: Counter<'status'>; logger: Logger; now?: () => number },
  ) {}

  /** Called after a batch that committed at least one snapshot. */
  committed(): void {
    this.pending = true;
    this.maybeStart();
  }

  /** Called on every loop turn: starts a crawl that was held back by the interval. */
  maybeStart(): void {
    const now = (this.options.now ?? Date.now)();
    if (!this.pending || this.running || now - this.lastStartMs < this.options.minIntervalMs) return;
    this.pending = false;
    this.lastStartMs = now;
    this.running = this.crawler.crawl().then(
      (outcome) => {
        this.options.crawls.inc({ status: outcome.status });
        this.options.logger.info({ ...outcome }, 'CrawlFinished');
      },
      (err: unknown) => {
        this.options.crawls.inc({ status: 'FAILED' });
        // Not fatal: the tables in Glue lag until the next crawl; the lake itself is unaffected.
        this.options.logger.warn({ err }, 'CrawlFailed');
      },
    ).finally(() => (this.running = undefined));
  }

  /** Shutdown: waits for a crawl in flight to be reported (never starts one). */
  async drain(): Promise<void> {
    await this.running;
  }
}

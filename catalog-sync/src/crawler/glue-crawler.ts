import {
  CreateCrawlerCommand,
  GetCrawlerCommand,
  StartCrawlerCommand,
  UpdateCrawlerCommand,
  type Crawler,
  type CreateCrawlerCommandInput,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { sleep, type RetryOptions } from '@spotify-pipeline/shared/retry';
import { callAws, errorName } from '../athena/aws-error.js';

export interface CrawlerSpec {
  name: string;
  roleArn: string;
  /** The Glue database the crawler registers the tables in (Athena's database). */
  database: string;
  /** Table locations (s3://bucket/table): an Iceberg target finds each table's current metadata there. */
  tableLocations: string[];
}

export interface CrawlOutcome {
  status: string;
  errorMessage?: string;
  durationMs: number;
}

export interface GlueCrawlerOptions {
  logger: Logger;
  retry?: Partial<RetryOptions>;
  pollIntervalMs?: number;
  waitTimeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * One Glue crawler with an Iceberg target over the lake's table locations: for a lake committed to a
 * REST catalog other than Glue, it registers each table in a Glue database (table type ICEBERG,
 * pointing at its current metadata file), so Athena can read it. Created or updated to match the
 * spec, started only when idle.
 */
export class GlueCrawler {
  private readonly pause: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(
    private readonly glue: GlueClient,
    private readonly spec: CrawlerSpec,
    private readonly options: GlueCrawlerOptions,
  ) {
    this.pause = options.sleep ?? ((ms) => sleep(ms));
    this.now = options.now ?? Date.now;
  }

  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return callAws(operation, fn, this.options.retry);
  }

  /** Creates the crawler, or updates it when it exists (a changed role, target or database is applied). */
  async ensure(): Promise<void> {
    const definition: CreateCrawlerCommandInput = {
      Name: this.spec.name,
      Role: this.spec.roleArn,
      DatabaseName: this.spec.database,
      // Depth 1: the metadata folder sits right under each table location.
      Targets: { IcebergTargets: [{ Paths: this.spec.tableLocations, MaximumTraversalDepth: 1 }] },
      // An Iceberg target must be allowed to update the table, or a new metadata file is never picked up;
      // a table is never deleted from Glue because a crawl did not see it.
      RecrawlPolicy: { RecrawlBehavior: 'CRAWL_EVERYTHING' },
      SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' },
    };
    const existing = await this.get();
    if (!existing) {
      try {
        await this.call('CreateCrawler', () => this.glue.send(new CreateCrawlerCommand(definition)));
        this.options.logger.info({ crawler: this.spec.name }, 'CrawlerCreated');
        return;
      } catch (err) {
        if (nameOf(err) !== 'AlreadyExistsException') throw err;
      }
    }
    await this.call('UpdateCrawler', () => this.glue.send(new UpdateCrawlerCommand(definition)));
  }

  async get(): Promise<Crawler | undefined> {
    try {
      return (await this.call('GetCrawler', () => this.glue.send(new GetCrawlerCommand({ Name: this.spec.name })))).Crawler;
    } catch (err) {
      if (nameOf(err) === 'EntityNotFoundException') return undefined;
      throw err;
    }
  }

  /**
   * Runs one crawl that starts after now: waits for a running crawl to end first (its start may
   * predate the folders we want crawled), treats CrawlerRunningException as "wait and try again",
   * then waits for the crawl to finish and returns its outcome.
   */
  async crawl(): Promise<CrawlOutcome> {
    const started = this.now();
    const deadline = started + this.options.waitTimeoutMs;
    for (;;) {
      await this.waitUntilReady(deadline);
      try {
        await this.call('StartCrawler', () => this.glue.send(new StartCrawlerCommand({ Name: this.spec.name })));
        break;
      } catch (err) {
        if (nameOf(err) !== 'CrawlerRunningException') throw err;
        this.options.logger.info({ crawler: this.spec.name }, 'CrawlerAlreadyRunning');
      }
    }
    const requestedAt = this.now();
    // Right after StartCrawler the crawler may still read READY with the previous run as LastCrawl:
    // only a READY that follows a busy state, or a LastCrawl that started after our request, is ours.
    const finished = await this.waitUntilReady(deadline, (c) => (c.LastCrawl?.StartTime?.getTime() ?? 0) >= requestedAt - CLOCK_SKEW_MS);
    const last = finished.LastCrawl;
    const outcome: CrawlOutcome = { status: last?.Status ?? 'UNKNOWN', durationMs: this.now() - started, ...(last?.ErrorMessage ? { errorMessage: last.ErrorMessage } : {}) };
    if (outcome.status !== 'SUCCEEDED') {
      throw new PipelineError('CATALOG_UNAVAILABLE', `crawler ${this.spec.name} ended ${outcome.status}: ${outcome.errorMessage ?? 'no reason given'}`, {
        retriable: true,
        details: { ...outcome },
      });
    }
    return outcome;
  }

  /** Polls until READY; with `isOurs`, a READY before any busy state counts only when `isOurs` says so. */
  private async waitUntilReady(deadline: number, isOurs?: (crawler: Crawler) => boolean): Promise<Crawler> {
    let delay = this.options.pollIntervalMs ?? 5_000;
    let sawBusy = false;
    for (;;) {
      const crawler = await this.get();
      if (!crawler) throw new PipelineError('CATALOG_UNAVAILABLE', `crawler ${this.spec.name} does not exist`, { retriable: false });
      if (crawler.State === 'READY' && (!isOurs || sawBusy || isOurs(crawler))) return crawler;
      sawBusy ||= crawler.State !== 'READY';
      if (this.now() > deadline) {
        throw new PipelineError('TIMEOUT', `crawler ${this.spec.name} still ${crawler.State} after ${this.options.waitTimeoutMs} ms`, { retriable: true });
      }
      await this.pause(delay);
      delay = Math.min(delay * 2, 60_000);
    }
  }
}

/** Tolerance between our clock and Glue's when telling our crawl from the previous one. */
const CLOCK_SKEW_MS = 60_000;

const nameOf = (err: unknown): string => (err instanceof PipelineError ? String(err.details.name) : errorName(err));

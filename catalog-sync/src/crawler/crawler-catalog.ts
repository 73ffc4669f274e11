import type { GlueClient } from '@aws-sdk/client-glue';
import { errorMessage } from '@spotify-pipeline/shared/errors';
import type { Counter } from '@spotify-pipeline/shared/metrics';
import type { LakeColumn } from '@spotify-pipeline/shared/schemas';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { CompletenessMark, PartitionFiles, PartitionKey, PartitionSwap, TableSpec } from '../catalog/catalog.js';
import { GlueCatalog, type GlueCatalogOptions } from '../glue/glue-catalog.js';
import type { GlueCrawler } from './glue-crawler.js';

/**
 * Crawler mode (the seed's design): the Glue crawler creates the tables, discovers new columns and
 * new hour folders. catalog-sync starts it when new partitions arrive — never a second run while
 * one is going; requests that arrive meanwhile collapse into one follow-up crawl — and keeps doing
 * what a crawler cannot: compaction swaps and completeness parameters, through the Glue API.
 *
 * Crawls run in the background: a crawl takes minutes, longer than a consumer may go without
 * polling. Offsets are committed once the crawl is requested; a crawl lost to a crash is covered
 * by the next one, since CRAWL_NEW_FOLDERS_ONLY picks up every folder new since the last success.
 */
export class CrawlerCatalog extends GlueCatalog {
  override readonly mode = 'crawler';
  private running: Promise<void> | undefined;
  private requested = false;

  constructor(
    glue: GlueClient,
    options: GlueCatalogOptions,
    private readonly crawler: GlueCrawler,
    private readonly crawls: Counter<'status'>,
  ) {
    super(glue, options);
  }

  override async ensureTable(_spec: TableSpec): Promise<void> {
    await this.crawler.ensure();
  }

  /** The crawler adds columns it finds in the files. */
  override async addColumns(_table: string, _columns: LakeColumn[]): Promise<void> {}

  override async registerPartitions(_table: string, partitions: PartitionFiles[]): Promise<void> {
    if (partitions.length > 0) this.requestCrawl();
  }

  override async switchPartitionFiles(table: string, swap: PartitionSwap): Promise<void> {
    await this.unlessUncrawled('swap', table, swap, () => super.switchPartitionFiles(table, swap));
  }

  override async setPartitionClosed(table: string, partition: PartitionKey, mark: CompletenessMark): Promise<void> {
    await this.unlessUncrawled('close', table, partition, () => super.setPartitionClosed(table, partition, mark));
  }

  /**
   * A partition the crawler has not found yet cannot be updated. Waiting for the crawl would stall
   * the consumer for minutes (past max.poll.interval.ms), so the write is skipped, loudly: this is
   * the crawler design's known gap, and the reason `glue` mode exists.
   */
  private async unlessUncrawled(write: string, table: string, partition: PartitionKey, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (!(err instanceof PipelineError && err.details.name === 'EntityNotFoundException')) throw err;
      this.options.logger.warn({ write, table, dt: partition.dt, hour: partition.hour }, 'PartitionNotCrawledYet');
    }
  }

  /** Starts a crawl, or marks one to follow the running crawl. */
  requestCrawl(): void {
    this.requested = true;
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when no crawl is running or requested (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.requested) {
      this.requested = false;
      try {
        const outcome = await this.crawler.crawl();
        this.crawls.inc({ status: outcome.status });
        this.options.logger.info({ ...outcome }, 'CrawlCompleted');
      } catch (err) {
        this.crawls.inc({ status: 'FAILED' });
        // The folders stay new for the crawler: the next request covers them again.
        this.options.logger.error({ err, reason: errorMessage(err) }, 'CrawlFailed');
      }
    }
  }

  override async close(): Promise<void> {
    await this.idle();
    await super.close();
  }
}

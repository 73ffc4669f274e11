import { GlueClient } from '@aws-sdk/client-glue';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { Counter, createRegistry } from '@spotify-pipeline/shared/metrics';
import { CrawlerCatalog } from '../../../src/crawler/crawler-catalog';
import type { GlueCrawler } from '../../../src/crawler/glue-crawler';

const partitions = [{ dt: '2024-03-01', hour: '10', location: 's3://lake/listening_events/dt=2024-03-01/hour=10/', files: [] }];

describe('CrawlerCatalog', () => {
  it('runs one crawl per burst of new partitions: requests during a crawl collapse into one follow-up', async () => {
    const releases: Array<() => void> = [];
    const crawler = {
      ensure: jest.fn(async () => undefined),
      crawl: jest.fn(() => new Promise((resolve) => releases.push(() => resolve({ status: 'SUCCEEDED', durationMs: 1 })))),
    } as unknown as GlueCrawler;
    const crawls = new Counter({ name: 'crawls_total', help: 'x', labelNames: ['status'], registers: [createRegistry('t', false)] });
    const catalog = new CrawlerCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'db', logger: createLogger({ service: 't', level: 'silent' }) }, crawler, crawls);

    await catalog.registerPartitions('listening_events', partitions);
    await catalog.registerPartitions('listening_events', partitions);
    await catalog.registerPartitions('listening_events', partitions);
    expect(crawler.crawl).toHaveBeenCalledTimes(1);

    releases.shift()!();
    await new Promise((r) => setImmediate(r));
    expect(crawler.crawl).toHaveBeenCalledTimes(2);
    releases.shift()!();
    await catalog.idle();
    expect(crawler.crawl).toHaveBeenCalledTimes(2);
    expect((await crawls.get()).values).toEqual([expect.objectContaining({ labels: { status: 'SUCCEEDED' }, value: 2 })]);

    // Registering nothing new starts nothing; adding columns is the crawler's job.
    await catalog.registerPartitions('listening_events', []);
    await catalog.addColumns('listening_events', [{ name: 'mood', type: 'string', nullable: true }]);
    expect(crawler.crawl).toHaveBeenCalledTimes(2);
    await catalog.close();
  });
});

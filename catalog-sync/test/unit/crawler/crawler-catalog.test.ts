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

describe('CrawlerCatalog before the crawler found a partition', () => {
  it('skips a swap or close of a partition Glue does not know yet, instead of failing the batch', async () => {
    const { mockClient } = await import('aws-sdk-client-mock');
    const { EntityNotFoundException, GetPartitionCommand, UpdatePartitionCommand } = await import('@aws-sdk/client-glue');
    const glue = mockClient(GlueClient);
    glue.on(GetPartitionCommand).rejects(new EntityNotFoundException({ message: 'not crawled', $metadata: {} }));
    const crawler = { ensure: jest.fn(), crawl: jest.fn() } as unknown as GlueCrawler;
    const crawls = new Counter({ name: 'crawls2_total', help: 'x', labelNames: ['status'], registers: [createRegistry('t', false)] });
    const catalog = new CrawlerCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'db', logger: createLogger({ service: 't', level: 'silent' }), retry: { sleep: async () => undefined } }, crawler, crawls);

    await expect(catalog.setPartitionClosed('listening_events', { dt: '2024-03-01', hour: '10' }, { closedAtMs: 1, watermarkMs: 1 })).resolves.toBeUndefined();
    await expect(catalog.switchPartitionFiles('listening_events', { dt: '2024-03-01', hour: '10', location: 's3://x/', remove: [], add: [] })).resolves.toBeUndefined();
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(0);
    glue.restore();
  });
});

import {
  CrawlerRunningException,
  CreateCrawlerCommand,
  EntityNotFoundException,
  GetCrawlerCommand,
  GlueClient,
  StartCrawlerCommand,
  UpdateCrawlerCommand,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { GlueCrawler, type CrawlerSpec } from '../../../src/crawler/glue-crawler';

const logger = createLogger({ service: 'test', level: 'silent' });
const meta = { $metadata: {} };
const spec: CrawlerSpec = {
  name: 'lake-crawler',
  roleArn: 'arn:aws:iam::123456789012:role/crawler',
  database: 'lake_db',
  tableLocations: ['s3://lake/listening_events', 's3://lake/tracks'],
};

describe('GlueCrawler', () => {
  const glue = mockClient(GlueClient);
  const sleeps: number[] = [];
  const build = (overrides: Partial<CrawlerSpec> = {}) =>
    new GlueCrawler(new GlueClient({ region: 'eu-west-1' }), { ...spec, ...overrides }, {
      logger,
      retry: { sleep: async () => undefined, random: () => 0 },
      pollIntervalMs: 1_000,
      // Short enough that a wait that never ends fails the test instead of spinning.
      waitTimeoutMs: 5_000,
      sleep: async (ms) => void sleeps.push(ms),
    });

  beforeEach(() => {
    glue.reset();
    sleeps.length = 0;
  });

  it('creates the crawler with an Iceberg target on the table locations, allowed to update the tables, when it does not exist', async () => {
    glue.on(GetCrawlerCommand).rejects(new EntityNotFoundException({ message: 'none', ...meta }));
    glue.on(CreateCrawlerCommand).resolves({});

    await build().ensure();

    const input = glue.commandCalls(CreateCrawlerCommand)[0]!.args[0].input;
    expect(input.Targets).toEqual({ IcebergTargets: [{ Paths: spec.tableLocations, MaximumTraversalDepth: 1 }] });
    expect(input.Targets?.S3Targets).toBeUndefined();
    expect(input.SchemaChangePolicy).toEqual({ UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' });
    expect(input.DatabaseName).toBe('lake_db');
    expect(glue.commandCalls(UpdateCrawlerCommand)).toHaveLength(0);
  });

  it('updates an existing crawler to the spec', async () => {
    glue.on(GetCrawlerCommand).resolves({ Crawler: { Name: 'lake-crawler', State: 'READY' } });
    glue.on(UpdateCrawlerCommand).resolves({});

    await build({ database: 'other_db' }).ensure();

    expect(glue.commandCalls(CreateCrawlerCommand)).toHaveLength(0);
    expect(glue.commandCalls(UpdateCrawlerCommand)[0]!.args[0].input.DatabaseName).toBe('other_db');
  });

  it('never starts while a crawl runs: CrawlerRunningException waits for READY, starts again, and reports the outcome', async () => {
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY' } }) // looks idle...
      .resolvesOnce({ Crawler: { State: 'RUNNING' } }) // ...but someone started it meanwhile
      .resolvesOnce({ Crawler: { State: 'STOPPING' } })
      .resolvesOnce({ Crawler: { State: 'READY' } })
      .resolvesOnce({ Crawler: { State: 'RUNNING' } })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED' } } });
    glue
      .on(StartCrawlerCommand)
      .rejectsOnce(new CrawlerRunningException({ message: 'already running', ...meta }))
      .resolves({});

    const outcome = await build().crawl();

    expect(outcome.status).toBe('SUCCEEDED');
    expect(glue.commandCalls(StartCrawlerCommand)).toHaveLength(2);
    // Polling backs off between looks at a busy crawler.
    expect(sleeps).toEqual([1_000, 2_000, 1_000]);
  });

  it('surfaces a failed crawl with its error message', async () => {
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY' } })
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', ErrorMessage: 'Access denied to s3://lake', StartTime: new Date() } } });
    glue.on(StartCrawlerCommand).resolves({});

    await expect(build().crawl()).rejects.toMatchObject({ code: 'CATALOG_UNAVAILABLE', message: expect.stringContaining('Access denied to s3://lake') });
  });

  it("does not take the previous crawl's outcome for ours when the crawler still reads READY right after StartCrawler", async () => {
    const yesterday = new Date(Date.now() - 86_400_000);
    glue
      .on(GetCrawlerCommand)
      .resolvesOnce({ Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', StartTime: yesterday } } })
      .resolvesOnce({ Crawler: { State: 'READY', LastCrawl: { Status: 'FAILED', StartTime: yesterday } } }) // not ours yet
      .resolves({ Crawler: { State: 'READY', LastCrawl: { Status: 'SUCCEEDED', StartTime: new Date() } } });
    glue.on(StartCrawlerCommand).resolves({});

    await expect(build().crawl()).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(glue.commandCalls(GetCrawlerCommand)).toHaveLength(3);
  });
});

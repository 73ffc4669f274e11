import { createLogger } from '@spotify-pipeline/shared/logging';
import { Counter, createRegistry } from '@spotify-pipeline/shared/metrics';
import { CrawlTrigger } from '../../../src/crawler/crawl-trigger';

const logger = createLogger({ service: 'test', level: 'silent' });

function setup(minIntervalMs: number) {
  let now = 0;
  const started: Array<{ finish: (ok: boolean) => void }> = [];
  const crawler = {
    crawl: () =>
      new Promise<{ status: string; durationMs: number }>((resolve, reject) =>
        started.push({ finish: (ok) => (ok ? resolve({ status: 'SUCCEEDED', durationMs: 1 }) : reject(new Error('crawl failed'))) }),
      ),
  };
  const registry = createRegistry('catalog-sync', false);
  const crawls = new Counter({ name: 'crawls_total', help: 'x', labelNames: ['status'], registers: [registry] });
  const trigger = new CrawlTrigger(crawler, { minIntervalMs, crawls, logger, now: () => now });
  return { trigger, started, crawls, tick: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('CrawlTrigger', () => {
  it('crawls after a commit, never two at once, and once more after a crawl that commits overtook', async () => {
    const { trigger, started, tick } = setup(1_000);
    trigger.committed();
    expect(started).toHaveLength(1);
    tick(5_000);
    trigger.committed(); // lands while the first crawl runs
    expect(started).toHaveLength(1);
    started[0]!.finish(true);
    await settle();
    trigger.maybeStart();
    expect(started).toHaveLength(2);
  });

  it('waits out the minimum interval, and a failed crawl is counted, not thrown', async () => {
    const { trigger, started, tick, crawls } = setup(60_000);
    trigger.committed();
    started[0]!.finish(false);
    await settle();
    trigger.committed();
    expect(started).toHaveLength(1);
    tick(60_000);
    trigger.maybeStart();
    expect(started).toHaveLength(2);
    expect((await crawls.get()).values.map((v) => [v.labels.status, v.value])).toEqual([['FAILED', 1]]);
  });

  it('does nothing without commits', () => {
    const { trigger, started } = setup(0);
    trigger.maybeStart();
    expect(started).toHaveLength(0);
  });
});

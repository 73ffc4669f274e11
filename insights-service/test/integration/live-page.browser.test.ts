/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page.evaluate callbacks run in the browser: DOM types for them, on top of Node's.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { LakeCatalog, restCatalogFor } from '@spotify-pipeline/shared/iceberg';
import { createIdempotentProducer, disconnect, flush, KafkaAdmin, type Producer } from '@spotify-pipeline/shared/kafka';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { LAKE_TABLES, LISTENING_EVENTS_TABLE } from '@spotify-pipeline/shared/schemas';
import { startIcebergCatalog, startKafka, startS3, stackEnv, uniqueName, waitUntil, type IcebergCatalogEndpoint, type KafkaEndpoint, type S3Endpoint } from '@spotify-pipeline/testkit';
import type { LiveView } from '../../src/http/insights-queries';
import { InsightsChild } from '../fixtures/insights-child';
import { EventFactory } from '../fixtures/listening-fixtures';
import { buildScenario, MINUTE_MS, produceScenario } from '../fixtures/scenario';

/**
 * Debian's chromium (`apt-get install chromium`, done by .ci/install): CHROMIUM_PATH if set, else the
 * first of `chromium` / `chromium-browser` on PATH. Absent, the test fails rather than skips, so CI
 * cannot go green without having driven a browser.
 */
function findChromium(): string {
  const override = process.env.CHROMIUM_PATH;
  if (override) {
    if (!existsSync(override)) throw new Error(`CHROMIUM_PATH=${override} does not exist`);
    return override;
  }
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of ['chromium', 'chromium-browser']) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
  }
  throw new Error('headless Chromium not found: install Debian\'s chromium (npm run setup does) or set CHROMIUM_PATH');
}

/** Where the screenshot is kept after the run (the README's screenshot comes from a real run, not this). */
const ARTIFACTS = process.env.TEST_ARTIFACTS_DIR ?? join(tmpdir(), 'insights-service-artifacts');
const PARTITIONS = 3;

/**
 * The live page in headless Chromium against a running insights-service on the real broker: it
 * loads without a console error, draws its charts with data, shows the API's top tracks, follows
 * events while they flow, and says so when the data goes stale or the service goes away.
 */
describe('the live page in headless Chromium', () => {
  let kafka: KafkaEndpoint;
  let s3: S3Endpoint;
  let catalog: IcebergCatalogEndpoint;
  let child: InsightsChild;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let topic: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
    s3 = await startS3();
    catalog = await startIcebergCatalog(s3);
    topic = uniqueName('insights-page');
    const admin = KafkaAdmin.create(kafka.settings, 'insights-page-admin');
    try {
      await admin.ensureTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }]);
    } finally {
      admin.close();
    }
    // The history panel reads a lake of its own: an empty listening_events table in a fresh namespace.
    const bucket = uniqueName('insights-lake');
    const namespace = uniqueName('insights_page').replace(/-/g, '_');
    const client = createS3Client(s3.settings);
    await ensureBucket(client, bucket);
    client.destroy();
    await new LakeCatalog(restCatalogFor({ catalog: 'rest', restUri: catalog.uri, namespace, requestTimeoutMs: 30_000 }, 'us-east-1'), namespace, bucket).ensureTable(LAKE_TABLES.find((t) => t.name === LISTENING_EVENTS_TABLE)!);

    const startMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 30 * MINUTE_MS;
    await produceScenario(kafka.settings, topic, buildScenario({ seed: 7, partitions: PARTITIONS, startMs, minutes: 30, eventsPerPartitionMinute: 25, allowedLatenessMs: 5 * MINUTE_MS }));
    child = new InsightsChild({
      ...stackEnv(kafka, s3, { catalog }),
      TOPICS_LISTENING_EVENTS: topic,
      INSIGHTS_GROUP_ID: uniqueName('insights'),
      STORAGE_LAKE_BUCKET: bucket,
      ICEBERG_NAMESPACE: namespace,
      HISTORY_ENGINE: 'duckdb',
      HISTORY_CACHE_DIR: mkdtempSync(join(tmpdir(), 'insights-history-')),
      HISTORY_CACHE_TTL_MS: '1000',
      WEB_STALE_AFTER_MS: '4000',
    });
    await child.start();
    await child.ready();

    userDataDir = mkdtempSync(join(tmpdir(), 'insights-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: findChromium(),
      headless: true,
      viewport: { width: 1440, height: 900 },
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
  });

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await child?.stop();
    await Promise.all([kafka?.stop(), s3?.stop(), catalog?.stop()]);
  });

  const badge = () => page.locator('#connection').textContent();

  it('loads without a console error and draws its charts with data', async () => {
    await page.goto(child.url, { waitUntil: 'load' });
    await waitUntil('the page live', async () => (await badge()) === 'live' || (await badge()) === 'stale', 20_000);
    const drawn = await page.evaluate(() => {
      const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: Array<{ data: number[] }> } } | undefined } }).Chart;
      return ['chart-plays', 'chart-skips', 'chart-countries'].map((id) => {
        const canvas = document.getElementById(id) as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted += 1;
        return { id, points: chart.getChart(id)?.data.datasets[0]?.data.filter((v) => v > 0).length ?? 0, painted, width: canvas.width };
      });
    });
    for (const chart of drawn) {
      expect(chart.points).toBeGreaterThan(0);
      expect(chart.painted).toBeGreaterThan(1_000);
      expect(chart.width).toBeGreaterThan(200);
    }
    expect(Number((await page.locator('#kpi-plays').textContent())!.replace(/,/g, ''))).toBeGreaterThan(1_000);
    // The history panel answered from the lake (an empty table: no error, no rows).
    await waitUntil('history answered', async () => ((await page.locator('#history-source').textContent()) ?? '').includes('duckdb'), 30_000);
    expect(await page.locator('#history-error').isHidden()).toBe(true);
    expect(consoleErrors).toEqual([]);
  });

  it('shows the top tracks the API reports', async () => {
    const api = await child.get<LiveView>('/api/live?minutes=60&limit=10');
    expect(api.topTracks.entries.length).toBe(10);
    const rows = await page.locator('#top-tracks tbody tr').evaluateAll((trs) =>
      trs.map((tr) => ({ key: (tr as HTMLElement).dataset.key, cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })),
    );
    const n = (value: number) => value.toLocaleString('en-US');
    const plays = (e: { plays: number; error: number }) => (e.error === 0 ? n(e.plays) : e.plays - e.error <= 0 ? `≤ ${n(e.plays)}` : `${n(e.plays)} ±${n(e.error)}`);
    expect(rows).toEqual(api.topTracks.entries.map((e) => ({ key: e.key, cells: [String(e.rank), e.name, e.artist ?? '', plays(e)] })));
  });

  it('follows the events while they flow, then says the data is stale when they stop', async () => {
    const before = Number((await page.locator('#kpi-plays').textContent())!.replace(/,/g, ''));
    const producer: Producer = await createIdempotentProducer(kafka.settings, { clientId: 'insights-page-live' });
    const factory = new EventFactory(99);
    let produced = 0;
    const timer = setInterval(() => {
      for (let i = 0; i < 20; i++) {
        const event = factory.event(Date.now());
        producer.produce(topic, produced % PARTITIONS, Buffer.from(JSON.stringify(event)), event.user_id, Date.parse(event.ts));
        produced += 1;
      }
    }, 200);
    try {
      const seen: number[] = [];
      await waitUntil('the plays figure rising twice', async () => {
        const now = Number((await page.locator('#kpi-plays').textContent())!.replace(/,/g, ''));
        if (seen.at(-1) !== now) seen.push(now);
        return seen.filter((n) => n > before).length >= 2;
      }, 20_000, 250);
      expect(await badge()).toBe('live');
      mkdirSync(ARTIFACTS, { recursive: true });
      const shot = join(ARTIFACTS, 'insights-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      process.stdout.write(`insights page screenshot: ${shot}\n`);
    } finally {
      clearInterval(timer);
      await flush(producer, 30_000);
      await disconnect(producer);
    }
    await waitUntil('the page saying stale', async () => (await badge()) === 'stale', 20_000, 250);
    expect(await page.locator('#banner').textContent()).toMatch(/No new events for \d+ s .*stale/);
    expect(consoleErrors).toEqual([]);
  });

  it('says clearly that it is disconnected when the service goes away', async () => {
    expect(await child.stop()).toBe(0);
    await waitUntil('the page saying disconnected', async () => (await badge()) === 'disconnected', 20_000, 250);
    expect(await page.locator('#banner').textContent()).toMatch(/Disconnected from the insights service since .* reconnecting/);
  });
});

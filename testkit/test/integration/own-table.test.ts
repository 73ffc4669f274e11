/**
 * A table of your own topic, declared in a spec file (issue 16, "Done when"): web clicks with a
 * nested object, an epoch-ms event time, an identity and a bucket partition and a PII field to
 * drop, from the fixture spec of shared/test, produced to their own topic while listening events
 * flow too, through the sink, the ETL and catalog-sync as processes (real broker, S3 server and
 * Iceberg REST catalog). Then Trino, Athena's engine, reads both tables; the bad clicks are in the
 * quarantine with their reasons; the closed hours are compacted per partition value; and `catalog
 * status` reconciles every hour of the clicks to zero.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bucketOf, icebergHash } from '@spotify-pipeline/shared/iceberg';
import { KafkaAdmin } from '@spotify-pipeline/shared/kafka';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { EventFeed, type Delivered } from './support/event-feed';
import { HealthProbes } from './support/health-probes';
import { listeningEvent } from './support/listening-events';
import { createPipelineWorld, groupLag, lakeTotals, pipelineLag, quarantinedLines, runCatalogCli, type PipelineWorld, type StageName } from './support/pipeline-world';

const PARTITIONS = 2;
const CLICKS = 240;
const EVENTS = 120;
const HOUR_MS = 3_600_000;
const FIXTURES = join(__dirname, '../../../shared/test/unit/table-spec/fixtures');
const DEVICES = ['mobile', 'desktop', 'tablet'] as const;

interface Click {
  click_id: string;
  occurred_at_ms: number;
  user_id: string;
  ip_address: string;
  device: string;
  page: { url: string; referrer: string | null; load_ms: number };
  tags: string[];
}

describe('a table of your own topic from a spec, beside the Spotify tables (sink, ETL and catalog-sync processes; Trino reads)', () => {
  let world: PipelineWorld;
  let feed: EventFeed | undefined;
  let clicksFeed: EventFeed | undefined;
  let probes: HealthProbes | undefined;
  let clicksTopic: string;
  let specsDir: string;

  beforeAll(async () => {
    world = await createPipelineWorld('owntable', { partitions: PARTITIONS });
    clicksTopic = `${world.prefix}-web-clicks`;
    // The fixture spec as a user would keep it in their folder, reading this test's topic.
    specsDir = join(world.work, 'specs');
    mkdirSync(specsDir);
    const spec = readFileSync(join(FIXTURES, 'web_clicks.table.yaml'), 'utf8').replace('topics: [web-clicks]', `topics: [${clicksTopic}]`);
    expect(spec).toContain(clicksTopic);
    writeFileSync(join(specsDir, 'web_clicks.table.yaml'), spec);
    copyFileSync(join(FIXTURES, 'web_clicks.schema.json'), join(specsDir, 'web_clicks.schema.json'));
    const admin = KafkaAdmin.create(world.kafka.settings, `${world.prefix}-clicks-admin`);
    try {
      await admin.ensureTopics([{ name: clicksTopic, partitions: PARTITIONS, replicationFactor: 1 }]);
    } finally {
      admin.close();
    }
  });

  afterAll(async () => {
    await feed?.close();
    await clicksFeed?.close();
    probes?.stop();
    if (world) {
      const cleaner = KafkaAdmin.create(world.kafka.settings, `${world.prefix}-clicks-cleanup`);
      await cleaner.deleteTopic(clicksTopic).catch(() => undefined);
      cleaner.close();
      await world.kill();
    }
  });

  it('lands the clicks in their own Iceberg table as the spec declares, quarantines the bad ones and reconciles every hour', async () => {
    const run = uniqueName('clk');
    // Three whole hours, a day back: closed by the late clicks below (CATALOG_ALLOWED_LATENESS_MS 1 h).
    const startMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS;
    const click = (i: number): Click => ({
      click_id: `${run}-${String(i).padStart(5, '0')}`,
      occurred_at_ms: startMs + Math.floor((i * 3 * HOUR_MS) / CLICKS),
      user_id: `u${i % 7}`,
      ip_address: `10.0.0.${i % 250}`,
      device: DEVICES[i % 3]!,
      page: { url: `https://shop.example/p/${i}`, referrer: i % 4 === 0 ? 'https://search.example/?q=x' : null, load_ms: i * 1.25 },
      tags: [`t${i % 2}`],
    });
    // One click per user 8 hours on: every source partition's watermark passes the first three hours.
    const late = Array.from({ length: 7 }, (_, u): Click => ({ ...click(u), click_id: `${run}-late-${u}`, user_id: `u${u}`, occurred_at_ms: startMs + 8 * HOUR_MS }));
    const bad = [
      { reason: 'breaking_change', value: { ...click(0), click_id: `${run}-bad-nopage`, page: undefined } },
      { reason: 'schema_invalid', value: { ...click(1), click_id: `${run}-bad-device`, device: 'fridge' } },
      // The spec's schema evolution is strict: an unknown field is not a new column.
      { reason: 'unsupported_field', value: { ...click(2), click_id: `${run}-bad-coupon`, coupon: 'XMAS' } },
    ];

    probes = new HealthProbes(world.ports);
    probes.start();
    const ready = (stage: StageName) => waitUntil(`${stage} ready`, () => probes!.samples.get(stage)!.at(-1)?.ready === true, 120_000, 250);
    const env = { TABLE_SPECS_DIR: specsDir };
    world.start('catalog-sync', env);
    await ready('catalog-sync');
    // Compaction every 2 s: the clicks' closed hours are merged per hour, device and user bucket.
    world.start('etl-worker', { ...env, ETL_COMPACTION_INTERVAL_MS: '2000', ETL_COMPACTION_MIN_FILES: '2' });
    await ready('etl-worker');
    world.start('consumer-service', env);
    await ready('consumer-service');
    console.log(`[own-table] work dir ${world.work}, namespace ${world.namespace}`);

    clicksFeed = await EventFeed.open(world.kafka.settings, clicksTopic);
    feed = await EventFeed.open(world.kafka.settings, world.topics.events);
    const deliveries: Array<Promise<Delivered>> = [];
    const clicks = [...Array.from({ length: CLICKS }, (_, i) => click(i)), ...late];
    for (const [i, c] of clicks.entries()) {
      deliveries.push(clicksFeed.send({ key: c.user_id, value: Buffer.from(JSON.stringify(c)), timestamp: c.occurred_at_ms }));
      const b = bad[i / 80];
      if (i % 80 === 0 && b) deliveries.push(clicksFeed.send({ key: b.value.user_id, value: Buffer.from(JSON.stringify(b.value)), timestamp: b.value.occurred_at_ms }));
    }
    const eventsStart = Date.now() - 2 * HOUR_MS;
    for (let i = 0; i < EVENTS; i++) {
      const event = listeningEvent(run, i, eventsStart, HOUR_MS);
      deliveries.push(feed.send({ key: event.user_id, value: Buffer.from(JSON.stringify(event)), timestamp: Date.parse(event.ts) }));
    }
    await Promise.all(deliveries);

    // Both tables, as Trino reads them from the catalog.
    const trino = world.trino();
    await waitUntil(
      `the lake to hold ${clicks.length} clicks and ${EVENTS} listening events`,
      async () => {
        const [row] = (await trino.query('SELECT COUNT(*) AS n FROM web_clicks')).rows;
        const events = await lakeTotals(trino);
        return Number(row?.n) >= clicks.length && events.rows >= EVENTS ? true : undefined;
      },
      150_000,
      3_000,
    );
    const lag = await waitUntil(
      'every stage to drain (lag 0)',
      async () => {
        const l = { ...(await pipelineLag(world)), 'sink(clicks)': await groupLag(world.kafka.settings, world.groups['consumer-service'], clicksTopic, PARTITIONS) };
        return Object.values(l).every((n) => n === 0) ? l : undefined;
      },
      180_000,
      2_000,
    );
    console.log(`[own-table] drained: ${JSON.stringify(lag)}`);

    // Exactly the valid clicks, once each, and the listening events beside them.
    const [totals] = (await trino.query('SELECT COUNT(*) AS n, COUNT(DISTINCT click_id) AS d FROM web_clicks')).rows;
    expect(totals).toEqual({ n: clicks.length, d: clicks.length });
    expect(await lakeTotals(trino)).toEqual({ rows: EVENTS, distinct: EVENTS });

    // The columns the spec declares: flattened, converted, derived; the PII field nowhere.
    const columns = (await trino.query('DESCRIBE web_clicks')).rows.map((r) => String(Object.values(r)[0]));
    expect(columns).toEqual(['click_id', 'occurred_at_ms', 'user_id', 'device', 'page_url', 'page_referrer', 'page_load_ms', 'tags', 'page_host']);
    const [first] = (
      await trino.query(
        `SELECT click_id, CAST(occurred_at_ms AS varchar) AS at, user_id, device, page_url, page_referrer, page_load_ms, tags, page_host FROM web_clicks WHERE click_id = '${click(4).click_id}'`,
      )
    ).rows;
    const expected = click(4);
    expect(first).toEqual({
      click_id: expected.click_id,
      at: new Date(expected.occurred_at_ms).toISOString().replace('T', ' ').replace('Z', '000'),
      user_id: 'u4',
      device: 'desktop',
      page_url: 'https://shop.example/p/4',
      page_referrer: 'https://search.example/?q=x',
      page_load_ms: 5,
      tags: '["t0"]',
      page_host: 'shop.example',
    });

    // Partition values as Iceberg computes them: Trino prunes files on the bucket and identity
    // values our manifests carry, so a wrong bucket would lose rows here.
    for (const user of ['u0', 'u3', 'u6']) {
      const want = clicks.filter((c) => c.user_id === user).length;
      expect((await trino.query(`SELECT COUNT(*) AS n FROM web_clicks WHERE user_id = '${user}'`)).rows).toEqual([{ n: want }]);
    }
    expect((await trino.query(`SELECT COUNT(*) AS n FROM web_clicks WHERE device = 'tablet'`)).rows).toEqual([{ n: clicks.filter((c) => c.device === 'tablet').length }]);
    const partitions = (await trino.query('SELECT partition.device AS device, partition.user_id_bucket AS bucket FROM "web_clicks$files"')).rows;
    expect(new Set(partitions.map((p) => p.device))).toEqual(new Set(DEVICES));
    expect(partitions.every((p) => Number.isInteger(p.bucket) && Number(p.bucket) >= 0 && Number(p.bucket) < 8)).toBe(true);

    // The bad clicks, quarantined under their table with their reasons (and never in the lake).
    const quarantined = (await quarantinedLines(world.s3, world.buckets.lake)).filter((q) => q.key.startsWith('_quarantine/web_clicks/'));
    expect(quarantined.map((q) => [q.reason, (JSON.parse(q.line) as { click_id: string }).click_id]).sort()).toEqual(bad.map((b) => [b.reason, b.value.click_id]).sort());
    expect(quarantined.find((q) => q.reason === 'unsupported_field')?.message).toMatch(/coupon/);

    // Compaction: in each closed hour, one file per (device, user bucket) once the small files are merged.
    const closedEnd = startMs + 3 * HOUR_MS;
    const filesPerGroup = async (): Promise<Map<string, Set<string>>> => {
      const groups = new Map<string, Set<string>>();
      const rows = (await trino.query(`SELECT "$path" AS path, CAST(date_trunc('hour', occurred_at_ms) AS varchar) AS h FROM web_clicks WHERE occurred_at_ms < from_unixtime(${closedEnd / 1000}) GROUP BY 1, 2`)).rows;
      for (const row of rows) {
        const folders = /device=([^/]+)\/user_id_bucket=(\d+)\//.exec(String(row.path));
        const key = `${String(row.h)}|${folders?.[1]}|${folders?.[2]}`;
        groups.set(key, (groups.get(key) ?? new Set()).add(String(row.path)));
      }
      return groups;
    };
    // The groups the clicks fall in, with Iceberg's bucket of each user id.
    const expectedGroups = new Set(
      clicks
        .filter((c) => c.occurred_at_ms < closedEnd)
        .map((c) => `${new Date(Math.floor(c.occurred_at_ms / HOUR_MS) * HOUR_MS).toISOString().replace('T', ' ').replace('Z', '000')}|${c.device}|${bucketOf(icebergHash('string', c.user_id), 8)}`),
    );
    const compacted = await waitUntil(
      'every closed hour of the clicks compacted to one file per device and bucket',
      async () => {
        const groups = await filesPerGroup();
        return [...groups.values()].every((paths) => paths.size === 1) ? groups : undefined;
      },
      120_000,
      2_000,
    );
    expect([...compacted.keys()].sort()).toEqual([...expectedGroups].sort());
    // Merged files, not only groups that had one file to begin with.
    const mergedGroups = [...compacted.values()].filter((paths) => [...paths][0]!.includes('/compacted-')).length;
    expect(mergedGroups).toBeGreaterThan(0);
    expect((await trino.query('SELECT COUNT(*) AS n, COUNT(DISTINCT click_id) AS d FROM web_clicks')).rows).toEqual([{ n: clicks.length, d: clicks.length }]);
    for (const user of ['u0', 'u3', 'u6']) {
      expect((await trino.query(`SELECT COUNT(*) AS n FROM web_clicks WHERE user_id = '${user}'`)).rows).toEqual([{ n: clicks.filter((c) => c.user_id === user).length }]);
    }
    console.log(`[own-table] compacted: ${mergedGroups} of ${compacted.size} (hour, device, bucket) groups of the closed hours are one merged file each`);

    // Reconciliation as an operator reads it: every hour of the clicks accounted for, the first three closed.
    const cli = async (argv: string[]): Promise<string> => {
      const { code, stdout, stderr } = await runCatalogCli(world, argv, { TABLE_SPECS_DIR: specsDir });
      expect({ argv, code, stderr }).toEqual({ argv, code: 0, stderr: '' });
      return stdout;
    };
    const status = JSON.parse(await cli(['catalog', 'status', '--format', 'json'])) as { partitions: Array<{ table: string; hour: string; status: string; staged: number | null; written: number; engine: number; difference: number }> };
    const hours = status.partitions.filter((p) => p.table === 'web_clicks');
    console.log(`[own-table] web_clicks hours: ${JSON.stringify(hours)}`);
    expect(hours).toHaveLength(4);
    expect(hours.reduce((n, h) => n + h.written, 0)).toBe(clicks.length);
    expect(hours.every((h) => h.difference === 0 && h.engine === h.written)).toBe(true);
    expect(hours.filter((h) => h.status === 'closed')).toHaveLength(3);

    // The spec's saved query, run by catalog-sync (DuckDB) and by Trino: the same rows.
    const report = JSON.parse(await cli(['report', 'clicks-by-device', '--format', 'json'])) as Array<Record<string, unknown>>;
    const query = /sql: \|\n([\s\S]*)$/.exec(readFileSync(join(specsDir, 'web_clicks.table.yaml'), 'utf8'))![1]!;
    const viaTrino = (await trino.query(query)).rows;
    expect(report).toHaveLength(new Set(clicks.map((c) => `${new Date(c.occurred_at_ms).toISOString().slice(0, 10)}|${c.device}`)).size);
    expect(report).toEqual(viaTrino.map((r) => ({ ...r, day: String(r.day) })));
    expect(report.reduce((n, r) => n + Number(r.clicks), 0)).toBe(clicks.length);
  });
});

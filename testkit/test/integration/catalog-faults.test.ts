/**
 * A failing catalog in the middle of catalog batches, with a real consumer (issue 14: after a
 * failed batch catalog-sync once consumed on without seeking back and committed past manifests it
 * never applied; its unit test's fake consumer hid it). catalog-sync runs as a process and talks to
 * the REST catalog (the local stand-in for Glue's Iceberg endpoint) through a fault proxy, while the
 * sink and the ETL feed it lake manifests from a steady stream of events:
 * - commits that land but whose answer is lost (the connection reset after the catalog applied
 *   them: outcome unknown, the committer must look before committing again);
 * - a burst of 503s on every catalog request (loads fail: the batch fails after it was consumed);
 * - a blackhole (requests time out after ICEBERG_REQUEST_TIMEOUT_MS).
 * Then, as Trino reads the table by itself: every event once, and every data file the ETL announced
 * on pipeline.lake-files is in the table exactly once — no manifest skipped, none applied twice.
 */
import { CatalogFaultProxy, catalogRequest, header, readTopic, uniqueName, waitUntil, type Fault } from '@spotify-pipeline/testkit';
import { lakeFileManifestV1 } from '@spotify-pipeline/shared/schemas';
import { EventFeed } from './support/event-feed';
import { HealthProbes } from './support/health-probes';
import { listeningEvent } from './support/listening-events';
import { createPipelineWorld, lakeTotals, pipelineLag, STAGES, type PipelineWorld, type StageName } from './support/pipeline-world';

const PARTITIONS = 3;
const RATE = 60;
const HOUR_MS = 3_600_000;

/** Waits for switched-on faults to lift (their window passes or their request count is used up), with a deadline. */
async function during(what: string, faults: Fault[], ms: number): Promise<{ fromMs: number; toMs: number }> {
  const fromMs = Date.now();
  await waitUntil(`${what} to pass`, () => faults.every((f) => !f.active), ms + 60_000, 200);
  const toMs = Date.now();
  console.log(`[catalog-faults] ${what}: ${toMs - fromMs} ms, hits ${faults.map((f) => f.hits).join('/')}`);
  return { fromMs, toMs };
}

describe('catalog failures in the middle of catalog batches (catalog-sync behind a fault proxy, real consumer)', () => {
  let world: PipelineWorld;
  let proxy: CatalogFaultProxy;
  let probes: HealthProbes | undefined;
  let feed: EventFeed | undefined;
  let stopFeed = false;
  let feeding: Promise<number> | undefined;

  beforeAll(async () => {
    world = await createPipelineWorld('catfaults', { partitions: PARTITIONS });
    proxy = await CatalogFaultProxy.start(process.env.ICEBERG_REST_URI!);
  });

  afterAll(async () => {
    stopFeed = true;
    await feeding?.catch(() => undefined);
    await feed?.close();
    probes?.stop();
    await world?.kill();
    await proxy?.close();
  });

  it('commits every announced data file exactly once through lost answers, 503 bursts and a blackhole', async () => {
    const run = uniqueName('ev');
    const startMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
    const make = (i: number) => {
      const event = listeningEvent(run, i, startMs, 2 * HOUR_MS);
      return { key: event.user_id, value: Buffer.from(JSON.stringify(event)), timestamp: Date.parse(event.ts) };
    };

    probes = new HealthProbes(world.ports);
    probes.start();
    const ready = (stage: StageName) => waitUntil(`${stage} ready`, () => probes!.samples.get(stage)!.at(-1)?.ready === true, 120_000, 250);
    world.start('catalog-sync', {
      ICEBERG_REST_URI: proxy.url,
      ICEBERG_REQUEST_TIMEOUT_MS: '2000',
      // Small batches: many of them, so faults land mid-stream, between consumed and committed.
      CATALOG_POLL_BATCH_SIZE: '10',
    });
    await ready('catalog-sync');
    // No compaction: the table's files are then exactly the ETL's `add` manifests.
    world.start('etl-worker', { ETL_COMPACTION_INTERVAL_MS: '0' });
    await ready('etl-worker');
    world.start('consumer-service');
    console.log(`[catalog-faults] work dir ${world.work}, namespace ${world.namespace}`);

    feed = await EventFeed.open(world.kafka.settings, world.topics.events);
    feeding = feed.steady(make, RATE, () => stopFeed);
    const trino = world.trino();
    await waitUntil('the first rows in the lake (Trino)', async () => (await lakeTotals(trino)).rows > 0, 180_000, 2_000);

    // Commits the catalog applies, whose answer never reaches catalog-sync.
    await during('3 table commits landed with their answer lost', [proxy.reset({ requests: 3, at: 'after-upstream', match: catalogRequest({ commit: true }) })], 0);
    // Every catalog request fails for a while: batches fail after their manifests were consumed.
    const outage = await during('503 on every catalog request', [proxy.unavailable({ forMs: 6_000 })], 6_000);
    await ready('catalog-sync');
    // A commit answered 503 after the catalog applied it (Glue under a throttling burst).
    await during('2 commits applied upstream, then answered 503', [proxy.unavailable({ requests: 2, afterUpstream: true, match: catalogRequest({ commit: true }) })], 0);
    const hole = await during('the catalog blackholed', [proxy.blackhole({ forMs: 8_000 })], 8_000);

    stopFeed = true;
    const produced = await feeding;
    console.log(`[catalog-faults] produced ${produced} valid events`);

    const totals = await waitUntil(
      `the lake to hold ${produced} rows`,
      async () => {
        const t = await lakeTotals(trino);
        return t.rows >= produced ? t : undefined;
      },
      180_000,
      3_000,
    );
    const lag = await waitUntil(
      'every stage to drain (lag 0)',
      async () => {
        const l = await pipelineLag(world);
        return Object.values(l).every((n) => n === 0) ? l : undefined;
      },
      120_000,
      2_000,
    );
    await ready('catalog-sync');

    // Every event once, as Trino reads the table.
    expect(totals).toEqual({ rows: produced, distinct: produced });
    expect(lag).toEqual({ sink: 0, etl: 0, 'catalog(lake-files)': 0, 'catalog(staged-files)': 0 });

    // Every data file the ETL announced is in the table exactly once, and nothing else is.
    const announced = (await readTopic(world.kafka.settings, world.topics.lake, PARTITIONS))
      .map((m) => lakeFileManifestV1.parse(JSON.parse(m.value!.toString('utf8'))))
      .filter((m) => m.operation === 'add' && m.table === 'listening_events')
      .map((m) => `s3://${m.bucket}/${m.key}`)
      .sort();
    const inTable = (await trino.query('SELECT file_path FROM "listening_events$files"')).rows.map((r) => String(r.file_path)).sort();
    expect(new Set(announced).size).toBe(announced.length);
    expect(inTable).toEqual(announced);
    // And the committer did meet the faults: unknown outcomes re-planned, failed batches rewound.
    const snapshots = (await trino.query('SELECT COUNT(*) AS n FROM "listening_events$snapshots"')).rows[0]!;
    console.log(`[catalog-faults] ${announced.length} data files announced, ${inTable.length} in the table, ${Number(snapshots.n)} snapshots; proxy ${JSON.stringify(proxy.stats)}`);
    expect(proxy.stats.resets).toBe(3);
    expect(proxy.stats.errors).toBeGreaterThan(0);
    expect(proxy.stats.blackholed).toBeGreaterThan(0);

    // catalog-sync said it was failing while the catalog failed, and never exited.
    const failing = (w: { fromMs: number; toMs: number }) => probes!.between('catalog-sync', w.fromMs, w.toMs + 2_000).some((s) => s.ready === false);
    console.log(`[catalog-faults] catalog-sync probes during the 503 burst: ${probes.timeline('catalog-sync', outage.fromMs, outage.toMs + 2_000)}`);
    console.log(`[catalog-faults] catalog-sync probes during the blackhole: ${probes.timeline('catalog-sync', hole.fromMs, hole.toMs + 2_000)}`);
    expect({ notReadyDuringOutage: failing(outage), notReadyDuringBlackhole: failing(hole) }).toEqual({ notReadyDuringOutage: true, notReadyDuringBlackhole: true });
    for (const stage of STAGES) {
      const service = world.services[stage]!;
      expect({ stage, running: service.running, starts: service.starts }).toEqual({ stage, running: true, starts: 1 });
    }
    // No lake manifest was dead-lettered by catalog-sync (each was committed instead).
    const dlq = await readTopic(world.kafka.settings, world.topics.dlq, PARTITIONS);
    expect(dlq.filter((m) => header(m, 'failed.stage') === 'catalog').map((m) => header(m, 'error.message'))).toEqual([]);
  }, 900_000);
});

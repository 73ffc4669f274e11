/**
 * Slow and flaky S3 under the whole pipeline (issue 14, "Done when": fault tests). The sink, the
 * ETL and catalog-sync run as processes, each talking to the real S3 server through its own
 * fault-injecting proxy, while a steady stream of valid events flows. In turn: added latency, a
 * burst of 503 SlowDown, connection resets (before forwarding, mid-response, and after a write
 * landed with its answer lost), then a blackhole (accepts, never answers) under the sink alone and
 * under the ETL and catalog-sync together. Then:
 * - nothing lost, nothing duplicated: Trino, reading the Iceberg table by itself, counts every
 *   produced event once (COUNT and COUNT DISTINCT event_id);
 * - nothing stuck: every stage's consumer lag returns to zero after the faults clear;
 * - the probes tell the truth: each stage reports not ready (/readyz 503) while its S3 hangs, and
 *   /healthz's body names what is failing (`checks`: S3 calls or batches `failing`) though it stays
 *   200 (a restart would not bring S3 back); ready, live and clear again after; no service exited or
 *   restarted.
 */
import { S3FaultProxy, uniqueName, waitUntil, type Fault } from '@spotify-pipeline/testkit';
import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { EventFeed } from './support/event-feed';
import { HealthProbes } from './support/health-probes';
import { listeningEvent } from './support/listening-events';
import { createPipelineWorld, lakeTotals, pipelineLag, STAGES, type PipelineWorld, type StageName } from './support/pipeline-world';

const PARTITIONS = 3;
/** Events per second while the faults run (about 5,000 over the run). */
const RATE = 80;
const BLACKHOLE_MS = 15_000;
const HOUR_MS = 3_600_000;

/** Waits for switched-on faults to lift (their window passes or their request count is used up), with a deadline. */
async function during(what: string, faults: Fault[], ms: number): Promise<{ fromMs: number; toMs: number }> {
  const fromMs = Date.now();
  await waitUntil(`${what} to pass`, () => faults.every((f) => !f.active), ms + 5_000, 200);
  const toMs = Date.now();
  console.log(`[s3-faults] ${what}: ${toMs - fromMs} ms, hits ${faults.map((f) => f.hits).join('/')}`);
  return { fromMs, toMs };
}

describe('S3 faults under the sink, the ETL and catalog-sync (each behind its own fault proxy)', () => {
  let world: PipelineWorld;
  let proxies: Record<StageName, S3FaultProxy>;
  let probes: HealthProbes | undefined;
  let feed: EventFeed | undefined;
  let stopFeed = false;
  let feeding: Promise<number> | undefined;

  beforeAll(async () => {
    world = await createPipelineWorld('s3faults', { partitions: PARTITIONS });
    const upstream = world.s3Endpoint.settings.endpoint;
    const [sink, etl, catalog] = await Promise.all(STAGES.map(() => S3FaultProxy.start(upstream)));
    proxies = { 'consumer-service': sink!, 'etl-worker': etl!, 'catalog-sync': catalog! };
  });

  afterAll(async () => {
    stopFeed = true;
    await feeding?.catch(() => undefined);
    await feed?.close();
    probes?.stop();
    await world?.kill();
    for (const proxy of Object.values(proxies ?? {})) await proxy.close();
  });

  it('loses and duplicates nothing, reports each hung stage as not ready, and drains once S3 behaves', async () => {
    const run = uniqueName('ev');
    // Two event hours in the recent past (inside the accepted event-time window), so the ETL's
    // compactor closes the first while events still arrive: its S3 traffic meets the faults too.
    const startMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
    const make = (i: number) => {
      const event = listeningEvent(run, i, startMs, 2 * HOUR_MS);
      return { key: event.user_id, value: Buffer.from(JSON.stringify(event)), timestamp: Date.parse(event.ts) };
    };
    expect(listeningEventV1.safeParse(listeningEvent(run, 0, startMs, 2 * HOUR_MS)).success).toBe(true);

    // Short timeouts and retry budgets: a hang turns into retriable errors in about a second, so the
    // fault windows can be seconds long (defaults: 30 s request timeout, 30 upload attempts).
    const faultEnv = { S3_REQUEST_TIMEOUT_MS: '1000', S3_CONNECTION_TIMEOUT_MS: '500' };
    probes = new HealthProbes(world.ports);
    probes.start();
    const ready = (stage: StageName) => waitUntil(`${stage} ready`, () => probes!.samples.get(stage)!.at(-1)?.ready === true, 120_000, 250);
    // One at a time, catalog-sync first: the stages create the namespace and tables at start, and
    // the shared SQLite-backed REST catalog answers concurrent creates with 500 (SQLITE_BUSY_SNAPSHOT).
    world.start('catalog-sync', { ...faultEnv, S3_ENDPOINT: proxies['catalog-sync'].url, CATALOG_LIVENESS_STALL_MS: '10000' });
    await ready('catalog-sync');
    world.start('etl-worker', {
      ...faultEnv,
      S3_ENDPOINT: proxies['etl-worker'].url,
      ETL_LIVENESS_STALL_MS: '10000',
      ETL_ALLOWED_LATENESS_MS: '600000',
      ETL_COMPACTION_INTERVAL_MS: '5000',
      ETL_COMPACTION_MIN_FILES: '2',
    });
    await ready('etl-worker');
    // debug: the sink logs its commits (OffsetsCommitted) only at debug level.
    world.start('consumer-service', { ...faultEnv, LOG_LEVEL: 'debug', S3_ENDPOINT: proxies['consumer-service'].url, SINK_UPLOAD_MAX_ATTEMPTS: '2', SINK_UPLOAD_MAX_BACKOFF_MS: '500' });
    console.log(`[s3-faults] work dir ${world.work}, namespace ${world.namespace}`);

    await waitUntil('every stage ready', () => STAGES.every((s) => probes!.samples.get(s)!.at(-1)?.ready === true), 120_000, 250);

    feed = await EventFeed.open(world.kafka.settings, world.topics.events);
    feeding = feed.steady(make, RATE, () => stopFeed);
    const trino = world.trino();
    await waitUntil('the first rows in the lake (Trino)', async () => (await lakeTotals(trino)).rows > 0, 180_000, 2_000);

    const all = (fn: (proxy: S3FaultProxy) => Fault): Fault[] => STAGES.map((s) => fn(proxies[s]));
    /** A wait that fails says what each stage was doing: requests held at its proxy, its paused partitions and retry counters. */
    const explained = <T>(wait: Promise<T>): Promise<T> =>
      wait.catch(async (err: Error) => {
        for (const stage of STAGES) {
          const metrics = await fetch(`http://127.0.0.1:${world.ports[stage]}/metrics`)
            .then((r) => r.text())
            .catch((e: Error) => `(no metrics: ${e.message})`);
          const lines = metrics.split('\n').filter((l) => !l.startsWith('#') && /paused|abandoned|retries|failures|errors_total|lag/.test(l));
          console.log(`[s3-faults] ${stage} when "${err.message}": running ${world.services[stage]?.running}, held at its proxy ${JSON.stringify(proxies[stage].pending)}\n${lines.join('\n')}`);
        }
        throw err;
      });
    // Counted, not timed: catalog-sync calls S3 only when it commits, so a few seconds may pass with
    // none of its requests (a 4 s SlowDown window once hit it 0 times). Each fault lasts until it
    // has acted on that many of the stage's requests.
    await during('latency +300 ms on every request', all((p) => p.delay(300, { requests: 5 })), 60_000);
    await during('503 SlowDown on every request', all((p) => p.slowDown({ requests: 4 })), 60_000);
    // The sink only writes (PUT); the ETL and catalog-sync also read, so they get torn downloads too.
    const readers: StageName[] = ['etl-worker', 'catalog-sync'];
    const resets = [
      ...all((p) => p.reset({ requests: 6 })),
      ...all((p) => p.reset({ requests: 3, at: 'after-upstream', match: (r) => r.method === 'PUT' })),
      ...readers.map((s) => proxies[s].reset({ requests: 3, at: 'mid-response', match: (r) => r.method === 'GET' })),
    ];
    await explained(waitUntil('every reset to hit', () => resets.every((f) => !f.active), 90_000, 200));
    console.log(`[s3-faults] resets done: ${resets.map((f) => f.hits).join('/')}`);

    // A blackhole under the sink alone: its uploads hang, the others keep working.
    const sinkHole = await during('blackhole under the sink', [proxies['consumer-service'].blackhole({ forMs: BLACKHOLE_MS })], BLACKHOLE_MS);
    await explained(waitUntil('the sink ready again', () => probes!.samples.get('consumer-service')!.at(-1)?.ready === true, 90_000, 250));
    // Then under the ETL and catalog-sync together, while the sink keeps staging.
    const lakeHole = await during(
      'blackhole under the ETL and catalog-sync',
      [proxies['etl-worker'].blackhole({ forMs: BLACKHOLE_MS }), proxies['catalog-sync'].blackhole({ forMs: BLACKHOLE_MS })],
      BLACKHOLE_MS,
    );

    stopFeed = true;
    const produced = await feeding;
    console.log(`[s3-faults] produced ${produced} valid events`);

    // Nothing stuck: every row arrives, then every stage's lag is zero.
    const totals = await explained(
      waitUntil(
        `the lake to hold ${produced} rows`,
        async () => {
          const t = await lakeTotals(trino);
          return t.rows >= produced ? t : undefined;
        },
        180_000,
        3_000,
      ),
    );
    const lag = await explained(
      waitUntil(
        'every stage to drain (lag 0)',
        async () => {
          const l = await pipelineLag(world);
          return Object.values(l).every((n) => n === 0) ? l : undefined;
        },
        120_000,
        2_000,
      ),
    );
    const afterMs = Date.now();
    await waitUntil('every stage ready and live', () => STAGES.every((s) => probes!.samples.get(s)!.at(-1)?.ready === true && probes!.samples.get(s)!.at(-1)?.live === true), 60_000, 250);

    // Nothing lost, nothing duplicated, as Trino reads the table.
    expect(totals).toEqual({ rows: produced, distinct: produced });
    expect(await lakeTotals(trino)).toEqual({ rows: produced, distinct: produced });
    expect(lag).toEqual({ sink: 0, etl: 0, 'catalog(lake-files)': 0, 'catalog(staged-files)': 0 });

    // The faults reached every stage.
    for (const stage of STAGES) {
      const stats = proxies[stage].stats;
      console.log(`[s3-faults] ${stage} proxy: ${JSON.stringify(stats)}`);
      expect(stats.delayed).toBeGreaterThan(0);
      expect(stats.errors).toBeGreaterThan(0);
      expect(stats.resets).toBe(stage === 'consumer-service' ? 9 : 12);
      expect(stats.blackholed).toBeGreaterThan(0);
    }

    // No service exited or restarted.
    for (const stage of STAGES) {
      const service = world.services[stage]!;
      expect({ stage, running: service.running, starts: service.starts }).toEqual({ stage, running: true, starts: 1 });
    }

    // Probes: what each stage said while its S3 hung, and after. Per docs/design.md a transient
    // failure is "visible in metrics and readiness": /readyz must say 503 while the stage's S3
    // hangs (every request it makes times out after S3_REQUEST_TIMEOUT_MS), then 200 again.
    const windows: Record<StageName, { fromMs: number; toMs: number }> = { 'consumer-service': sinkHole, 'etl-worker': lakeHole, 'catalog-sync': lakeHole };
    const seen: Record<string, { answered: boolean; notReadyWhileHung: boolean; healthzNamedItWhileHung: boolean; notLiveWhileHung: boolean; readyAndLiveAfter: boolean; healthzClearAfter: boolean }> = {};
    for (const stage of STAGES) {
      const { fromMs, toMs } = windows[stage];
      const hung = probes.between(stage, fromMs, toMs);
      const last = probes.between(stage, afterMs, Date.now()).at(-1);
      console.log(`[s3-faults] ${stage} probes during its blackhole (R/n ready or not, L/d live or not): ${probes.timeline(stage, fromMs, toMs)}`);
      seen[stage] = {
        // The ops server itself never stopped answering.
        answered: hung.length > 0 && hung.every((s) => s.ready !== undefined && s.live !== undefined),
        notReadyWhileHung: hung.some((s) => s.ready === false),
        // /healthz stays 200 during an outage (a restart would not bring S3 back), but its body
        // names what is failing while it hangs: S3 calls timing out, batches failing.
        healthzNamedItWhileHung: hung.some((s) => HealthProbes.reportsTrouble(s)),
        notLiveWhileHung: hung.some((s) => s.live === false),
        readyAndLiveAfter: last?.ready === true && last?.live === true,
        healthzClearAfter: last !== undefined && !HealthProbes.reportsTrouble(last),
      };
    }
    console.log(`[s3-faults] probes: ${JSON.stringify(seen)}`);
    for (const stage of STAGES) {
      const { answered, notReadyWhileHung, healthzNamedItWhileHung, readyAndLiveAfter, healthzClearAfter } = seen[stage]!;
      expect({ stage, answered, notReadyWhileHung, healthzNamedItWhileHung, readyAndLiveAfter, healthzClearAfter }).toEqual({
        stage,
        answered: true,
        notReadyWhileHung: true,
        healthzNamedItWhileHung: true,
        readyAndLiveAfter: true,
        healthzClearAfter: true,
      });
    }
    console.log(`[s3-faults] checked: ${produced} events in the lake exactly once (Trino count ${totals.rows}, distinct ${totals.distinct}), lag 0 everywhere`);
  }, 900_000);
});

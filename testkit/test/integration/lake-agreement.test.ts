/**
 * insights-service agrees with the lake for the same events (issue 15, "windows and totals must
 * agree with the lake"). Until this test that held only by construction: the decoder is tested
 * against the ETL's validator and the derived fields come from the definitions the ETL's SQL is
 * generated from. Here nothing is shared but the topic: the producer's simulator backfills a seeded,
 * bounded history (export realism: free-text platforms, unknown countries, null flags, offline plays
 * delivered late, 0.2 % malformed records) on the real broker; the sink, the ETL and catalog-sync run as
 * processes into the Iceberg REST catalog and S3, and insights-service reads the same topic. Once
 * the lake holds every valid event (every stage's lag 0) and the service has read every record, each
 * closed one-minute window of `/api/windows` must equal a query over `listening_events` as Trino
 * (the engine Athena runs) reads the Iceberg table, which catalog-sync's own engine (the
 * `catalog-sync query` CLI, DuckDB) must read the same per minute: plays, skips, ms played, and
 * the same per platform family, content type and country, exactly; distinct listeners within 3 of
 * the HyperLogLog's stated standard errors; the set of closed windows = the set of the lake's minutes.
 * Most staged objects are vouched for by the sink (every line canonical) and written by the ETL
 * without reading their lines; the few that hold a malformed record are checked line by line: the
 * test asserts both paths are in the lake it compares.
 *
 * What the service counts differently by design, and how this test keeps it out of the comparison:
 * - Late events (an offline play read more than INSIGHTS_ALLOWED_LATENESS_MS after its partition's
 *   newest event time): the service drops them, the lake keeps them. The backfill's event times
 *   span well under the allowed lateness (1 h, the default, set explicitly), so no play can be late:
 *   the simulator's late offline plays (read after newer plays) update their windows on both sides.
 *   The test asserts `records.late` is 0 and that the history is that short.
 * - The horizon and the future bound: the backfill starts at the last 04:00 UTC at least 6 h back
 *   (a fixed time of day, so the simulator's daily cycle gives a similar span every run: 34 min for
 *   4,000 plays of 30,000 users), 6 to 30 h ago; INSIGHTS_HORIZON_MS is 36 h, so every event is
 *   inside the horizon and none is in the future (`outside_horizon` and `future` are asserted 0).
 * - An event_id repeated in one staged object (the ETL keeps the first) does not occur: the
 *   simulator's backfill is exactly once, so the lake's COUNT(*) is the service's plays.
 * - Open windows: a window closes when every partition's event time is past its end plus the
 *   lateness. One event per partition dated 3 h after the start (the "closers", in the lake too)
 *   closes every window of the backfill; the closers' own window stays open and is not compared.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createIdempotentProducer, disconnect, flush } from '@spotify-pipeline/shared/kafka';
import { ServiceProcess, stackEnv, uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import type { StatusView } from '../../../insights-service/src/http/insights-queries';
import type { SliceView, WindowView } from '../../../insights-service/src/http/views';
import { freePorts } from '../../src/local/processes';
import { listeningEvent } from './support/listening-events';
import { createPipelineWorld, lakeTotals, pipelineLag, runCatalogCli, type PipelineWorld } from './support/pipeline-world';

const PARTITIONS = 3;
const EVENTS = 4_000;
const SEED = 15;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const LATENESS_MS = HOUR_MS;
const HORIZON_MS = 36 * HOUR_MS;
const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(2 ** 12);

interface Summary {
  valid: number;
  malformed: { total: number; not_json: number; schema_invalid: number };
  late: number;
  delivery: { failed: number };
  completed: boolean;
}

type Figures = { plays: number; skips: number; msPlayed: number };

/** The latest 04:00 UTC at or before `ms`. */
function lastFourAm(ms: number): number {
  const day = Math.floor(ms / (24 * HOUR_MS)) * 24 * HOUR_MS;
  return day + 4 * HOUR_MS <= ms ? day + 4 * HOUR_MS : day - 20 * HOUR_MS;
}

describe('insights-service and the lake agree for the same events (simulator, sink, ETL, catalog-sync and insights-service as processes)', () => {
  let world: PipelineWorld;
  const others: ServiceProcess[] = [];

  beforeAll(async () => {
    world = await createPipelineWorld('agree', { partitions: PARTITIONS });
  });

  afterAll(async () => {
    for (const service of others) {
      await service.kill9();
      service.close();
    }
    await world?.kill();
  });

  it('every closed one-minute window equals the lake: plays, skips, time played, breakdowns; listeners within the HLL error', async () => {
    const startMs = lastFourAm(Date.now() - 6 * HOUR_MS);
    const closersMs = startMs + 3 * HOUR_MS;
    const [producerPort, insightsOps, insightsWeb] = await freePorts(3);
    const kafkaEnv = { PATH: process.env.PATH, ...stackEnv(world.kafka, world.s3Endpoint), LOG_LEVEL: 'info', TOPICS_LISTENING_EVENTS: world.topics.events, TOPICS_PARTITIONS: String(PARTITIONS) };

    const insights = new ServiceProcess({
      service: 'insights-service',
      env: {
        ...kafkaEnv,
        HTTP_PORT: String(insightsOps),
        WEB_PORT: String(insightsWeb),
        WEB_HOST: '127.0.0.1',
        INSIGHTS_GROUP_ID: uniqueName('agree-insights'),
        INSIGHTS_ALLOWED_LATENESS_MS: String(LATENESS_MS),
        INSIGHTS_HORIZON_MS: String(HORIZON_MS),
        HISTORY_ENGINE: 'off',
      },
      output: join(world.work, 'insights-service.log'),
    });
    const summaryFile = join(world.work, 'summary.json');
    const producer = new ServiceProcess({
      service: 'producer-service',
      env: { ...kafkaEnv, HTTP_PORT: String(producerPort), TOPICS_TRACKS: world.topics.tracks, TOPICS_DLQ: world.topics.dlq },
      args: [
        'simulate', '--backfill', '--start', new Date(startMs).toISOString(), '--days', '1', '--events', String(EVENTS),
        '--users', '30000', '--seed', String(SEED), '--malformed-ratio', '0.002', '--no-tracks', '--summary-file', summaryFile,
      ],
      output: join(world.work, 'producer-service.log'),
    });
    others.push(insights, producer);
    const began = Date.now();
    world.start('catalog-sync');
    world.start('etl-worker');
    world.start('consumer-service');
    producer.start();
    insights.start();
    console.log(`[lake-agreement] work dir ${world.work}, namespace ${world.namespace}`);

    expect(await producer.waitForExit(300_000)).toBe(0);
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary;
    expect(summary).toMatchObject({ completed: true, valid: EVENTS, delivery: { failed: 0 } });

    // One valid event on every partition, well past the backfill: every partition's watermark moves on.
    const closers = await createIdempotentProducer(world.kafka.settings, { clientId: `${world.prefix}-closers` });
    for (let p = 0; p < PARTITIONS; p++) {
      const event = listeningEvent(`${world.prefix}-closer`, p, closersMs, 1);
      closers.produce(world.topics.events, p, Buffer.from(JSON.stringify(event)), event.user_id, closersMs);
    }
    await flush(closers, 30_000);
    await disconnect(closers);
    const valid = summary.valid + PARTITIONS;
    const records = valid + summary.malformed.total;

    // The lake: every valid event committed, every stage drained.
    const trino = world.trino();
    await waitUntil(`the lake to hold ${valid} events`, async () => ((await lakeTotals(trino)).rows >= valid ? true : undefined), 300_000, 3_000);
    await waitUntil('every stage to drain (lag 0)', async () => Object.values(await pipelineLag(world)).every((n) => n === 0), 180_000, 2_000);
    // Staged objects whose every line the sink found canonical went to DuckDB unread by the ETL (vouched);
    // the others were checked line by line. The lake must agree with the stream either way.
    const etlMetrics = await (await fetch(`http://127.0.0.1:${world.ports['etl-worker']}/metrics`)).text();
    const vouched = (outcome: string): number => Number(new RegExp(`^pipeline_etl_worker_vouched_objects_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`, 'm').exec(etlMetrics)?.[1] ?? 0);
    const staged = Number(/^pipeline_etl_worker_staged_objects_total(?:\{[^}]*\})? (\d+)/m.exec(etlMetrics)?.[1] ?? 0);
    // Few malformed records (0.2 %): most objects are vouched for, the few holding one are not, so both paths are in this lake.
    expect(vouched('taken')).toBeGreaterThan(PARTITIONS);
    expect(vouched('taken')).toBeLessThan(staged);

    // The service: every record read, none late, outside the horizon or in the future.
    const web = `http://127.0.0.1:${insightsWeb}`;
    const get = async <T>(path: string): Promise<T> => {
      const response = await fetch(`${web}${path}`);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    };
    const status = await waitUntil(
      `insights-service to read ${records} records`,
      async () => {
        const s = await get<StatusView>('/api/status').catch(() => undefined);
        const read = s ? Object.values(s.records).reduce((n, v) => n + (v ?? 0), 0) : 0;
        return s && !s.rebuilding && read >= records ? s : undefined;
      },
      120_000,
      500,
    );
    expect(status.records).toEqual({ accepted: valid, late: 0, outside_horizon: 0, future: 0, invalid: summary.malformed.total });

    // The lake per minute of event time, as Trino (the engine Athena runs) reads the Iceberg table;
    // catalog-sync's own engine must read the same minutes.
    const figuresSql = 'COUNT(*) AS plays, SUM(CASE WHEN is_skip THEN 1 ELSE 0 END) AS skips, SUM(ms_played) AS ms';
    const figuresOf = (r: Record<string, unknown>): Figures => ({ plays: Number(r.plays), skips: Number(r.skips), msPlayed: Number(r.ms) });
    const minutesOf = (rows: Array<Record<string, unknown>>): Map<number, Figures & { listeners: number }> =>
      new Map(rows.map((r) => [Number(r.m), { ...figuresOf(r), listeners: Number(r.listeners) }]));
    const TRINO_MINUTE = 'CAST(floor(to_unixtime(ts) / 60) AS BIGINT) * 60000';
    const perMinute = (minute: string): string => `SELECT ${minute} AS m, ${figuresSql}, COUNT(DISTINCT user_id) AS listeners FROM listening_events GROUP BY 1`;
    const lakeMinutes = minutesOf((await trino.query(perMinute(TRINO_MINUTE))).rows);
    const engine = await runCatalogCli(world, ['query', perMinute('CAST(floor(epoch_ms(ts) / 60000) AS BIGINT) * 60000'), '--format', 'json']);
    expect({ code: engine.code, stderr: engine.stderr }).toEqual({ code: 0, stderr: '' });
    expect(minutesOf(JSON.parse(engine.stdout) as Array<Record<string, unknown>>)).toEqual(lakeMinutes);
    const lakeSlices = async (column: string): Promise<Map<number, Record<string, Figures>>> => {
      const byMinute = new Map<number, Record<string, Figures>>();
      for (const r of (await trino.query(`SELECT ${TRINO_MINUTE} AS m, ${column} AS k, ${figuresSql} FROM listening_events GROUP BY 1, 2`)).rows) {
        const slices = byMinute.get(Number(r.m)) ?? {};
        slices[String(r.k)] = figuresOf(r);
        byMinute.set(Number(r.m), slices);
      }
      return byMinute;
    };
    const lakeBy = { platform: await lakeSlices('platform_family'), contentType: await lakeSlices('content_type'), country: await lakeSlices('conn_country') };

    // The backfill is short enough that no play could be late, and the closers close all of it.
    const closersMinute = Math.floor(closersMs / MINUTE_MS) * MINUTE_MS;
    const backfillMinutes = [...lakeMinutes.keys()].filter((m) => m !== closersMinute).sort((a, b) => a - b);
    const spanMs = backfillMinutes.at(-1)! + MINUTE_MS - backfillMinutes[0]!;
    expect(backfillMinutes[0]).toBeGreaterThanOrEqual(startMs);
    expect(spanMs).toBeLessThan(LATENESS_MS);
    expect(backfillMinutes.at(-1)! + MINUTE_MS + LATENESS_MS).toBeLessThanOrEqual(closersMs);

    // The service's windows over the whole run: the closed ones are exactly the backfill's minutes.
    const from = new Date(startMs - 10 * MINUTE_MS).toISOString();
    const to = new Date(closersMs + 10 * MINUTE_MS).toISOString();
    const windows = (await get<{ windows: WindowView[] }>(`/api/windows?from=${from}&to=${to}`)).windows;
    const closed = windows.filter((w) => w.closed);
    expect(windows.filter((w) => !w.closed).map((w) => Date.parse(w.start))).toEqual([closersMinute]);
    expect(closed.map((w) => Date.parse(w.start))).toEqual(backfillMinutes);

    const slices = (views: readonly SliceView[]): Record<string, Figures> => Object.fromEntries(views.map((v) => [v.key, { plays: v.plays, skips: v.skips, msPlayed: v.msPlayed }]));
    let worstListeners = 0;
    for (const w of closed) {
      const m = Date.parse(w.start);
      const lake = lakeMinutes.get(m)!;
      expect({ start: w.start, plays: w.plays, skips: w.skips, msPlayed: w.msPlayed }).toEqual({ start: w.start, plays: lake.plays, skips: lake.skips, msPlayed: lake.msPlayed });
      expect(w.skipRate).toBe(Math.round((lake.skips / lake.plays) * 10_000) / 10_000);
      expect({ start: w.start, byPlatform: slices(w.byPlatform) }).toEqual({ start: w.start, byPlatform: lakeBy.platform.get(m) });
      expect({ start: w.start, byContentType: slices(w.byContentType) }).toEqual({ start: w.start, byContentType: lakeBy.contentType.get(m) });
      expect({ start: w.start, byCountry: slices(w.byCountry) }).toEqual({ start: w.start, byCountry: lakeBy.country.get(m) });
      expect(w.listeners.relativeStandardError).toBeCloseTo(HLL_STANDARD_ERROR, 4);
      const off = Math.abs(w.listeners.estimate - lake.listeners);
      expect({ start: w.start, off: off <= Math.max(1, 3 * HLL_STANDARD_ERROR * lake.listeners) }).toEqual({ start: w.start, off: true });
      worstListeners = Math.max(worstListeners, off / lake.listeners);
    }

    // The period over all of them, as the page's headline reads it.
    const closedTo = new Date(backfillMinutes.at(-1)! + MINUTE_MS).toISOString();
    const total = await get<{ plays: number; skips: number; msPlayed: number; listeners: { estimate: number } }>(`/api/summary?from=${new Date(backfillMinutes[0]!).toISOString()}&to=${closedTo}`);
    const [lakeTotal] = (await trino.query(`SELECT ${figuresSql}, COUNT(DISTINCT user_id) AS listeners FROM listening_events WHERE ${TRINO_MINUTE} < ${backfillMinutes.at(-1)! + MINUTE_MS}`)).rows;
    expect({ plays: total.plays, skips: total.skips, msPlayed: total.msPlayed }).toEqual(figuresOf(lakeTotal!));
    expect(total.plays).toBe(summary.valid);
    const listeners = Number(lakeTotal!.listeners);
    expect(Math.abs(total.listeners.estimate - listeners)).toBeLessThanOrEqual(3 * HLL_STANDARD_ERROR * listeners);

    console.log(
      `[lake-agreement] ${closed.length} closed minutes (${(spanMs / MINUTE_MS).toFixed(0)} min of event time from ${new Date(backfillMinutes[0]!).toISOString()}) agree with the lake: ` +
        `${total.plays} plays, ${total.skips} skips, ${total.msPlayed} ms played; ` +
        `${Object.keys(Object.assign({}, ...lakeBy.platform.values())).length} platform families, ${Object.keys(Object.assign({}, ...lakeBy.contentType.values())).length} content types, ${Object.keys(Object.assign({}, ...lakeBy.country.values())).length} countries; ` +
        `listeners ${total.listeners.estimate} vs ${listeners} distinct in the lake (worst minute ${(worstListeners * 100).toFixed(2)} %); ` +
        `${summary.late} late offline plays, ${summary.malformed.total} malformed records skipped by both; ` +
        `${vouched('taken')} of ${staged} staged objects vouched for by the sink and written unread by the ETL (${vouched('line_checked')} sent back to the line check); ${((Date.now() - began) / 1000).toFixed(0)} s`,
    );
  }, 900_000);
});

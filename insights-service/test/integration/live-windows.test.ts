import { KafkaAdmin } from '@spotify-pipeline/shared/kafka';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import type { StatusView } from '../../src/http/insights-queries';
import type { SliceView, TopEntryView, WindowView } from '../../src/http/views';
import { InsightsChild } from '../fixtures/insights-child';
import { buildScenario, exactWindows, MINUTE_MS, produceScenario, type ExactSlice, type ExactWindow, type ScenarioRecord } from '../fixtures/scenario';

const PARTITIONS = 3;
const LATENESS_MS = 3 * MINUTE_MS;
const TOP_CAPACITY = 24;
const HLL_PRECISION = 12;

/**
 * On the real broker: a seeded stream (late events within and beyond the allowed lateness,
 * malformed records of every kind) is produced, then insights-service rebuilds from the topic; every
 * closed window's figures must equal an exact computation over the same events (distinct listeners
 * within the HyperLogLog's error, top lists within Space-Saving's guarantees), and a restarted
 * service must rebuild the same figures.
 */
describe('insights-service on a real broker', () => {
  let kafka: KafkaEndpoint;
  let topic: string;
  let records: ScenarioRecord[];
  let exact: ReturnType<typeof exactWindows>;
  let child: InsightsChild;
  let fromIso: string;
  let toIso: string;

  beforeAll(async () => {
    kafka = await startKafka();
    topic = uniqueName('insights-events');
    const admin = KafkaAdmin.create(kafka.settings, 'insights-test-admin');
    try {
      await admin.ensureTopics([{ name: topic, partitions: PARTITIONS, replicationFactor: 1 }]);
    } finally {
      admin.close();
    }
    const startMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - 40 * MINUTE_MS;
    fromIso = new Date(startMs - 10 * MINUTE_MS).toISOString();
    toIso = new Date(startMs + 40 * MINUTE_MS).toISOString();
    records = buildScenario({ seed: 42, partitions: PARTITIONS, startMs, minutes: 35, eventsPerPartitionMinute: 40, allowedLatenessMs: LATENESS_MS });
    exact = exactWindows(records, LATENESS_MS);
    await produceScenario(kafka.settings, topic, records);
    child = new InsightsChild({
      KAFKA_BROKERS: kafka.settings.brokers.join(','),
      TOPICS_LISTENING_EVENTS: topic,
      INSIGHTS_GROUP_ID: uniqueName('insights'),
      INSIGHTS_ALLOWED_LATENESS_MS: String(LATENESS_MS),
      INSIGHTS_TOP_CAPACITY: String(TOP_CAPACITY),
      INSIGHTS_HLL_PRECISION: String(HLL_PRECISION),
      HISTORY_ENGINE: 'off',
      LOG_LEVEL: 'info',
    });
    await child.start();
    await child.ready();
  });

  afterAll(async () => {
    await child?.stop();
    await kafka?.stop();
  });

  const closedWindows = async (): Promise<WindowView[]> => (await child.get<{ windows: WindowView[] }>(`/api/windows?from=${fromIso}&to=${toIso}&top=${TOP_CAPACITY}`)).windows.filter((w) => w.closed);

  it('counts every record: accepted, late beyond the allowed lateness, malformed by reason', async () => {
    const status = await waitUntil('every record read', async () => {
      const s = await child.get<StatusView>('/api/status');
      return s.records.accepted! + s.records.late! + s.records.invalid! === records.length ? s : undefined;
    }, 60_000);
    const tooLate = records.filter((r) => r.tooLate).length;
    expect(exact.late).toBe(tooLate);
    expect(status.records.late).toBe(tooLate);
    expect(status.records.accepted).toBe(records.filter((r) => r.event).length - tooLate);
    const malformed: Record<string, number> = {};
    for (const r of records) if (r.malformed) malformed[r.malformed] = (malformed[r.malformed] ?? 0) + 1;
    expect(status.skipped).toEqual(malformed);
    expect(status.rebuilding).toBe(false);
  });

  it("equals the exact computation in every closed window: plays, skips, time played, breakdowns", async () => {
    const windows = await closedWindows();
    // 35 minutes of events; the last few stay open (the allowed lateness has not passed on every partition).
    expect(windows.length).toBeGreaterThanOrEqual(30);
    for (const w of windows) {
      const expected = exact.windows.get(Date.parse(w.start));
      expect(expected).toBeDefined();
      const e = expected!;
      expect({ start: w.start, plays: w.plays, skips: w.skips, msPlayed: w.msPlayed }).toEqual({ start: w.start, plays: e.plays, skips: e.skips, msPlayed: e.msPlayed });
      expect(slices(w.byPlatform)).toEqual(exactSlices(e.platforms));
      expect(slices(w.byContentType)).toEqual(exactSlices(e.contentTypes));
      expect(slices(w.byCountry)).toEqual(exactSlices(e.countries));
    }
  });

  it('estimates distinct listeners within the HyperLogLog error, and keeps the top lists within their guarantees', async () => {
    for (const w of await closedWindows()) {
      const e = exact.windows.get(Date.parse(w.start))!;
      expect(w.listeners.relativeStandardError).toBeCloseTo(1.04 / Math.sqrt(2 ** HLL_PRECISION), 4);
      expect(Math.abs(w.listeners.estimate - e.users.size)).toBeLessThanOrEqual(Math.max(1, 3 * w.listeners.relativeStandardError * e.users.size));
      expectTopGuarantees(w.topTracks!, e.tracks, e, 'track');
      expectTopGuarantees(w.topArtists!, e.artists, e, 'artist');
    }
  });

  it('answers period questions from the same windows: a summary, top tracks with their bound', async () => {
    const windows = await closedWindows();
    const from = windows[0]!.start;
    const to = new Date(Date.parse(windows.at(-1)!.start) + MINUTE_MS).toISOString();
    const summary = await child.get<{ plays: number; msPlayed: number; listeners: { estimate: number } }>(`/api/summary?from=${from}&to=${to}`);
    const inRange = [...exact.windows.values()].filter((w) => w.startMs >= Date.parse(from) && w.startMs < Date.parse(to));
    expect(summary.plays).toBe(inRange.reduce((n, w) => n + w.plays, 0));
    expect(summary.msPlayed).toBe(inRange.reduce((n, w) => n + w.msPlayed, 0));
    const users = new Set(inRange.flatMap((w) => [...w.users]));
    expect(Math.abs(summary.listeners.estimate - users.size)).toBeLessThanOrEqual(3 * 0.01625 * users.size);
    const top = await child.get<{ total: number; capacity: number; guaranteeThreshold: number; entries: TopEntryView[] }>(`/api/top/tracks?from=${from}&to=${to}&limit=${TOP_CAPACITY}`);
    const tracks = new Map<string, number>();
    for (const w of inRange) for (const [k, n] of w.tracks) tracks.set(k, (tracks.get(k) ?? 0) + n);
    expect(top.total).toBe([...tracks.values()].reduce((a, b) => a + b, 0));
    for (const [key, plays] of tracks) if (plays > top.total / top.capacity) expect(top.entries.map((t) => t.key)).toContain(key);
    for (const entry of top.entries) {
      expect(entry.plays).toBeGreaterThanOrEqual(tracks.get(entry.key) ?? 0);
      expect(entry.plays - entry.error).toBeLessThanOrEqual(tracks.get(entry.key) ?? 0);
    }
  });

  it('rebuilds the same figures after a restart (the state comes from Kafka alone)', async () => {
    const before = await closedWindows();
    expect(await child.stop()).toBe(0);
    await child.start();
    await child.ready();
    await waitUntil('every record read again', async () => {
      const s = await child.get<StatusView>('/api/status');
      return s.records.accepted! + s.records.late! + s.records.invalid! === records.length;
    }, 60_000);
    const after = await closedWindows();
    const exactFigures = (windows: WindowView[]) => windows.map(({ topTracks, topArtists, ...figures }) => figures);
    expect(exactFigures(after)).toEqual(exactFigures(before));
    for (const w of after) {
      const e = exact.windows.get(Date.parse(w.start))!;
      expectTopGuarantees(w.topTracks!, e.tracks, e, 'track');
    }
  });
});

function slices(views: readonly SliceView[]): Record<string, ExactSlice> {
  return Object.fromEntries(views.map((v) => [v.key, { plays: v.plays, skips: v.skips, msPlayed: v.msPlayed }]));
}

function exactSlices(slices: ReadonlyMap<string, ExactSlice>): Record<string, ExactSlice> {
  return Object.fromEntries(slices);
}

/** Space-Saving's guarantees for one window's list against the exact counts of that window. */
function expectTopGuarantees(entries: readonly TopEntryView[], counts: ReadonlyMap<string, number>, window: ExactWindow, what: string): void {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const threshold = total / TOP_CAPACITY;
  const listed = new Set(entries.map((e) => e.key));
  for (const [key, plays] of counts) if (plays > threshold) expect(`${what} ${key} listed: ${listed.has(key)}`).toBe(`${what} ${key} listed: true`);
  for (const entry of entries) {
    const plays = counts.get(entry.key) ?? 0;
    expect(entry.plays).toBeGreaterThanOrEqual(plays);
    expect(entry.plays - entry.error).toBeLessThanOrEqual(plays);
    expect(entry.error).toBeLessThanOrEqual(threshold);
  }
  expect(window.plays).toBeGreaterThanOrEqual(total);
}

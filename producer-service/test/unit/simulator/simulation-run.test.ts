import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import type { RecordPublisher } from '../../../src/publish/record-publisher';
import { RunSummary } from '../../../src/publish/run-summary';
import type { GeneratorSpec } from '../../../src/simulator/generator-spec';
import { buildWorld, ListeningSimulator } from '../../../src/simulator/listening-simulator';
import { RecordKind } from '../../../src/simulator/play-batch';
import { encodePlay } from '../../../src/encoding/play-encoder';
import { InlinePlaySource } from '../../../src/simulator/play-source';
import { runSimulation } from '../../../src/simulator/simulation-run';

const START_MS = Date.UTC(2024, 2, 4);
const world = buildWorld({ seed: 11, users: 1_000, tracks: 2_000 });
const spec = (maxValid: number, malformedRatio = 0): GeneratorSpec => ({
  world: { seed: 11, users: 1_000, tracks: 2_000 },
  window: { seed: 11, startMs: START_MS, endMs: START_MS + 2 * 86_400_000, sessionsPerSecond: 0.05 },
  malformedRatio,
  maxValid,
  batchRecords: 500,
});

function fakePublisher(): { publisher: RecordPublisher; sent: Array<{ key: string; value: string; ts: number }> } {
  const sent: Array<{ key: string; value: string; ts: number }> = [];
  const publisher = {
    tryProduce: (_topic: string, key: string, value: Buffer, ts: number) => {
      sent.push({ key, value: value.toString('utf8'), ts });
      return true;
    },
  } as unknown as RecordPublisher;
  return { publisher, sent };
}

describe('simulation batches and the simulate loop', () => {
  it('packs exactly the plays the simulator makes, in order, encoded', async () => {
    const source = new InlinePlaySource(spec(1_200), world);
    const simulator = new ListeningSimulator(world, spec(0).window);
    const expected = Array.from({ length: 1_200 }, () => encodePlay(simulator.next()!).toString());
    const got: string[] = [];
    for (let batch = await source.next(); batch; batch = await source.next()) {
      const data = Buffer.from(batch.data);
      for (let i = 0; i < batch.count; i++) got.push(data.subarray(batch.offsets[i]!, batch.offsets[i + 1]!).toString('utf8'));
      expect(batch.kinds.slice(0, batch.count).every((k) => k === RecordKind.VALID || k === RecordKind.VALID_LATE)).toBe(true);
    }
    expect(got).toEqual(expected);
  });

  it('produces exactly N valid events plus the malformed share, keyed by user_id at event time, and summarizes them', async () => {
    const { publisher, sent } = fakePublisher();
    const summary = new RunSummary('simulate', 'events');
    const metrics = createProducerMetrics(createRegistry('test', false));
    await runSimulation(
      { source: new InlinePlaySource(spec(3_000, 0.05), world), publisher, summary, metrics, logger: createLogger({ service: 'test', level: 'silent' }) },
      { topic: 'events', realTime: false, signal: new AbortController().signal },
    );
    const json = summary.toJSON(metrics.counters, true);
    expect(json.valid).toBe(3_000);
    expect(sent).toHaveLength(3_000 + json.malformed.total);
    expect(json.malformed.total).toBeGreaterThan(80);
    expect(json.malformed.total).toBeLessThan(240);
    let valid = 0;
    const byHour: Record<string, number> = {};
    for (const record of sent) {
      let body: unknown;
      try {
        body = JSON.parse(record.value);
      } catch {
        continue;
      }
      const parsed = listeningEventV1.safeParse(body);
      if (!parsed.success) continue;
      valid++;
      expect(record.key).toBe(parsed.data.user_id);
      expect(record.ts).toBe(Date.parse(parsed.data.ts));
      byHour[parsed.data.ts.slice(0, 13)] = (byHour[parsed.data.ts.slice(0, 13)] ?? 0) + 1;
    }
    expect(valid).toBe(3_000);
    expect(byHour).toEqual(json.validByEventHour);
  });

  it('in real time, waits for each record’s delivery time on the injected clock', async () => {
    const { publisher, sent } = fakePublisher();
    let clock = START_MS;
    const stop = new AbortController();
    const run = runSimulation(
      {
        source: new InlinePlaySource(spec(50), world),
        publisher,
        summary: new RunSummary('simulate', 'events'),
        metrics: createProducerMetrics(createRegistry('test', false)),
        logger: createLogger({ service: 'test', level: 'silent' }),
      },
      { topic: 'events', realTime: true, signal: stop.signal, now: () => clock },
    );
    await new Promise((r) => setTimeout(r, 50));
    // Nothing is due yet at the window's start: no session has finished a play.
    expect(sent).toHaveLength(0);
    clock = START_MS + 2 * 86_400_000;
    await run;
    expect(sent).toHaveLength(50);
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import type { RecordPublisher } from '../../../src/publish/record-publisher';
import { RunSummary } from '../../../src/publish/run-summary';
import { ReplayProgress } from '../../../src/replay/replay-progress';
import { runReplay } from '../../../src/replay/replay-run';

const EXTENDED = join(__dirname, '../../fixtures/spotify-export');
const logger = createLogger({ service: 'test', level: 'silent' });

/** Records what the replay hands to Kafka; the real publisher is exercised against a broker. */
function fakePublisher(): { publisher: RecordPublisher; sent: Array<{ topic: string; key: string; value: string; ts: number }> } {
  const sent: Array<{ topic: string; key: string; value: string; ts: number }> = [];
  const publisher = {
    offer: async (topic: string, key: string, value: Buffer, ts: number) => {
      sent.push({ topic, key, value: value.toString(), ts });
      return true;
    },
  } as unknown as RecordPublisher;
  return { publisher, sent };
}

function deps(publisher: RecordPublisher, progressLines: string[] = []) {
  const registry = createRegistry('test', false);
  return {
    publisher,
    summary: new RunSummary('replay', 'events'),
    metrics: createProducerMetrics(registry),
    progress: new ReplayProgress({ write: (text: string) => progressLines.push(text) }),
    logger,
    registry,
  };
}

describe('runReplay', () => {
  it('sends every mappable record keyed by user_id with the event time as timestamp, and counts the bad ones by reason', async () => {
    const { publisher, sent } = fakePublisher();
    const progress: string[] = [];
    const d = deps(publisher, progress);
    await runReplay(d, { topic: 'events', inputs: [EXTENDED], strict: false, signal: new AbortController().signal, fallbackUserId: 'spotify-export' });
    expect(sent).toHaveLength(9);
    for (const record of sent) {
      const event = JSON.parse(record.value) as { user_id: string; ts: string };
      expect(record.key).toBe(event.user_id);
      expect(record.ts).toBe(Date.parse(event.ts));
      expect(record.topic).toBe('events');
    }
    const summary = d.summary.toJSON(d.metrics.counters, true);
    expect(summary.valid).toBe(9);
    expect(summary.badRecords).toEqual({ total: 5, byReason: { INVALID_MS_PLAYED: 1, INVALID_TS: 1, NOT_AN_OBJECT: 1, NOT_JSON: 1, UNKNOWN_FORMAT: 1 } });
    expect(summary.validByEventHour).toEqual({ '2016-05-04T18': 2, '2024-03-01T07': 2, '2024-03-01T08': 1, '2024-03-01T21': 1, '2024-03-02T10': 2, '2024-03-02T12': 1 });
    expect(await d.registry.getSingleMetricAsString('pipeline_producer_service_replay_bad_records_total')).toContain('reason="NOT_JSON",service="test"} 1');
    expect(progress.join('')).toContain('9 sent');
  });

  it('with strict, stops at the first bad record naming file, index and reason', async () => {
    const { publisher, sent } = fakePublisher();
    const run = runReplay(deps(publisher), { topic: 'events', inputs: [EXTENDED], strict: true, signal: new AbortController().signal, fallbackUserId: 'x' });
    await expect(run).rejects.toThrow(PipelineError);
    await expect(run).rejects.toThrow(/Streaming_History_Audio_2024_0\.json\[6\]: NOT_AN_OBJECT/);
    // The 2016 file (2 records) and the first six rows of the 2024 file went out before the stop.
    expect(sent).toHaveLength(8);
  });

  it('reports a truncated file as a bad record after sending what it could read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), '[{"ts":"2020-01-01T00:00:00Z","ms_played":1},{"ts":"2020-01-01T00:01:00Z","ms_pl');
    const { publisher, sent } = fakePublisher();
    const d = deps(publisher);
    await runReplay(d, { topic: 'events', inputs: [dir], strict: false, signal: new AbortController().signal, fallbackUserId: 'x' });
    expect(sent).toHaveLength(1);
    expect(d.summary.toJSON(d.metrics.counters, true).badRecords.byReason).toEqual({ TRUNCATED_FILE: 1 });
  });

  it('fails clearly when an input does not exist', async () => {
    const { publisher } = fakePublisher();
    await expect(
      runReplay(deps(publisher), { topic: 'events', inputs: ['/nonexistent/export'], strict: false, signal: new AbortController().signal, fallbackUserId: 'x' }),
    ).rejects.toThrow(/replay input \/nonexistent\/export cannot be read/);
  });
});

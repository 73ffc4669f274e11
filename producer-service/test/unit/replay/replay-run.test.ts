import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import type { RecordPublisher } from '../../../src/publish/record-publisher';
import { RunSummary } from '../../../src/publish/run-summary';
import { RejectsFile } from '../../../src/replay/rejects-file';
import { ReplayProgress } from '../../../src/replay/replay-progress';
import { runReplay } from '../../../src/replay/replay-run';

const EXTENDED = join(__dirname, '../../fixtures/spotify-export');
const logger = createLogger({ service: 'test', level: 'silent' });

/**
 * Records what the replay hands to Kafka; the real publisher is exercised against a broker. Like
 * librdkafka, it refuses a record over `messageMaxBytes` (key + value + 36 bytes of framing).
 */
function fakePublisher(messageMaxBytes = 1_000_000): { publisher: RecordPublisher; sent: Array<{ topic: string; key: string; value: string; ts: number }> } {
  const sent: Array<{ topic: string; key: string; value: string; ts: number }> = [];
  const publisher = {
    offer: async (topic: string, key: string, value: Buffer, ts: number) => {
      if (36 + Buffer.byteLength(key) + value.length > messageMaxBytes) {
        throw new PipelineError('RECORD_TOO_LARGE', `record of ${value.length} bytes exceeds the producer's message.max.bytes`);
      }
      sent.push({ topic, key, value: value.toString(), ts });
      return true;
    },
  } as unknown as RecordPublisher;
  return { publisher, sent };
}

const FIXTURES = join(__dirname, '../../fixtures');

function deps(publisher: RecordPublisher, progressLines: string[] = [], rejectsFile = join(tmpdir(), `replay-rejects-${process.pid}-${Math.random().toString(36).slice(2)}.ndjson`)) {
  const registry = createRegistry('test', false);
  return {
    rejects: new RejectsFile(rejectsFile),
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

  it('goes on past hostile elements (oversized, deeply nested, not UTF-8) and keeps each in the rejects file with its reason', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-hostile-'));
    const row = (minute: number): string => `{"ts":"2020-01-01T00:${String(minute).padStart(2, '0')}:00Z","ms_played":1000,"master_metadata_track_name":"Song ${minute}"}`;
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const huge = `{"ts":"2020-01-01T00:09:00Z","ms_played":1,"pad":"${'x'.repeat(300_000)}"}`;
    const parts = [Buffer.from(`[${row(1)},${deep},${row(2)},${huge},`), Buffer.from('{"ts":"2020-01-01T00:03:00Z","ms_played":1,"master_metadata_track_name":"Caf'), Buffer.from([0xe9]), Buffer.from(`"},${row(4)}]`)];
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), Buffer.concat(parts));
    const { publisher, sent } = fakePublisher();
    const rejectsFile = join(dir, 'rejects.ndjson');
    const d = deps(publisher, [], rejectsFile);
    await runReplay(d, {
      topic: 'events',
      inputs: [dir],
      strict: false,
      signal: new AbortController().signal,
      fallbackUserId: 'x',
      limits: { maxElementChars: 100_000, maxDepth: 32 },
    });
    // The good rows on both sides of every hostile one went out; nothing was sent for a bad one.
    expect(sent.map((r) => (JSON.parse(r.value) as { track_name: string }).track_name)).toEqual(['Song 1', 'Song 2', 'Song 4']);
    expect(d.summary.toJSON(d.metrics.counters, true).badRecords.byReason).toEqual({ INVALID_UTF8: 1, TOO_DEEP: 1, TOO_LARGE: 1 });
    const rejects = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { index: number; reason: string; text: string; file: string });
    expect(rejects.map((r) => [r.index, r.reason])).toEqual([[1, 'TOO_DEEP'], [3, 'TOO_LARGE'], [4, 'INVALID_UTF8']]);
    expect(rejects[1]!.text.length).toBe(1_000);
    expect(rejects[2]!.text).toContain('Caf\uFFFD');
    expect(rejects[0]!.file).toMatch(/Streaming_History_Audio_2020\.json$/);
  });

  it('rejects an event over the message limit in bytes though its element is under the cap in characters, and goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-event-size-'));
    const row = (minute: number, name: string): string => `{"ts":"2020-01-01T00:${String(minute).padStart(2, '0')}:00Z","ms_played":1000,"master_metadata_track_name":"${name}"}`;
    // 1,500 characters each: both elements are under the 2,000-character cap; as UTF-8 the ASCII
    // event is about 2 KB, the one of euro signs (3 bytes each) about 5 KB, over the 4,000-byte limit.
    const ascii = 'a'.repeat(1_500);
    const multiByte = '\u20ac'.repeat(1_500);
    const elements = [row(1, 'Song 1'), row(2, ascii), row(3, multiByte), row(4, 'Song 4')];
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), `[${elements.join(',')}]`);
    const messageMaxBytes = 4_000;
    const { publisher, sent } = fakePublisher(messageMaxBytes);
    const rejectsFile = join(dir, 'rejects.ndjson');
    const d = deps(publisher, [], rejectsFile);
    const run = runReplay(d, {
      topic: 'events',
      inputs: [dir],
      strict: false,
      signal: new AbortController().signal,
      fallbackUserId: 'x',
      limits: { maxElementChars: 2_000, maxDepth: 32 },
      messageMaxBytes,
    });
    // The run is not stopped by the refused record...
    await expect(run).resolves.toBeUndefined();
    // ...nothing is produced for it, and the elements after it still go out.
    expect(sent.map((r) => (JSON.parse(r.value) as { track_name: string }).track_name)).toEqual(['Song 1', ascii, 'Song 4']);
    const summary = d.summary.toJSON(d.metrics.counters, true);
    expect(summary.valid).toBe(3);
    expect(summary.badRecords).toEqual({ total: 1, byReason: { EVENT_TOO_LARGE: 1 } });
    expect(await d.registry.getSingleMetricAsString('pipeline_producer_service_replay_bad_records_total')).toContain('reason="EVENT_TOO_LARGE",service="test"} 1');
    const rejects = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { index: number; reason: string; detail: string; text: string });
    expect(rejects).toHaveLength(1);
    expect(rejects[0]).toMatchObject({ index: 2, reason: 'EVENT_TOO_LARGE', text: elements[2] });
    expect(rejects[0]!.detail).toMatch(/over the message limit \(KAFKA_MESSAGE_MAX_BYTES, 4000\)/);
  });

  it('with strict, stops at an event over the message limit as at any bad record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-event-size-strict-'));
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), `[{"ts":"2020-01-01T00:00:00Z","ms_played":1,"master_metadata_track_name":"${'\u20ac'.repeat(1_500)}"}]`);
    const { publisher, sent } = fakePublisher(4_000);
    const run = runReplay(deps(publisher), { topic: 'events', inputs: [dir], strict: true, signal: new AbortController().signal, fallbackUserId: 'x', messageMaxBytes: 4_000 });
    await expect(run).rejects.toThrow(/Streaming_History_Audio_2020\.json\[0\]: EVENT_TOO_LARGE/);
    expect(sent).toHaveLength(0);
  });

  it('keeps a real U+FFFD of a valid UTF-8 file (only bytes that are not UTF-8 are rejected)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-fffd-'));
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), '[{"ts":"2020-01-01T00:00:00Z","ms_played":1,"master_metadata_track_name":"odd \uFFFD name"}]');
    const { publisher, sent } = fakePublisher();
    await runReplay(deps(publisher), { topic: 'events', inputs: [dir], strict: false, signal: new AbortController().signal, fallbackUserId: 'x' });
    expect(sent).toHaveLength(1);
  });

  it('goes on to the next zip entry when one entry cannot be inflated, and records where it stopped', async () => {
    const zip = await readFile(join(FIXTURES, 'my_spotify_data.zip'));
    // Corrupt the compressed data of the 2016-2017 entry: a deflate block of the reserved type.
    const name = Buffer.from('Spotify Extended Streaming History/Streaming_History_Audio_2016-2017.json');
    const header = zip.indexOf(Buffer.concat([Buffer.from('PK\x03\x04', 'latin1')]), 0);
    let at = header;
    while (at >= 0 && !zip.subarray(at + 30, at + 30 + name.length).equals(name)) at = zip.indexOf(Buffer.from('PK\x03\x04', 'latin1'), at + 4);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(zip.readUInt16LE(at + 8)).toBe(8); // deflated
    const dataStart = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
    const corrupt = Buffer.from(zip);
    corrupt.fill(0xff, dataStart, dataStart + 16);
    const dir = await mkdtemp(join(tmpdir(), 'replay-zip-'));
    const path = join(dir, 'my_spotify_data.zip');
    await writeFile(path, corrupt);
    const { publisher, sent } = fakePublisher();
    const rejectsFile = join(dir, 'rejects.ndjson');
    const d = deps(publisher, [], rejectsFile);
    await runReplay(d, { topic: 'events', inputs: [path], strict: false, signal: new AbortController().signal, fallbackUserId: 'x' });
    // The 2024 entry (the fixture's 7 good rows of it) still went out.
    expect(sent).toHaveLength(7);
    expect(d.summary.toJSON(d.metrics.counters, true).badRecords.byReason).toMatchObject({ UNREADABLE_FILE: 1 });
    const rejects = (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { reason: string; file: string; index: number });
    expect(rejects.find((r) => r.reason === 'UNREADABLE_FILE')).toMatchObject({ index: 0, file: expect.stringMatching(/2016-2017\.json$/) });
  });

  it('fails clearly when an input does not exist', async () => {
    const { publisher } = fakePublisher();
    await expect(
      runReplay(deps(publisher), { topic: 'events', inputs: ['/nonexistent/export'], strict: false, signal: new AbortController().signal, fallbackUserId: 'x' }),
    ).rejects.toThrow(/replay input \/nonexistent\/export cannot be read/);
  });
});

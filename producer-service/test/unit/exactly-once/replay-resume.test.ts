import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { TransactionalRun } from '../../../src/exactly-once/transactional-run';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import { RunSummary } from '../../../src/publish/run-summary';
import { RejectsFile } from '../../../src/replay/rejects-file';
import { ReplayProgress } from '../../../src/replay/replay-progress';
import { runReplay } from '../../../src/replay/replay-run';
import { CHECKPOINTS, FakeTransactions } from './fake-transactions';

const EXTENDED = join(__dirname, '../../fixtures/spotify-export');
const logger = createLogger({ service: 'test', level: 'silent' });

/** One replay process: resumes from the last checkpoint, is killed after `stopAfter` elements. */
async function replayProcess(
  broker: FakeTransactions,
  stopAfter = Number.POSITIVE_INFINITY,
  rejectsPath = join(tmpdir(), `resume-rejects-${process.pid}-${Math.random().toString(36).slice(2)}.ndjson`),
  { inputs = [EXTENDED], messageMaxBytes }: { inputs?: string[]; messageMaxBytes?: number } = {},
) {
  const summary = new RunSummary('replay', 'events');
  const metrics = createProducerMetrics(createRegistry('test', false));
  const txn = new TransactionalRun(broker.producer(), summary, metrics, logger, { runId: 'replay-1', topic: 'events', checkpointTopic: CHECKPOINTS, maxRecords: 2, maxMs: 60_000 }, broker.lastCheckpoint('replay-1'));
  await txn.start();
  const stop = new AbortController();
  let handled = 0;
  const checkpoints = {
    skip: () => txn.skip(),
    handled: () => {
      if (++handled >= stopAfter) stop.abort();
      return txn.handled();
    },
    commit: () => txn.commit(),
  };
  await runReplay(
    { publisher: txn, checkpoints, summary, metrics, progress: new ReplayProgress(undefined), logger, rejects: new RejectsFile(rejectsPath) },
    { topic: 'events', inputs, strict: false, signal: stop.signal, fallbackUserId: 'spotify-export', messageMaxBytes },
  );
  if (!stop.signal.aborted) await txn.finish(true);
  return summary.toJSON(metrics.counters, true);
}

describe('exactly-once replay resumed after kills', () => {
  it('counts bad records once and sends every valid record once, like an uninterrupted replay', async () => {
    const clean = new FakeTransactions();
    const reference = await replayProcess(clean);
    expect(reference.valid).toBe(9);
    expect(reference.badRecords.total).toBe(5);

    const broker = new FakeTransactions();
    // Kills after 3, 5 and 4 more elements: transactions of 2 leave some of each process uncommitted.
    const rejectsPath = join(tmpdir(), `resume-rejects-${process.pid}-killed.ndjson`);
    for (const stopAfter of [3, 5, 4]) await replayProcess(broker, stopAfter, rejectsPath);
    const resumed = await replayProcess(broker, Number.POSITIVE_INFINITY, rejectsPath);
    // The rejects file is appended by every process: a bad element handled in a transaction a kill
    // aborted is written again by the next process (at least once, never lost).
    const rejected = new Set(readFileSync(rejectsPath, 'utf8').trim().split('\n').map((line) => { const r = JSON.parse(line) as { file: string; index: number }; return `${r.file}[${r.index}]`; }));
    expect(rejected.size).toBe(reference.badRecords.total);
    expect(broker.events()).toEqual(clean.events());
    expect(resumed).toEqual(reference);
    expect(broker.lastCheckpoint('replay-1')).toMatchObject({ completed: true, position: 14, delivered: 9 });
  });

  it('rejects an event over the message limit without aborting a transaction, and a resumed run goes past it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'resume-event-size-'));
    const row = (minute: number, name: string): string => `{"ts":"2020-01-01T00:${String(minute).padStart(2, '0')}:00Z","ms_played":1000,"master_metadata_track_name":"${name}"}`;
    // Element 2 is 1,500 euro signs (under the character cap, about 5 KB as UTF-8: over the 4,000-byte limit).
    const names = ['Song 0', 'Song 1', '\u20ac'.repeat(1_500), 'Song 3', 'Song 4'];
    await writeFile(join(dir, 'Streaming_History_Audio_2020.json'), `[${names.map((name, i) => row(i, name)).join(',')}]`);
    const options = { inputs: [dir], messageMaxBytes: 4_000 };
    const trackNames = (b: FakeTransactions): string[] => b.events().map((value) => (JSON.parse(value) as { track_name: string }).track_name);

    const clean = new FakeTransactions(4_000);
    const summary = await replayProcess(clean, Number.POSITIVE_INFINITY, undefined, options);
    expect(trackNames(clean)).toEqual(['Song 0', 'Song 1', 'Song 3', 'Song 4']);
    expect(summary.badRecords).toEqual({ total: 1, byReason: { EVENT_TOO_LARGE: 1 } });
    // Its transaction (elements 2 and 3, two units a transaction) committed: nothing was aborted.
    expect(clean.aborts).toBe(0);
    expect(clean.lastCheckpoint('replay-1')).toMatchObject({ completed: true, position: 5, delivered: 4 });

    // Killed just before it: the resumed process starts at the oversized element (where a refused
    // produce once stopped every resume), rejects it and goes on, counting it once.
    const broker = new FakeTransactions(4_000);
    await replayProcess(broker, 2, undefined, options);
    expect(broker.lastCheckpoint('replay-1')).toMatchObject({ completed: false, position: 2 });
    const resumed = await replayProcess(broker, Number.POSITIVE_INFINITY, undefined, options);
    expect(trackNames(broker)).toEqual(trackNames(clean));
    expect(resumed).toEqual(summary);
    expect(broker.aborts).toBe(0);
    expect(broker.lastCheckpoint('replay-1')).toMatchObject({ completed: true, position: 5, delivered: 4 });
  });
});

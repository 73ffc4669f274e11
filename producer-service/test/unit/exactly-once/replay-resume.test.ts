import { readFileSync } from 'node:fs';
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
async function replayProcess(broker: FakeTransactions, stopAfter = Number.POSITIVE_INFINITY, rejectsPath = join(tmpdir(), `resume-rejects-${process.pid}-${Math.random().toString(36).slice(2)}.ndjson`)) {
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
    { topic: 'events', inputs: [EXTENDED], strict: false, signal: stop.signal, fallbackUserId: 'spotify-export' },
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
});

import { join } from 'node:path';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { TransactionalRun } from '../../../src/exactly-once/transactional-run';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import { RunSummary } from '../../../src/publish/run-summary';
import { ReplayProgress } from '../../../src/replay/replay-progress';
import { runReplay } from '../../../src/replay/replay-run';
import { CHECKPOINTS, FakeTransactions } from './fake-transactions';

const EXTENDED = join(__dirname, '../../fixtures/spotify-export');
const logger = createLogger({ service: 'test', level: 'silent' });

/** One replay process: resumes from the last checkpoint, is killed after `stopAfter` elements. */
async function replayProcess(broker: FakeTransactions, stopAfter = Number.POSITIVE_INFINITY) {
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
    { publisher: txn, checkpoints, summary, metrics, progress: new ReplayProgress(undefined), logger },
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
    for (const stopAfter of [3, 5, 4]) await replayProcess(broker, stopAfter);
    const resumed = await replayProcess(broker);
    expect(broker.events()).toEqual(clean.events());
    expect(resumed).toEqual(reference);
    expect(broker.lastCheckpoint('replay-1')).toMatchObject({ completed: true, position: 14, delivered: 9 });
  });
});

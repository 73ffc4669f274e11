import { PipelineError } from '@spotify-pipeline/shared/errors';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { decodeCheckpoint, encodeCheckpoint, type RunCheckpoint } from '../../../src/exactly-once/run-checkpoint';
import { CHECKPOINTS, FakeTransactions } from './fake-transactions';
import { TransactionalRun } from '../../../src/exactly-once/transactional-run';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import { RunSummary } from '../../../src/publish/run-summary';
import { buildWorld } from '../../../src/simulator/listening-simulator';
import { InlinePlaySource } from '../../../src/simulator/play-source';
import { runSimulation } from '../../../src/simulator/simulation-run';
import type { GeneratorSpec } from '../../../src/simulator/generator-spec';

const logger = createLogger({ service: 'test', level: 'silent' });

const worldOptions = { seed: 11, users: 1_000, tracks: 2_000 };
const START_MS = Date.UTC(2024, 2, 4);
const spec: GeneratorSpec = {
  world: worldOptions,
  window: { seed: 11, startMs: START_MS, endMs: START_MS + 2 * 86_400_000, sessionsPerSecond: 0.05 },
  malformedRatio: 0.03,
  maxValid: 2_500,
  batchRecords: 300,
};

/** One process of the run: resumes from the broker's last checkpoint, stops after `stopAfter` units (a kill). */
async function runProcess(broker: FakeTransactions, stopAfter = Number.POSITIVE_INFINITY) {
  const summary = new RunSummary('simulate', 'events');
  const metrics = createProducerMetrics(createRegistry('test', false));
  const checkpoint = broker.lastCheckpoint('run-1');
  const txn = new TransactionalRun(broker.producer(), summary, metrics, logger, { runId: 'run-1', topic: 'events', checkpointTopic: CHECKPOINTS, maxRecords: 400, maxMs: 60_000, now: () => 0 }, checkpoint);
  if (checkpoint?.completed) return { summary, metrics, completedBefore: true };
  await txn.start();
  const stop = new AbortController();
  let handled = 0;
  const killing = {
    skip: () => txn.skip(),
    handled: () => {
      if (++handled >= stopAfter) stop.abort();
      return txn.handled();
    },
    commit: () => txn.commit(),
  };
  await runSimulation(
    { source: new InlinePlaySource(spec, buildWorld(worldOptions)), publisher: txn, checkpoints: killing, summary, metrics, logger },
    { topic: 'events', realTime: false, signal: stop.signal },
  );
  // A kill: no final commit, the open transaction is never committed.
  if (!stop.signal.aborted) await txn.finish(true);
  return { summary, metrics, completedBefore: false };
}

describe('exactly-once transactional run', () => {
  it('a run killed three times and resumed commits every record once and summarizes the whole run like a clean one', async () => {
    const clean = new FakeTransactions();
    const reference = await runProcess(clean);
    const broker = new FakeTransactions();
    for (const stopAfter of [650, 37, 1_199]) await runProcess(broker, stopAfter);
    expect(broker.lastCheckpoint('run-1')?.completed).toBe(false);
    const resumed = await runProcess(broker);
    expect(broker.events()).toEqual(clean.events());
    expect(resumed.summary.toJSON(resumed.metrics.counters, true)).toEqual(reference.summary.toJSON(reference.metrics.counters, true));
    expect(reference.summary.valid).toBe(2_500);
    expect(broker.lastCheckpoint('run-1')).toMatchObject({ completed: true, delivered: clean.events().length, position: clean.events().length });

    // Completed: a further start restores the summary and produces nothing.
    const commits = broker.commits;
    const again = await runProcess(broker);
    expect(again.completedBefore).toBe(true);
    expect(broker.commits).toBe(commits);
    expect(again.summary.toJSON(again.metrics.counters, true)).toEqual(reference.summary.toJSON(reference.metrics.counters, true));
  });

  it('commits every maxRecords units or maxMs, each transaction with its checkpoint', async () => {
    const broker = new FakeTransactions();
    let now = 0;
    const summary = new RunSummary('simulate', 'events');
    const metrics = createProducerMetrics(createRegistry('test', false));
    const txn = new TransactionalRun(broker.producer(), summary, metrics, logger, { runId: 'r', topic: 'events', checkpointTopic: CHECKPOINTS, maxRecords: 3, maxMs: 1_000, now: () => now }, undefined);
    await txn.start();
    const due: boolean[] = [];
    for (let i = 0; i < 4; i++) {
      txn.tryProduce('events', 'u', Buffer.from(`e${i}`), 0);
      summary.addValid(0, false);
      due.push(txn.handled());
      if (due.at(-1)) await txn.commit();
    }
    now = 1_000;
    txn.tryProduce('events', 'u', Buffer.from('e4'), 0);
    summary.addValid(0, false);
    due.push(txn.handled());
    expect(due).toEqual([false, false, true, false, true]);
    expect(broker.commits).toBe(1);
    expect(broker.lastCheckpoint('r')).toMatchObject({ position: 3, delivered: 3, completed: false, summary: { valid: 3 } });
    expect(metrics.counters.topics.get('events')?.delivered).toBe(3);
  });

  it('after an abortable commit failure re-sends the transaction once; a fatal one fails the run', async () => {
    const broker = new FakeTransactions();
    const registry = createRegistry('test', false);
    const metrics = createProducerMetrics(registry);
    const summary = new RunSummary('simulate', 'events');
    const txn = new TransactionalRun(broker.producer(), summary, metrics, logger, { runId: 'r', topic: 'events', checkpointTopic: CHECKPOINTS, maxRecords: 100, maxMs: 60_000 }, undefined);
    await txn.start();
    txn.tryProduce('events', 'u', Buffer.from('a'), 0);
    txn.handled();
    broker.failCommits.push(new PipelineError('KAFKA_TRANSACTION_FAILED', 'broker lost it', { retriable: true, details: { txnRequiresAbort: true } }));
    await txn.finish(true);
    expect(broker.events()).toEqual(['a']);
    expect(broker.committed.filter((r) => r.topic === CHECKPOINTS)).toHaveLength(1);
    const exposition = await registry.metrics();
    expect(exposition).toMatch(/pipeline_producer_service_transactions_total\{outcome="aborted_resent",service="test"\} 1/);
    expect(exposition).toMatch(/pipeline_producer_service_transactions_total\{outcome="committed",service="test"\} 1/);

    const fenced = new FakeTransactions();
    const run = new TransactionalRun(fenced.producer(), new RunSummary('simulate', 'events'), metrics, logger, { runId: 'r', topic: 'events', checkpointTopic: CHECKPOINTS, maxRecords: 100, maxMs: 60_000 }, undefined);
    await run.start();
    fenced.failCommits.push(new PipelineError('KAFKA_FENCED', 'fenced by a newer process', { retriable: false }));
    await expect(run.finish(true)).rejects.toMatchObject({ code: 'KAFKA_FENCED' });
    expect(fenced.events()).toEqual([]);
  });

  it('refuses a checkpoint that is not its run or not a checkpoint', () => {
    const checkpoint: RunCheckpoint = {
      version: 1, run_id: 'a', position: 1, completed: false, delivered: 1, delivered_bytes: 10,
      summary: { valid: 1, late: 0, malformed: { not_json: 0, schema_invalid: 0 }, badRecords: {}, byHour: { '474000': 1 }, firstMs: 0, lastMs: 0 },
      committed_at: '2024-03-04T00:00:00.000Z',
    };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint), 'a')).toEqual(checkpoint);
    expect(() => decodeCheckpoint(encodeCheckpoint(checkpoint), 'b')).toThrow(/names run a/);
    expect(() => decodeCheckpoint(Buffer.from('{"version":1}'), 'a')).toThrow(/invalid/);
    expect(() => decodeCheckpoint(Buffer.from('nope'), 'a')).toThrow(/not JSON/);
  });
});

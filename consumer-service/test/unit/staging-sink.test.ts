import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { FlushedBatch, TransactionCommitter } from '../../src/commit/transaction-committer';
import { createSinkMetrics } from '../../src/metrics';
import { PartitionBatcher } from '../../src/pipeline/partition-batcher';
import type { SourceRecord } from '../../src/pipeline/source-record';
import { BatchStager } from '../../src/sink/batch-stager';
import type { StagedObject, StagingUploader } from '../../src/sink/staging-uploader';
import type { PartitionSource } from '../../src/source/partition-source';
import { StagingSink } from '../../src/staging-sink';
import { record } from './pipeline/fixtures';

/** A scripted partition source: each poll returns the next scripted list; a rewind re-reads from the committed offset. */
class FakeSource {
  committed = new Map<number, number>();
  log: SourceRecord[] = [];
  position = new Map<number, number>();
  assigned = new Set(['listening-events+0', 'listening-events+1']);
  rewinds = 0;
  paused: string[] = [];
  onPoll: (() => void) | undefined;

  async poll(max: number): Promise<SourceRecord[]> {
    // A real poll waits on librdkafka: let the event loop turn (gzip runs in the thread pool).
    await new Promise((resolve) => setImmediate(resolve));
    this.onPoll?.();
    const out: SourceRecord[] = [];
    for (const r of this.log) {
      const next = this.position.get(r.partition) ?? 0;
      if (r.offset === next && out.length < max && this.assigned.has(`listening-events+${r.partition}`)) {
        out.push(r);
        this.position.set(r.partition, next + 1);
      }
    }
    // Nothing to read: a real poll waits out its timeout, and a busy machine's thread pool gets time.
    if (out.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    return out;
  }
  epochs = new Map<string, number>();
  isAssigned(id: string) { return this.assigned.has(id); }
  assignmentEpoch(id: string) { return this.assigned.has(id) ? (this.epochs.get(id) ?? 1) : undefined; }
  assignedIds() { return [...this.assigned]; }
  pause(ids: Iterable<string>) { this.paused.push(...ids); }
  resumeAll() { this.paused = []; }
  get pausedCount() { return this.paused.length; }
  lag() { return []; }
  async rewind() {
    this.rewinds += 1;
    for (const p of [0, 1]) this.position.set(p, this.committed.get(p) ?? 0);
  }
}

class FakeCommitter {
  rounds: FlushedBatch[][] = [];
  failures: PipelineError[] = [];
  constructor(private readonly source: FakeSource) {}
  async commit(flushed: FlushedBatch[]) {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.rounds.push(flushed);
    for (const { batch } of flushed) this.source.committed.set(batch.partition, batch.lastOffset + 1);
  }
}

function setup(options: { maxRecords?: number; uploadFailures?: PipelineError[]; maxBufferedBytes?: number } = {}) {
  const source = new FakeSource();
  const committer = new FakeCommitter(source);
  const uploaded: StagedObject[] = [];
  const uploadFailures = [...(options.uploadFailures ?? [])];
  /** While set, uploads wait for it: a round stays in flight until the test releases it. */
  const gate: { wait: Promise<void> | undefined } = { wait: undefined };
  const uploader = {
    put: async (o: StagedObject) => {
      await gate.wait;
      const f = uploadFailures.shift();
      if (f) throw f;
      uploaded.push(o);
    },
  } as unknown as StagingUploader;
  const registry = createRegistry('consumer-service', false);
  const metrics = createSinkMetrics(registry);
  const batcher = new PartitionBatcher({
    policy: { maxRecords: options.maxRecords ?? 4, maxBytes: 1e9, maxTimeSpanMs: 1e12, idleMs: 1e12, intervalMs: 1e12 },
    format: 'ndjson',
    gzipLevel: 1,
    maxRecordBytes: 10_000,
    now: () => 0,
  });
  const liveness = { beats: 0, outcomes: [] as string[], sleeps: [] as number[] };
  const sink = new StagingSink(
    {
      source: source as unknown as PartitionSource,
      batcher,
      stager: new BatchStager(uploader, { bucket: 'staging', prefix: 'staging' }, metrics),
      committer: committer as unknown as TransactionCommitter,
      metrics,
      logger: createLogger({ service: 'test', level: 'silent' }),
      onRound: (outcome) => {
        liveness.beats += 1;
        if (outcome !== 'idle') liveness.outcomes.push(outcome);
      },
      retryBaseDelayMs: 1_000,
      retryMaxDelayMs: 8_000,
      sleep: async (ms) => void liveness.sleeps.push(ms),
    },
    { pollMaxRecords: 100, maxBufferedBytes: options.maxBufferedBytes ?? 1e9, maxInflightUploads: 2 },
  );
  return { source, committer, uploaded, sink, batcher, gate, liveness };
}

/** Runs the loop until `until()` holds (or 5,000 polls, at least 5 s idle: a broken loop fails the test, never hangs it), then stops it. */
async function runUntil(env: ReturnType<typeof setup>, until: () => boolean): Promise<void> {
  let polls = 0;
  env.source.onPoll = () => {
    polls += 1;
    if (until() || polls >= 5_000) env.sink.stop();
  };
  await env.sink.run();
}

function committedRanges(committer: FakeCommitter): string[] {
  return committer.rounds.flat().map(({ batch }) => `${batch.partition}:${batch.firstOffset}-${batch.lastOffset}`);
}

describe('StagingSink loop', () => {
  it('uploads every closed batch before the round commits, and flushes open batches on shutdown', async () => {
    const env = setup();
    env.source.log = [...Array.from({ length: 6 }, (_, o) => record(o)), record(0, { partition: 1 })];
    await runUntil(env, () => env.source.committed.get(0) === 4);
    expect(committedRanges(env.committer)).toEqual(['0:0-3', '0:4-5', '1:0-0']);
    expect(env.committer.rounds.flat().every(({ object }) => object && env.uploaded.includes(object))).toBe(true);
    expect(env.committer.rounds.at(-1)!.every(({ batch }) => batch.closedBy === 'shutdown')).toBe(true);
  });

  it('abandons the round when an upload fails for good: nothing committed, state dropped, records re-read', async () => {
    const env = setup({ uploadFailures: [new PipelineError('S3_UNAVAILABLE', 'down', { retriable: true })] });
    env.source.log = Array.from({ length: 8 }, (_, o) => record(o));
    await runUntil(env, () => env.source.committed.get(0) === 8);
    expect(env.source.rewinds).toBe(1);
    // Each offset committed once, in order, despite the failed first round.
    expect(committedRanges(env.committer)).toEqual(['0:0-3', '0:4-7']);
  });

  it('waits longer after each abandoned round instead of re-reading at once (a permanent S3 error used to hot-loop), and reports each outcome', async () => {
    const failures = Array.from({ length: 5 }, () => new PipelineError('S3_UNAVAILABLE', 'NoSuchBucket', { retriable: true }));
    const env = setup({ uploadFailures: failures });
    env.source.log = Array.from({ length: 4 }, (_, o) => record(o));
    jest.spyOn(Math, 'random').mockReturnValue(1);
    try {
      await runUntil(env, () => env.source.committed.get(0) === 4);
    } finally {
      jest.restoreAllMocks();
    }
    expect(env.source.rewinds).toBe(5);
    // Full jitter with random = 1: the ceiling, doubling from 1 s, capped at 8 s.
    expect(env.liveness.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000]);
    expect(env.liveness.outcomes).toEqual(['abandoned', 'abandoned', 'abandoned', 'abandoned', 'abandoned', 'committed']);
  });

  it('abandons the round when the transaction fails (e.g. a rebalance) and commits the re-read records later', async () => {
    const env = setup();
    env.committer.failures.push(new PipelineError('KAFKA_TRANSACTION_FAILED', 'generation', { details: { rebalanced: true } }));
    env.source.log = Array.from({ length: 4 }, (_, o) => record(o));
    await runUntil(env, () => env.source.committed.get(0) === 4);
    expect(env.source.rewinds).toBe(1);
    expect(committedRanges(env.committer)).toEqual(['0:0-3']);
  });

  it('stops on a fenced producer instead of carrying on as a zombie', async () => {
    const env = setup();
    env.committer.failures.push(new PipelineError('KAFKA_FENCED', 'fenced'));
    env.source.log = Array.from({ length: 4 }, (_, o) => record(o));
    await expect(env.sink.run()).rejects.toMatchObject({ code: 'KAFKA_FENCED' });
    expect(env.committer.rounds).toEqual([]);
  });

  it('never commits a batch of a partition revoked during the round', async () => {
    const env = setup();
    env.source.log = [...Array.from({ length: 4 }, (_, o) => record(o)), ...Array.from({ length: 4 }, (_, o) => record(o, { partition: 1 }))];
    const stage = BatchStager.prototype.stage;
    const spy = jest.spyOn(BatchStager.prototype, 'stage').mockImplementation(async function (this: BatchStager, batch) {
      // The rebalance lands while the upload is in flight.
      env.source.assigned.delete('listening-events+1');
      return stage.call(this, batch);
    });
    try {
      await runUntil(env, () => env.committer.rounds.length > 0);
    } finally {
      spy.mockRestore();
    }
    expect(committedRanges(env.committer)).toEqual(['0:0-3']);
  });

  it('keeps polling and batching while a round uploads, and commits the next round only after it', async () => {
    const env = setup({ maxRecords: 2 });
    let release!: () => void;
    env.gate.wait = new Promise<void>((resolve) => (release = resolve));
    env.source.log = [record(0), record(1)];
    let polls = 0;
    let readWhileInFlight = false;
    env.source.onPoll = () => {
      polls += 1;
      // The first round (0-1) is stuck in its upload; more records arrive and are batched meanwhile.
      if (polls === 3) env.source.log.push(record(2), record(3), record(4), record(5));
      if (polls === 6) {
        readWhileInFlight = env.source.position.get(0) === 6 && env.committer.rounds.length === 0;
        env.gate.wait = undefined;
        release();
      }
      if (env.source.committed.get(0) === 6 || polls >= 5_000) env.sink.stop();
    };
    await env.sink.run();
    expect(readWhileInFlight).toBe(true);
    expect(committedRanges(env.committer)).toEqual(['0:0-1', '0:2-3', '0:4-5']);
    // Round by round: the first round holds only what was ready when it started.
    expect(env.committer.rounds[0]!.map(({ batch }) => batch.firstOffset)).toEqual([0]);
  });

  it('drops what was read during a failed round too, rewinds, and commits every offset once', async () => {
    const env = setup({ maxRecords: 2, uploadFailures: [new PipelineError('S3_UNAVAILABLE', 'down', { retriable: true })] });
    let release!: () => void;
    env.gate.wait = new Promise<void>((resolve) => (release = resolve));
    env.source.log = Array.from({ length: 6 }, (_, o) => record(o));
    let polls = 0;
    env.source.onPoll = () => {
      polls += 1;
      if (polls === 3) {
        env.gate.wait = undefined;
        release();
      }
      if (env.source.committed.get(0) === 6 || polls >= 5_000) env.sink.stop();
    };
    await env.sink.run();
    expect(env.source.rewinds).toBe(1);
    expect(committedRanges(env.committer)).toEqual(['0:0-1', '0:2-3', '0:4-5']);
  });

  it('never commits a partition revoked and assigned back while the round was in flight', async () => {
    const env = setup();
    env.source.log = Array.from({ length: 4 }, (_, o) => record(o));
    const stage = BatchStager.prototype.stage;
    let bounced = false;
    const spy = jest.spyOn(BatchStager.prototype, 'stage').mockImplementation(async function (this: BatchStager, batch) {
      if (!bounced) {
        // Lost and won back during the upload: the new assignment re-reads from the committed offset.
        bounced = true;
        env.source.epochs.set('listening-events+0', 2);
      }
      return stage.call(this, batch);
    });
    try {
      await runUntil(env, () => env.committer.rounds.length > 0);
    } finally {
      spy.mockRestore();
    }
    expect(env.committer.rounds.flat().map(({ batch }) => batch.firstOffset)).not.toContain(undefined);
    expect(committedRanges(env.committer)).not.toContain('0:0-3');
  });

  it('keeps partitions paused for memory until a round has freed it', async () => {
    const env = setup({ maxRecords: 1_000, maxBufferedBytes: 1 });
    let release!: () => void;
    env.gate.wait = new Promise<void>((resolve) => (release = resolve));
    env.source.log = Array.from({ length: 4 }, (_, o) => record(o));
    let polls = 0;
    const pausedDuringRound: number[] = [];
    env.source.onPoll = () => {
      polls += 1;
      if (polls > 1 && polls < 5) pausedDuringRound.push(env.source.pausedCount);
      if (polls === 5) {
        env.gate.wait = undefined;
        release();
      }
      if (env.source.committed.get(0) === 4 || polls >= 5_000) env.sink.stop();
    };
    await env.sink.run();
    expect(pausedDuringRound).toEqual([1, 1, 1]);
    expect(committedRanges(env.committer)).toEqual(['0:0-3']);
    expect(env.committer.rounds[0]![0]!.batch.closedBy).toBe('buffer_full');
  });

  it('tells liveness nothing while a round is stuck, and again once it settles', async () => {
    const env = setup({ maxRecords: 2 });
    let release!: () => void;
    env.gate.wait = new Promise<void>((resolve) => (release = resolve));
    env.source.log = [record(0), record(1)];
    let polls = 0;
    let beatsWhileStuck = -1;
    env.source.onPoll = () => {
      polls += 1;
      if (polls === 3) beatsWhileStuck = env.liveness.beats;
      if (polls === 20) {
        // 17 turns of the loop with the round stuck in its upload: not one heartbeat.
        expect(env.liveness.beats).toBe(beatsWhileStuck);
        env.gate.wait = undefined;
        release();
      }
      if (env.source.committed.get(0) === 2 || polls >= 5_000) env.sink.stop();
    };
    await env.sink.run();
    expect(polls).toBeGreaterThan(20);
    expect(env.liveness.beats).toBeGreaterThan(beatsWhileStuck);
  });
});

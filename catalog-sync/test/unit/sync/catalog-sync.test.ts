import type { KafkaConsumer, Message } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import type { LakeCatalog, TableReader } from '@spotify-pipeline/shared/iceberg';
import type { PositionedManifest } from '../../../src/commit/plan-table-commit';
import type { TableCommitResult, TableCommitter } from '../../../src/commit/table-committer';
import type { QueryEngine } from '../../../src/queries/query-engine';
import { Reconciler } from '../../../src/reconcile/reconciler';
import { JsonDocument } from '../../../src/state/json-document';
import { emptySyncState, parseSyncState } from '../../../src/state/sync-state';
import { CatalogSync } from '../../../src/sync/catalog-sync';
import { createSyncMetrics } from '../../../src/sync/sync-metrics';
import { lakeManifest } from '../../fixtures/manifests';
import { memoryS3 } from '../../fixtures/memory-s3';

const logger = createLogger({ service: 'test', level: 'silent' });
const topics = { lakeFiles: 'lake-files', stagedFiles: 'staged-files' };

const message = (offset: number, value: unknown): Message =>
  ({ topic: topics.lakeFiles, partition: 0, offset, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), size: 0, timestamp: 0 }) as Message;

/**
 * A consumer of one partition that behaves like librdkafka where it matters here: consume()
 * returns what lies from the current position on and moves the position past it; commitSync()
 * records the committed offset; seek() moves the position. A fake that ignored positions would hide
 * a loop that skips a failed batch (it did once).
 */
function fakeConsumer(log: Message[]) {
  const state = { position: 0, committed: -1001, commits: [] as number[], seeks: [] as number[] };
  const consumer = {
    consume: (max: number, done: (err: null, messages: Message[]) => void) => {
      const batch = log.filter((m) => m.offset >= state.position).slice(0, max);
      if (batch.length > 0) state.position = batch[batch.length - 1]!.offset + 1;
      done(null, batch);
    },
    commitSync: (offsets: Array<{ offset: number }>) => {
      state.committed = offsets[0]!.offset;
      state.commits.push(offsets[0]!.offset);
    },
    assignments: () => [{ topic: topics.lakeFiles, partition: 0 }],
    committed: (partitions: unknown, _timeout: number, done: (err: null, offsets: Array<{ topic: string; partition: number; offset: number }>) => void) =>
      done(null, [{ topic: topics.lakeFiles, partition: 0, offset: state.committed }]),
    seek: (target: { offset: number }, _timeout: number, done: (err: null) => void) => {
      state.position = target.offset < 0 ? 0 : target.offset;
      state.seeks.push(state.position);
      done(null);
    },
  } as unknown as KafkaConsumer;
  return { consumer, state };
}

/** A committer that records what it was given; it fails `failures.times` times first. */
function fakeCommitter(failures: { times: number }, stopAt?: number) {
  const calls: number[][] = [];
  const committer = {
    commit: async (table: string, manifests: PositionedManifest[]): Promise<TableCommitResult> => {
      if (failures.times-- > 0) throw Object.assign(new Error('catalog down'), { code: 'CATALOG_UNAVAILABLE' });
      calls.push(manifests.map((m) => m.offset));
      const stop = manifests.find((m) => m.offset === stopAt);
      return {
        table,
        snapshots: [{ operation: 'append', files: manifests.length, latencyMs: 1 }],
        plan: { appends: [], replacements: [], progress: {}, appendProgress: {}, stops: stop ? [stop] : [], alreadyCommitted: 0, superseded: [] },
      };
    },
  } as unknown as TableCommitter;
  return { committer, calls };
}

describe('CatalogSync.runOnce', () => {
  let s3: ReturnType<typeof memoryS3>;
  afterEach(() => s3.mock.restore());

  function build(log: Message[], failures: { times: number }, stopAt?: number) {
    s3 = memoryS3();
    const deadLetters: string[] = [];
    const { consumer, state: kafka } = fakeConsumer(log);
    const { committer, calls } = fakeCommitter(failures, stopAt);
    const registry = createRegistry('catalog-sync', false);
    const metrics = createSyncMetrics(registry);
    const state = new JsonDocument(s3.client, 'lake', 'state.json', emptySyncState, parseSyncState);
    const engine = { name: 'fake', query: async () => ({ columns: [], rows: [] }), countHourRows: async () => 0, close: async () => undefined } as QueryEngine;
    const sync = new CatalogSync({
      consumer,
      committer,
      lake: {} as LakeCatalog,
      reader: {} as TableReader,
      state,
      reconciler: new Reconciler(engine, registry, logger),
      deadLetter: async (m, code) => void deadLetters.push(`${m.offset}:${code}`),
      topics,
      lakeBucket: 'lake',
      lineage: { allowedLatenessMs: 365 * 86_400_000 },
      batchSize: 100,
      metrics,
      logger,
    });
    return { sync, kafka, calls, deadLetters, state };
  }

  it('commits no offset when the table commit fails, and after a rewind applies the same batch again instead of skipping it', async () => {
    const log = [message(7, lakeManifest({ key: 'a', rows: 3, bucket: 'lake' })), message(8, lakeManifest({ key: 'b', rows: 4, bucket: 'lake' }))];
    const { sync, kafka, calls, state } = build(log, { times: 1 });
    kafka.position = 7;
    kafka.committed = 7;

    await expect(sync.runOnce()).rejects.toThrow('catalog down');
    expect(kafka.commits).toEqual([]);
    expect(s3.objects.has('state.json')).toBe(false);
    // Without the rewind the next poll would start after the failed batch: nothing left to commit it with.
    expect(kafka.position).toBe(9);

    await sync.rewind();
    expect(kafka.position).toBe(7);
    await expect(sync.runOnce()).resolves.toBe(2);
    expect(calls).toEqual([[7, 8]]);
    expect(kafka.commits).toEqual([9]);
    expect(Object.keys((await state.read()).value.partitions)).toEqual(['listening_events/dt=2024-03-01/hour=10']);
  });

  it('dead-letters what is not a manifest, or names another bucket, and still commits past it', async () => {
    const { sync, kafka, deadLetters, calls } = build(
      [message(1, 'not json'), message(2, { schema_version: 2 }), message(3, lakeManifest({ key: 'x', rows: 1, bucket: 'elsewhere' })), message(4, lakeManifest({ key: 'a', rows: 1, bucket: 'lake' }))],
      { times: 0 },
    );

    await sync.runOnce();

    expect(deadLetters).toEqual(['1:RECORD_NOT_JSON', '2:RECORD_INVALID', '3:RECORD_INVALID']);
    expect(calls).toEqual([[4]]);
    expect(kafka.commits).toEqual([5]);
  });

  it('stops at a compaction read in part: commits up to it and reads it again from its first manifest', async () => {
    const log = [1, 2, 3].map((o) => message(o, lakeManifest({ key: `f${o}`, rows: 1, bucket: 'lake' })));
    const { sync, kafka } = build(log, { times: 0 }, 2);

    await sync.runOnce();

    expect(kafka.commits).toEqual([2]);
    expect(kafka.position).toBe(2);
  });

  it('writes no lineage state for a replayed batch', async () => {
    const { sync, kafka } = build([message(1, lakeManifest({ key: 'a', rows: 1, bucket: 'lake' }))], { times: 0 });
    await sync.runOnce();
    const writes = s3.writes();
    kafka.position = 0;

    await sync.runOnce();

    expect(s3.writes()).toBe(writes);
  });
});

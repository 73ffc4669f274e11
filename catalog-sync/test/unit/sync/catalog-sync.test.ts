import type { KafkaConsumer, Message } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import type { Catalog } from '../../../src/catalog/catalog';
import type { QueryEngine } from '../../../src/queries/query-engine';
import { Reconciler } from '../../../src/reconcile/reconciler';
import { JsonDocument } from '../../../src/state/json-document';
import { emptySyncState, syncStateV1 } from '../../../src/state/sync-state';
import { CatalogSync } from '../../../src/sync/catalog-sync';
import { CatalogWriter } from '../../../src/sync/catalog-writer';
import { createSyncMetrics } from '../../../src/sync/sync-metrics';
import { lakeManifest } from '../../fixtures/manifests';
import { memoryS3 } from '../../fixtures/memory-s3';

const logger = createLogger({ service: 'test', level: 'silent' });
const topics = { lakeFiles: 'lake-files', stagedFiles: 'staged-files' };

const message = (offset: number, value: unknown): Message =>
  ({ topic: topics.lakeFiles, partition: 0, offset, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), size: 0, timestamp: 0 }) as Message;

function fakeCatalog(failRegister: { times: number }): Catalog & { registered: string[] } {
  const registered: string[] = [];
  return {
    mode: 'fake',
    registered,
    ensureTable: async () => undefined,
    addColumns: async () => undefined,
    registerPartitions: async (_t, partitions) => {
      if (failRegister.times-- > 0) throw new Error('catalog down');
      registered.push(...partitions.flatMap((p) => p.files.map((f) => f.key)));
    },
    switchPartitionFiles: async () => undefined,
    setPartitionClosed: async () => undefined,
    listPartitions: async () => [],
    listTables: async () => [],
    close: async () => undefined,
  };
}

describe('CatalogSync.runOnce', () => {
  let s3: ReturnType<typeof memoryS3>;
  afterEach(() => s3.mock.restore());

  function build(batch: Message[], failRegister: { times: number }) {
    s3 = memoryS3();
    const commits: unknown[] = [];
    const deadLetters: string[] = [];
    const consumer = {
      consume: (_max: number, done: (err: null, messages: Message[]) => void) => done(null, batch),
      commitSync: (offsets: unknown) => void commits.push(offsets),
    } as unknown as KafkaConsumer;
    const registry = createRegistry('catalog-sync', false);
    const metrics = createSyncMetrics(registry);
    const catalog = fakeCatalog(failRegister);
    const state = new JsonDocument(s3.client, 'lake', 'state.json', emptySyncState, (raw) => syncStateV1.parse(raw));
    const engine = { name: 'fake', query: async () => ({ columns: [], rows: [] }), countPartitionRows: async () => 0, close: async () => undefined } as QueryEngine;
    const sync = new CatalogSync({
      consumer,
      writer: new CatalogWriter(catalog, metrics, logger),
      state,
      reconciler: new Reconciler(engine, registry, logger),
      deadLetter: async (m, code) => void deadLetters.push(`${m.offset}:${code}`),
      topics,
      plan: { lakeBucket: 'lake', allowedLatenessMs: 0 },
      batchSize: 100,
      metrics,
      logger,
    });
    return { sync, commits, deadLetters, catalog, state };
  }

  it('commits the offsets only after the catalog write and the state are durable, and not at all when the catalog write fails', async () => {
    const batch = [message(7, lakeManifest({ key: 'a', rows: 3 })), message(8, lakeManifest({ key: 'b', rows: 4 }))];
    const { sync, commits, catalog, state } = build(batch, { times: 1 });

    await expect(sync.runOnce()).rejects.toThrow('catalog down');
    expect(commits).toEqual([]);
    expect(s3.objects.has('state.json')).toBe(false);

    await expect(sync.runOnce()).resolves.toBe(2);
    expect(catalog.registered).toEqual(['a', 'b']);
    expect(commits).toEqual([[{ topic: topics.lakeFiles, partition: 0, offset: 9 }]]);
    expect(Object.keys((await state.read()).value.partitions)).toEqual(['listening_events/dt=2024-03-01/hour=10']);
  });

  it('dead-letters what is not a manifest and still commits past it', async () => {
    const { sync, commits, deadLetters } = build([message(1, 'not json'), message(2, { schema_version: 2 }), message(3, lakeManifest({ key: 'a', rows: 1 }))], { times: 0 });

    await sync.runOnce();

    expect(deadLetters).toEqual(['1:RECORD_NOT_JSON', '2:RECORD_INVALID']);
    expect(commits).toEqual([[{ topic: topics.lakeFiles, partition: 0, offset: 4 }]]);
  });

  it('writes neither catalog nor state for a replayed batch', async () => {
    const batch = [message(1, lakeManifest({ key: 'a', rows: 1 }))];
    const { sync, catalog } = build(batch, { times: 0 });
    await sync.runOnce();
    const writes = s3.writes();

    await sync.runOnce();

    expect(s3.writes()).toBe(writes);
    expect(catalog.registered).toEqual(['a']);
  });
});

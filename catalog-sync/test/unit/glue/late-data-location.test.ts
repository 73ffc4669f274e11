import {
  BatchCreatePartitionCommand,
  GetDatabaseCommand,
  GetPartitionCommand,
  GetTableCommand,
  GlueClient,
  UpdatePartitionCommand,
  UpdateTableCommand,
  type Partition,
} from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { GlueCatalog } from '../../../src/glue/glue-catalog';
import { emptySyncState, type SyncState } from '../../../src/state/sync-state';
import { CatalogWriter } from '../../../src/sync/catalog-writer';
import { planBatch, type BatchPlan } from '../../../src/sync/plan-batch';
import { createSyncMetrics } from '../../../src/sync/sync-metrics';
import { lakeManifest } from '../../fixtures/manifests';

const logger = createLogger({ service: 'test', level: 'silent' });
const FOLDER = 'listening_events/dt=2024-03-01/hour=10/';
const ID = 'listening_events/dt=2024-03-01/hour=10';
const G1 = '1111111111111111';
const G2 = '2222222222222222';
const part = (sourcePartition: number, first: number, generation?: string): string =>
  `${FOLDER}${generation ? `compacted-${generation}/` : ''}part-listening-events+${sourcePartition}+${String(first).padStart(20, '0')}.parquet`;
const add = (key: string, rows: number): LakeFileManifest => lakeManifest({ key, rows, stagedKey: `staged/${key.slice(key.lastIndexOf('/') + 1)}` });
const compact = (key: string, rows: number, replaces: string[]): LakeFileManifest =>
  lakeManifest({ key, rows, operation: 'compact', replaces, stagedKey: null, input: null });

/** Glue as a map of partitions: BatchCreatePartition, GetPartition and UpdatePartition act on it. */
const glue = mockClient(GlueClient);
afterAll(() => glue.restore());
const partitions = new Map<string, Partition>();
const valuesId = (values: string[] | undefined): string => (values ?? []).join('/');

function fakeGlue(): void {
  partitions.clear();
  glue.reset();
  glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'lake_db' } });
  glue.on(GetTableCommand).resolves({
    Table: { Name: 'listening_events', StorageDescriptor: { Columns: [], Location: 's3://lake/listening_events/' }, PartitionKeys: [{ Name: 'dt' }, { Name: 'hour' }] },
  });
  glue.on(UpdateTableCommand).resolves({});
  glue.on(BatchCreatePartitionCommand).callsFake((input: { PartitionInputList: Partition[] }) => {
    const errors = [];
    for (const p of input.PartitionInputList) {
      if (partitions.has(valuesId(p.Values))) errors.push({ PartitionValues: p.Values, ErrorDetail: { ErrorCode: 'AlreadyExistsException' } });
      else partitions.set(valuesId(p.Values), { ...p });
    }
    return { Errors: errors };
  });
  glue.on(GetPartitionCommand).callsFake((input: { PartitionValues: string[] }) => ({ Partition: partitions.get(valuesId(input.PartitionValues)) }));
  glue.on(UpdatePartitionCommand).callsFake((input: { PartitionValueList: string[]; PartitionInput: Partition }) => {
    partitions.set(valuesId(input.PartitionValueList), { ...input.PartitionInput });
    return {};
  });
}

describe('Glue mode: late files after a compaction', () => {
  let state: SyncState;
  let writer: CatalogWriter;

  beforeEach(() => {
    fakeGlue();
    state = emptySyncState();
    const catalog = new GlueCatalog(new GlueClient({ region: 'eu-west-1' }), { database: 'lake_db', logger, retry: { sleep: async () => undefined, random: () => 0 } });
    writer = new CatalogWriter(catalog, createSyncMetrics(createRegistry('catalog_sync', false)), logger);
  });

  async function sync(manifests: LakeFileManifest[]): Promise<BatchPlan> {
    const plan = planBatch(state, manifests, [], { lakeBucket: 'lake', allowedLatenessMs: 3_600_000 });
    await writer.apply(plan.actions);
    return plan;
  }

  /** Every live file of the partition is directly in its Glue location: Athena reads each once. */
  function expectLocationCoversLiveFiles(): string {
    const location = partitions.get('2024-03-01/10')!.StorageDescriptor!.Location!;
    const live = Object.keys(state.partitions[ID]!.files);
    for (const key of live) expect(`s3://lake/${key.slice(0, key.lastIndexOf('/') + 1)}`).toBe(location);
    return location;
  }

  it('keeps the location on the live generation: late files inside it need no UpdatePartition, the next compaction moves it once', async () => {
    const small = [part(0, 0), part(1, 0), part(2, 0)];
    await sync(small.map((k) => add(k, 10)));
    expect(expectLocationCoversLiveFiles()).toBe(`s3://lake/${FOLDER}`);

    const first = [`${FOLDER}compacted-${G1}/part-00000.parquet`, `${FOLDER}compacted-${G1}/part-00001.parquet`];
    await sync([compact(first[0]!, 20, small), compact(first[1]!, 10, small)]);
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(1);
    expect(expectLocationCoversLiveFiles()).toBe(`s3://lake/${FOLDER}compacted-${G1}/`);

    // Days-late rows, written inside the live generation's folder: listed, counted, location unchanged.
    const late = part(0, 500, G1);
    const lateBatch = await sync([add(late, 7)]);
    expect(lateBatch.misplaced).toEqual([]);
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(1);
    expect(state.partitions[ID]!.files[late]).toBe(7);
    expect(expectLocationCoversLiveFiles()).toBe(`s3://lake/${FOLDER}compacted-${G1}/`);

    // A staged object replayed after the compaction lands under the new folder with its old
    // identity: its rows are counted once (under the first key), never twice.
    const replay = await sync([add(part(1, 0, G1), 10)]);
    expect(replay.replays.map((m) => m.key)).toEqual([part(1, 0, G1)]);
    expect(Object.values(state.partitions[ID]!.files).reduce((a, b) => a + b, 0)).toBe(37);
    expect(Object.values(state.objects).reduce((sum, o) => sum + Object.values(o.added).reduce((a, b) => a + b, 0), 0)).toBe(37);

    // The next compaction merges everything live (late file included) into a new generation.
    const second = `${FOLDER}compacted-${G2}/part-00000.parquet`;
    await sync([compact(second, 37, [...first, late])]);
    expect(glue.commandCalls(UpdatePartitionCommand)).toHaveLength(2);
    expect(expectLocationCoversLiveFiles()).toBe(`s3://lake/${FOLDER}compacted-${G2}/`);
    expect(state.partitions[ID]!.files).toEqual({ [second]: 37 });
  });

  it('reports a late file written outside the live folder (a stale marker) until a compaction covers it', async () => {
    const small = [part(0, 0), part(1, 0)];
    await sync(small.map((k) => add(k, 10)));
    const first = `${FOLDER}compacted-${G1}/part-00000.parquet`;
    await sync([compact(first, 20, small)]);

    const stray = part(2, 900);
    const strayBatch = await sync([add(stray, 3)]);
    expect(strayBatch.misplaced).toEqual([{ partition: ID, keys: [stray] }]);

    const repaired = `${FOLDER}compacted-${G2}/part-00000.parquet`;
    const repairBatch = await sync([compact(repaired, 23, [first, stray])]);
    expect(repairBatch.misplaced).toEqual([]);
    expect(expectLocationCoversLiveFiles()).toBe(`s3://lake/${FOLDER}compacted-${G2}/`);
  });
});

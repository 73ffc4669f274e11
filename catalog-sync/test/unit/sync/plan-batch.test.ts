import { emptySyncState, type SyncState } from '../../../src/state/sync-state';
import { planBatch, type CatalogAction } from '../../../src/sync/plan-batch';
import { lakeManifest, stagedManifest } from '../../fixtures/manifests';

const options = { lakeBucket: 'lake', allowedLatenessMs: 3_600_000 };
const kinds = (actions: CatalogAction[]) => actions.map((a) => a.kind);
const ID = 'listening_events/dt=2024-03-01/hour=10';

describe('planBatch', () => {
  let state: SyncState;
  beforeEach(() => {
    state = emptySyncState();
  });

  it('ensures the table, then registers each new file under its partition folder', () => {
    const plan = planBatch(state, [lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/part-a.parquet', rows: 5 })], [], options);
    expect(kinds(plan.actions)).toEqual(['ensureTable', 'register']);
    const register = plan.actions[1] as Extract<CatalogAction, { kind: 'register' }>;
    expect(register.partitions).toEqual([
      expect.objectContaining({ dt: '2024-03-01', hour: '10', location: 's3://lake/listening_events/dt=2024-03-01/hour=10/', files: [expect.objectContaining({ rowCount: 5 })] }),
    ]);
  });

  it('plans nothing for a replayed manifest (at-least-once delivery stays exact)', () => {
    const m = lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/part-a.parquet', rows: 5 });
    planBatch(state, [m], [], options);
    const replay = planBatch(state, [m], [], options);
    expect(kinds(replay.actions)).toEqual(['ensureTable']);
    expect(state.partitions[ID]!.files).toEqual({ 'listening_events/dt=2024-03-01/hour=10/part-a.parquet': 5 });
  });

  it('switches a compaction only when all its files have arrived, and never brings a replaced file back', () => {
    const a = lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/a.parquet', rows: 4 });
    const b = lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/b.parquet', rows: 6 });
    planBatch(state, [a, b], [], options);
    const replaces = [a.key, b.key];
    const c1 = lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/compacted/c1.parquet', rows: 7, operation: 'compact', replaces, stagedKey: null, input: null });
    const c2 = lakeManifest({ key: 'listening_events/dt=2024-03-01/hour=10/compacted/c2.parquet', rows: 3, operation: 'compact', replaces, stagedKey: null, input: null });

    expect(kinds(planBatch(state, [c1], [], options).actions)).toEqual(['ensureTable']);
    const plan = planBatch(state, [c2], [], options);
    expect(kinds(plan.actions)).toEqual(['ensureTable', 'swap']);
    const swap = (plan.actions[1] as Extract<CatalogAction, { kind: 'swap' }>).swap;
    expect(swap.remove.sort()).toEqual(replaces.sort());
    expect(swap.add.map((f) => f.key)).toEqual([c1.key, c2.key]);
    expect(swap.location).toBe('s3://lake/listening_events/dt=2024-03-01/hour=10/compacted/');

    // A late replay of an original add, or of the compaction itself, changes nothing.
    expect(kinds(planBatch(state, [a, c1], [], options).actions)).toEqual(['ensureTable']);
    expect(state.partitions[ID]!.files).toEqual({ [c1.key]: 7, [c2.key]: 3 });
  });

  it('closes an hour only when every source partition passed its end plus the allowed lateness', () => {
    state.sourcePartitions['listening-events'] = 2;
    const hourEnd = Date.parse('2024-03-01T11:00:00Z');
    const lateEnough = hourEnd + 3_600_000;
    planBatch(state, [lakeManifest({ key: 'k1', rows: 1, sourcePartition: 0, watermarkMs: lateEnough + 5 })], [], options);
    // Partition 1 of the source has not been heard from: the hour stays open.
    expect(state.partitions[ID]!.closed).toBe(false);

    const notYet = planBatch(state, [lakeManifest({ key: 'k2', rows: 1, sourcePartition: 1, watermarkMs: lateEnough - 1 })], [], options);
    expect(notYet.closed).toEqual([]);

    const closing = planBatch(state, [lakeManifest({ key: 'k3', rows: 1, sourcePartition: 1, watermarkMs: lateEnough })], [], options);
    expect(closing.closed).toEqual([ID]);
    expect(closing.actions.at(-1)).toEqual({ kind: 'close', table: 'listening_events', partition: { dt: '2024-03-01', hour: '10' }, watermarkMs: lateEnough });
    // A watermark never goes back, and a closed hour is not closed twice.
    expect(planBatch(state, [lakeManifest({ key: 'k4', rows: 1, sourcePartition: 1, watermarkMs: 0 })], [], options).closed).toEqual([]);
    expect(state.watermarks['listening-events:1']).toBe(lateEnough);
  });

  it('maps new columns to lake types and rejects manifests it cannot apply instead of failing the batch', () => {
    const plan = planBatch(
      state,
      [
        lakeManifest({ key: 'k1', rows: 1, newColumns: [{ name: 'mood', type: 'VARCHAR' }] }),
        lakeManifest({ key: 'k2', rows: 1, table: 'no_such_table' }),
        lakeManifest({ key: 'k2b', rows: 1, bucket: 'other-bucket' }),
        lakeManifest({ key: 'k3', rows: 1, newColumns: [{ name: 'shape', type: 'STRUCT(a INT)' }] }),
      ],
      [stagedManifest('staged/k1', 1)],
      options,
    );
    expect(plan.actions.find((a) => a.kind === 'addColumns')).toEqual({ kind: 'addColumns', table: 'listening_events', columns: [{ name: 'mood', type: 'string', nullable: true }] });
    expect(plan.rejected.map((r) => r.manifest.key)).toEqual(['k2', 'k2b', 'k3']);
    expect(state.staged['staged/k1']).toBe(1);
  });
});

describe('planBatch ledger retention', () => {
  it('drops the ledger of hours closed longer ago than the retention, keeping staged objects still in use', () => {
    const state = emptySyncState();
    const options = { lakeBucket: 'lake', allowedLatenessMs: 0, ledgerRetentionMs: 2 * 3_600_000 };
    const hour = (h: number) => String(h).padStart(2, '0');
    // One staged object feeds hours 00 and 01; hour 00 also has an object of its own.
    planBatch(state, [lakeManifest({ key: 'a', hour: '00', rows: 1, stagedKey: 'shared' }), lakeManifest({ key: 'b', hour: '00', rows: 1, stagedKey: 'own' })], [stagedManifest('shared', 2), stagedManifest('own', 1)], options);
    planBatch(state, [lakeManifest({ key: 'c', hour: '01', rows: 1, stagedKey: 'shared' })], [stagedManifest('not-yet-seen', 5)], options);
    // The watermark moves to 03:00: hour 00 ended 2 h before it (pruned), hour 01 only 1 h before (kept).
    const plan = planBatch(state, [lakeManifest({ key: 'd', hour: hour(2), rows: 1, stagedKey: 'late', watermarkMs: Date.parse('2024-03-01T03:00:00Z') })], [], options);

    expect(plan.closed).toContain('listening_events/dt=2024-03-01/hour=02');
    expect(Object.keys(state.partitions).sort()).toEqual(['listening_events/dt=2024-03-01/hour=01', 'listening_events/dt=2024-03-01/hour=02']);
    expect(Object.keys(state.objects).sort()).toEqual(['late', 'shared']);
    expect(Object.keys(state.staged).sort()).toEqual(['not-yet-seen', 'shared']);
  });
});

import { Writable } from 'node:stream';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { Reconciler } from '../../../src/reconcile/reconciler';
import type { QueryEngine } from '../../../src/queries/query-engine';
import { emptySyncState } from '../../../src/state/sync-state';
import { planLineage } from '../../../src/sync/plan-lineage';
import { lakeManifest, stagedManifest } from '../../fixtures/manifests';

const ID = 'listening_events/dt=2024-03-01/hour=10';

function fakeEngine(count: number): QueryEngine {
  return { name: 'fake', query: async () => ({ columns: [], rows: [] }), countHourRows: async () => count, close: async () => undefined };
}

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write: (chunk, _enc, done) => void (lines.push(JSON.parse(String(chunk))), done()) });
  return { logger: createLogger({ service: 'test', level: 'info' }, stream as never), lines };
}

describe('Reconciler', () => {
  // Staged object of 10 records: 7 rows in hour 10, 1 in hour 11, 1 rejected, 1 duplicate dropped.
  const state = emptySyncState();
  const input = { staged_record_count: 10, rejected_count: 1, duplicate_count: 1 };
  planLineage(
    state,
    [lakeManifest({ key: 'h10', hour: '10', rows: 7, stagedKey: 's', input }), lakeManifest({ key: 'h11', hour: '11', rows: 1, stagedKey: 's', input })],
    [stagedManifest('s', 10)],
    { allowedLatenessMs: 0 },
  );
  const written = new Map([[ID, 7]]);

  it("balances staged against accounted records and the snapshot's rows against the engine count", async () => {
    const { logger, lines } = capture();
    const registry = createRegistry('catalog-sync', false);
    const [result] = await new Reconciler(fakeEngine(7), registry, logger).reconcile(state, [ID], written);
    expect(result).toMatchObject({ stagedRecords: 10, accountedRecords: 10, rowsWritten: 7, engineRows: 7, stagedDifference: 0, engineDifference: 0 });
    expect(lines.map((l) => l.msg)).toEqual(['PartitionReconciled']);
  });

  it('exports a difference and logs it at error level when the engine sees other rows than were written', async () => {
    const { logger, lines } = capture();
    const registry = createRegistry('catalog-sync', false);
    const [result] = await new Reconciler(fakeEngine(14), registry, logger).reconcile(state, [ID], written);
    expect(result!.engineDifference).toBe(-7);
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'ReconciliationMismatch', engineDifference: -7 })]);
    const gauge = await registry.getSingleMetric('pipeline_catalog_sync_reconcile_difference_records')!.get();
    expect(gauge.values.find((v) => v.labels.check === 'engine')?.value).toBe(7);
  });

  it('reports a staged object the ETL did not fully account for', async () => {
    const short = structuredClone(state);
    short.staged.s = 12; // the sink says 12 records, the ETL accounted for 10
    const { logger } = capture();
    const [result] = await new Reconciler(fakeEngine(7), createRegistry('catalog-sync', false), logger).reconcile(short, [ID], written);
    expect(result!.stagedDifference).toBe(2);
  });
});

import { committedOffsets, formatCommittedOffsets, mergeOffsets, OFFSETS_SUMMARY_KEY, parseCommittedOffsets } from '../../../src/commit/committed-offsets';
import { planTableCommit, type PositionedManifest } from '../../../src/commit/plan-table-commit';
import type { TableMetadata } from '@spotify-pipeline/shared/iceberg';
import { lakeManifest } from '../../fixtures/manifests';

const T = 'lake-files';
const uri = (key: string): string => `s3://lake/${key}`;
const at = (offset: number, m: ReturnType<typeof lakeManifest>, partition = 0): PositionedManifest => ({ manifest: m, topic: T, partition, offset });
const add = (offset: number, key: string, rows = 10, partition = 0): PositionedManifest => at(offset, lakeManifest({ key, rows, bucket: 'lake' }), partition);
const compact = (offset: number, key: string, rows: number, replaces: string[]): PositionedManifest =>
  at(offset, lakeManifest({ key, rows, bucket: 'lake', operation: 'compact', replaces, stagedKey: null, input: null }));

describe('planTableCommit', () => {
  it('appends new files and skips what the table already holds: below its committed offset, or a file already live', () => {
    const plan = planTableCommit([add(4, 'old'), add(5, 'a'), add(6, 'live'), add(7, 'b')], { [T]: { '0': 5 } }, new Map([[uri('live'), 10]]), true);
    expect(plan.appends.map((m) => m.manifest.key)).toEqual(['a', 'b']);
    expect(plan.alreadyCommitted).toBe(2);
    expect(plan.progress).toEqual({ [T]: { '0': 8 } });
    expect(plan.replacements).toEqual([]);
  });

  it('skips an `add` replayed after a compaction removed its file (its rows are in the compacted file), and moves past it', () => {
    const live = new Map([[uri('compacted'), 20]]);
    const plan = planTableCommit([add(9, 's1'), add(10, 'new')], { [T]: { '0': 9 } }, live, true, new Set([uri('s1'), uri('s2')]));
    expect(plan.appends.map((m) => m.manifest.key)).toEqual(['new']);
    expect(plan.alreadyCommitted).toBe(1);
    expect(plan.progress).toEqual({ [T]: { '0': 11 } });
    // Without the table's history the same replay would be appended (what committed its rows twice).
    expect(planTableCommit([add(9, 's1')], { [T]: { '0': 9 } }, live, true).appends.map((m) => m.manifest.key)).toEqual(['s1']);
  });

  it('commits a compaction once its rows add up to the replaced files, and never before', () => {
    const live = new Map([
      [uri('s1'), 30],
      [uri('s2'), 20],
    ]);
    const partial = planTableCommit([add(1, 'x'), compact(2, 'c1', 30, ['s1', 's2']), add(3, 'y')], {}, live, true);
    expect(partial.replacements).toEqual([]);
    // Nothing from the compaction's first manifest on is committed: that partition is read again from there.
    expect(partial.stops.map((s) => s.offset)).toEqual([2]);
    expect(partial.appends.map((m) => m.manifest.key)).toEqual(['x']);
    expect(partial.progress).toEqual({ [T]: { '0': 2 } });

    const whole = planTableCommit([compact(2, 'c1', 30, ['s1', 's2']), compact(3, 'c2', 20, ['s1', 's2'])], {}, live, true);
    expect(whole.replacements).toEqual([{ operation: 'replace', removed: [uri('s1'), uri('s2')], added: [expect.anything(), expect.anything()] }]);
    expect(whole.stops).toEqual([]);
    expect(whole.progress).toEqual({ [T]: { '0': 4 } });
  });

  it('counts each file of a compaction announced twice once', () => {
    const live = new Map([[uri('s1'), 30]]);
    const plan = planTableCommit([compact(1, 'c1', 30, ['s1']), compact(2, 'c1', 30, ['s1'])], {}, live, true);
    expect(plan.replacements).toEqual([{ operation: 'replace', removed: [uri('s1')], added: [expect.objectContaining({ offset: 1 })] }]);
    expect(plan.superseded).toEqual([]);
  });

  it('drops a compaction whose inputs are no longer live, and refuses one with more rows than its inputs', () => {
    const live = new Map([[uri('s1'), 30]]);
    const plan = planTableCommit([compact(1, 'c1', 30, ['s1', 'gone']), compact(2, 'c2', 31, ['s1'])], {}, live, true);
    expect(plan.replacements).toEqual([]);
    expect(plan.superseded.map((s) => [s.manifests[0]!.manifest.key, s.invalid])).toEqual([
      ['c1', false],
      ['c2', true],
    ]);
  });

  it('splits offsets so the append snapshot does not claim the compaction that follows it', () => {
    const live = new Map([[uri('s1'), 10]]);
    const plan = planTableCommit([add(5, 'a'), compact(6, 'c', 10, ['s1']), add(7, 'b')], {}, live, true);
    expect(plan.appends.map((m) => m.manifest.key)).toEqual(['a', 'b']);
    expect(plan.appendProgress).toEqual({ [T]: { '0': 6 } });
    expect(plan.progress).toEqual({ [T]: { '0': 8 } });
  });

  it('replaces every live file of an unpartitioned table with the newest snapshot in the batch', () => {
    const live = new Map([[uri('tracks/data/tracks-1.parquet'), 5]]);
    const snap = (offset: number, key: string) => at(offset, { ...lakeManifest({ key, rows: 8, bucket: 'lake', table: 'tracks', operation: 'compact', stagedKey: null, input: null }), partition: null });
    const plan = planTableCommit([snap(1, 'tracks/data/tracks-2.parquet'), snap(2, 'tracks/data/tracks-3.parquet')], {}, live, false);
    expect(plan.replacements).toEqual([{ operation: 'overwrite', removed: [uri('tracks/data/tracks-1.parquet')], added: [expect.objectContaining({ offset: 2 })] }]);
    expect(plan.superseded).toHaveLength(1);
    // The same snapshot committed already: nothing to do.
    expect(planTableCommit([snap(3, 'tracks/data/tracks-1.parquet')], {}, live, false).replacements).toEqual([]);
  });

  it('keeps partitions apart', () => {
    const plan = planTableCommit([add(3, 'a', 1, 0), add(9, 'b', 1, 1)], { [T]: { '1': 10 } }, new Map(), true);
    expect(plan.appends.map((m) => m.manifest.key)).toEqual(['a']);
    expect(plan.progress).toEqual({ [T]: { '0': 4 } });
  });
});

describe('committed offsets in snapshot summaries', () => {
  const snapshot = (id: bigint, parent: bigint | null, summary: Record<string, string>) => ({
    'snapshot-id': id,
    'parent-snapshot-id': parent,
    'sequence-number': Number(id),
    'timestamp-ms': Number(id),
    'manifest-list': 'x',
    summary: { operation: 'append', ...summary },
  });

  it('reads them from the newest ancestor that has them, past snapshots others committed (Athena OPTIMIZE)', () => {
    const metadata = {
      refs: { main: { 'snapshot-id': 3n, type: 'branch' } },
      snapshots: [snapshot(1n, null, { [OFFSETS_SUMMARY_KEY]: '{"t":{"0":5}}' }), snapshot(2n, 1n, { [OFFSETS_SUMMARY_KEY]: '{"t":{"0":9,"1":2}}' }), snapshot(3n, 2n, {})],
    } as unknown as TableMetadata;
    expect(committedOffsets(metadata)).toEqual({ t: { '0': 9, '1': 2 } });
  });

  it('merges progress without ever moving an offset back', () => {
    expect(mergeOffsets({ t: { '0': 9, '1': 2 } }, { t: { '0': 4, '2': 7 } })).toEqual({ t: { '0': 9, '1': 2, '2': 7 } });
    expect(formatCommittedOffsets({ t: { '10': 1, '2': 3 } })).toBe('{"t":{"2":3,"10":1}}');
    expect(parseCommittedOffsets('not json')).toBeUndefined();
  });
});

import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { planCompaction, partitionEndMs } from '../../../src/compaction/compaction-plan';
import { LakeLedger } from '../../../src/compaction/lake-ledger';
import { compactedFileKey, fileIdentity, generationOfKey, lakeFileKey } from '../../../src/pipeline/lake-keys';

const P = { dt: '2026-11-20', hour: '10' };
const HOUR_END = Date.parse('2026-11-20T11:00:00Z');
const source = (first: number) => ({ topic: 'listening-events', partition: 0, first_offset: first, last_offset: first + 9 });

function add(first: number, sizeBytes = 1_000, rows = 10, watermarkMs = HOUR_END): LakeFileManifest {
  return {
    schema_version: 1,
    operation: 'add',
    table: 'listening_events',
    bucket: 'lake',
    key: lakeFileKey('listening_events', P, source(first)),
    partition: P,
    size_bytes: sizeBytes,
    sha256: 'a'.repeat(64),
    row_count: rows,
    source: source(first),
    staged_key: `staged-${first}`,
    input: { staged_record_count: rows, rejected_count: 0, duplicate_count: 0 },
    event_time_min_ms: HOUR_END - 3_600_000,
    event_time_max_ms: HOUR_END - 1,
    watermark_ms: watermarkMs,
    new_columns: [],
    replaces: [],
    written_at_ms: 0,
  };
}

const policy = { allowedLatenessMs: 60_000, targetBytes: 10_000, minFiles: 3 };

describe('planCompaction', () => {
  it('waits until event time has passed the hour end by the allowed lateness', () => {
    const ledger = new LakeLedger();
    [0, 10, 20].forEach((o) => ledger.apply(add(o)));
    const state = [...ledger.partitions.values()][0]!;
    expect(partitionEndMs(P)).toBe(HOUR_END);
    expect(planCompaction(state, HOUR_END + 59_999, policy)).toBeUndefined();
    expect(planCompaction(state, HOUR_END + 60_000, policy)).toBeDefined();
  });

  it('needs at least minFiles small files, then merges every live file (the new folder must hold the whole partition)', () => {
    const ledger = new LakeLedger();
    [add(0), add(10), add(20, 9_000)].forEach((m) => ledger.apply(m));
    const state = [...ledger.partitions.values()][0]!;
    expect(planCompaction(state, HOUR_END * 2, policy)).toBeUndefined();
    ledger.apply(add(30));
    const plan = planCompaction(state, HOUR_END * 2, policy)!;
    expect(plan.inputs.map((f) => f.manifest.source.first_offset)).toEqual([0, 10, 20, 30]);
  });

  it('splits into files of about the target size, covering every row once, with a deterministic generation', () => {
    const ledger = new LakeLedger();
    for (let i = 0; i < 10; i++) ledger.apply(add(i * 10, 3_000, 100));
    const plan = planCompaction([...ledger.partitions.values()][0]!, HOUR_END * 2, policy)!;
    expect(plan.outputs).toEqual([
      { firstRow: 1, lastRow: 334 },
      { firstRow: 335, lastRow: 668 },
      { firstRow: 669, lastRow: 1000 },
    ]);
    const again = planCompaction([...ledger.partitions.values()][0]!, HOUR_END * 2, policy)!;
    expect(again.generation).toBe(plan.generation);
    expect(compactedFileKey('listening_events', P, plan.generation, 0)).toBe(`listening_events/dt=2026-11-20/hour=10/compacted-${plan.generation}/part-00000.parquet`);
  });
});

describe('LakeLedger', () => {
  it('switches a partition from the replaced files to the compacted one in one step, and keeps replaced keys dead', () => {
    const ledger = new LakeLedger();
    const small = [add(0), add(10), add(20)];
    small.forEach((m) => ledger.apply(m));
    const compacted: LakeFileManifest = { ...add(0, 2_500, 30), operation: 'compact', key: 'listening_events/dt=2026-11-20/hour=10/compacted-x/part-00000.parquet', replaces: small.map((m) => m.key) };
    ledger.apply(compacted);
    expect(ledger.liveFiles('listening_events').map((f) => f.key)).toEqual([compacted.key]);
    // A replayed add of a compacted small file must not bring its rows back.
    ledger.apply(small[0]!);
    expect(ledger.liveFiles('listening_events').map((f) => f.key)).toEqual([compacted.key]);
    // Late data is a new file beside the compacted one.
    ledger.apply(add(30));
    expect(ledger.liveFiles('listening_events').length).toBe(2);
  });
});

describe('late files after a compaction', () => {
  const GEN = '0123456789abcdef';
  const compactedKey = `listening_events/dt=2026-11-20/hour=10/compacted-${GEN}/part-00000.parquet`;
  const lateAdd = (first: number, generation?: string): LakeFileManifest => ({
    ...add(first),
    key: lakeFileKey('listening_events', P, source(first), generation),
  });
  function compactedLedger(): LakeLedger {
    const ledger = new LakeLedger();
    const small = [add(0), add(10), add(20)];
    small.forEach((m) => ledger.apply(m));
    ledger.apply({ ...add(0, 2_500, 30), operation: 'compact', key: compactedKey, replaces: small.map((m) => m.key), written_at_ms: 5 });
    return ledger;
  }

  it('keys a late file inside the live generation folder, with the same identity as at the partition folder', () => {
    const inside = lakeFileKey('listening_events', P, source(40), GEN);
    expect(inside).toBe(`listening_events/dt=2026-11-20/hour=10/compacted-${GEN}/part-listening-events+0+00000000000000000040.parquet`);
    expect(generationOfKey(inside)).toBe(GEN);
    expect(generationOfKey(lakeFileKey('listening_events', P, source(40)))).toBeUndefined();
    expect(fileIdentity(inside)).toBe(fileIdentity(lakeFileKey('listening_events', P, source(40))));
    expect(fileIdentity(compactedKey)).toBe(compactedKey);
  });

  it('a late file inside the live folder is in place; one outside is misplaced and triggers a compaction at once', () => {
    const ledger = compactedLedger();
    const state = [...ledger.partitions.values()][0]!;
    expect(LakeLedger.liveGeneration(state)).toBe(GEN);
    ledger.apply(lateAdd(30, GEN));
    expect(LakeLedger.misplaced(state)).toEqual([]);
    // Closed, but one late file is below minFiles: nothing to do.
    expect(planCompaction(state, HOUR_END * 2, policy)).toBeUndefined();
    ledger.apply(lateAdd(40));
    expect(LakeLedger.misplaced(state)).toEqual([lakeFileKey('listening_events', P, source(40))]);
    const repair = planCompaction(state, 0, policy)!;
    expect(repair.inputs.map((f) => f.key).sort()).toEqual([compactedKey, lateAdd(30, GEN).key, lateAdd(40).key].sort());
  });

  it('drops a replayed staged object written under another folder, and repairs a dropped object left in the live folder', () => {
    const ledger = compactedLedger();
    const state = [...ledger.partitions.values()][0]!;
    // Staged object 0 was compacted into GEN; a replay of it writes into GEN's folder.
    ledger.apply(lateAdd(0, GEN));
    expect(ledger.liveFiles('listening_events').map((f) => f.key)).toEqual([compactedKey]);
    expect(LakeLedger.misplaced(state)).toEqual([lateAdd(0, GEN).key]);
    const repair = planCompaction(state, 0, policy)!;
    expect(repair.inputs.map((f) => f.key)).toEqual([compactedKey]);
    expect(repair.generation).not.toBe(GEN);
  });
});

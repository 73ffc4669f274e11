import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startKafka, startS3, waitUntil } from '@spotify-pipeline/testkit';
import { liveGenerationKey } from '../../src/compaction/live-generation-marker';
import { listeningEvent } from '../fixtures/listening-events';
import { LakeHarness, LakeReader, ledgerOf } from './lake-harness';

const HOUR_10 = Date.parse('2026-11-20T10:00:00Z');
const PARTITION = 'listening_events/dt=2026-11-20/hour=10';

describe('etl-worker compaction of closed hour partitions', () => {
  let harness: LakeHarness;
  let reader: LakeReader;

  beforeAll(async () => {
    harness = new LakeHarness(await startKafka(), await startS3());
    await harness.setUp();
    reader = await LakeReader.create();
  });
  afterAll(async () => {
    await reader.close();
    await harness.tearDown();
  });

  /** What a reader of the catalog sees for the partition: its live files and the rows in them. */
  async function readPartition(): Promise<{ files: string[]; ids: string[] }> {
    const state = ledgerOf(await harness.lakeManifests()).partitions.get(PARTITION);
    const files = [...(state?.live.keys() ?? [])].sort();
    const bodies = await Promise.all(files.map((k) => harness.getObject(k)));
    const rows = await reader.duckdb(bodies, (from) => `SELECT event_id FROM ${from}`);
    return { files, ids: rows.map((r) => r.event_id as string).sort() };
  }

  /** What a one-location catalog (Glue + Athena) sees: every object directly in the partition's folder. */
  async function readFolder(folder: string): Promise<{ files: string[]; ids: string[] }> {
    const listed = await harness.s3.send(new ListObjectsV2Command({ Bucket: harness.names.lakeBucket, Prefix: folder, Delimiter: '/' }));
    // Athena skips names starting with _ or . (the live-generation marker among them).
    const files = (listed.Contents ?? []).map((o) => o.Key!).filter((k) => !/\/[_.][^/]*$/.test(k)).sort();
    const bodies = await Promise.all(files.map((k) => harness.getObject(k)));
    const rows = await reader.duckdb(bodies, (from) => `SELECT event_id FROM ${from}`);
    return { files, ids: rows.map((r) => r.event_id as string).sort() };
  }

  const marker = { dt: '2026-11-20', hour: '10' };
  async function markedGeneration(): Promise<string | undefined> {
    try {
      return (JSON.parse((await harness.getObject(liveGenerationKey('listening_events', marker))).toString('utf8')) as { generation: string }).generation;
    } catch {
      return undefined;
    }
  }

  it('merges many small files into few, and a reader before, during and after sees the same rows', async () => {
    const ids: string[] = [];
    const staged: string[] = [];
    let next = 0;
    for (let object = 0; object < 8; object++) {
      const events = Array.from({ length: 120 }, () => listeningEvent(next++, {}, HOUR_10, 3_600_000));
      ids.push(...events.map((e) => e.event_id));
      staged.push((await harness.stage(object % 3, events.map((e) => JSON.stringify(e)), events.map((e) => Date.parse(e.ts)))).key);
    }
    // Event time moves on to 13:00: hour 10 is closed (lateness 0).
    const later = Array.from({ length: 10 }, () => listeningEvent(next++, {}, Date.parse('2026-11-20T13:00:00Z'), 600_000));
    staged.push((await harness.stage(0, later.map((e) => JSON.stringify(e)))).key);

    const writer = await harness.startWorker();
    await harness.waitForStaged(staged);
    await writer.close();

    const before = await readPartition();
    expect(before.files.length).toBe(8);
    expect(before.ids).toEqual([...ids].sort());

    // A reader runs throughout the compaction, every read a full query of the live files.
    const reads: Array<{ files: number; rows: number; unique: number }> = [];
    let compacted = false;
    const readerLoop = (async () => {
      let readsAfter = 0;
      while (readsAfter < 2) {
        const seen = await readPartition();
        reads.push({ files: seen.files.length, rows: seen.ids.length, unique: new Set(seen.ids).size });
        if (compacted) readsAfter++;
      }
    })();
    const compactor = await harness.startWorker({
      ETL_TRANSACTIONAL_ID: `${harness.names.stagedFiles}-compactor-txn`,
      ETL_COMPACTION_INTERVAL_MS: '200',
      ETL_COMPACTION_MIN_FILES: '3',
      ETL_ALLOWED_LATENESS_MS: '0',
    });
    const compact = await waitUntil(
      'a compact manifest',
      async () => {
        const found = (await harness.lakeManifests()).filter((m) => m.operation === 'compact' && m.table === 'listening_events');
        return found.length > 0 ? found : undefined;
      },
      60_000,
      200,
    );
    compacted = true;
    await readerLoop;

    expect(compact.length).toBe(1);
    expect(compact[0]!.key).toMatch(/^listening_events\/dt=2026-11-20\/hour=10\/compacted-[0-9a-f]{16}\/part-00000\.parquet$/);
    expect([...compact[0]!.replaces].sort()).toEqual(before.files);
    expect(compact[0]!.row_count).toBe(ids.length);
    const after = await readPartition();
    expect(after.files).toEqual([compact[0]!.key]);
    expect(after.ids).toEqual(before.ids);
    expect(reads.some((r) => r.files === 8)).toBe(true);
    expect(reads.some((r) => r.files === 1)).toBe(true);
    for (const r of reads) expect(r).toEqual({ files: expect.any(Number), rows: ids.length, unique: ids.length });
    // The hour-13 partition has one file: nothing to merge there.
    expect(ledgerOf(await harness.lakeManifests()).partitions.get('listening_events/dt=2026-11-20/hour=13')!.live.size).toBe(1);

    // The marker names the generation once the compaction committed; late rows are written inside its folder.
    const generation = /compacted-([0-9a-f]{16})\//.exec(compact[0]!.key)![1]!;
    await waitUntil('the live-generation marker', async () => (await markedGeneration()) === generation, 30_000, 100);
    const liveFolder = `${PARTITION}/compacted-${generation}/`;
    const late = Array.from({ length: 7 }, () => listeningEvent(next++, {}, HOUR_10, 3_600_000));
    const lateStaged = await harness.stage(1, late.map((e) => JSON.stringify(e)), late.map((e) => Date.parse(e.ts)));
    const [lateAdd] = (await harness.waitForStaged([lateStaged.key])).filter((m) => m.operation === 'add' && m.staged_key === lateStaged.key);
    expect(lateAdd!.key).toBe(`${liveFolder}part-${lateStaged.source.topic}+1+${String(lateStaged.source.first_offset).padStart(20, '0')}.parquet`);
    const expected = [...ids, ...late.map((e) => e.event_id)].sort();
    const withLate = await readPartition();
    expect(withLate.files).toEqual([compact[0]!.key, lateAdd!.key].sort());
    expect(withLate.ids).toEqual(expected);
    // The Glue view (the live folder only) agrees: every committed row once.
    expect(await readFolder(liveFolder)).toEqual(withLate);

    // A stale marker (a crash between a compaction's commit and its marker) sends a late file
    // outside the live folder; the compactor sees it misplaced and compacts again at once.
    await harness.s3.send(new DeleteObjectCommand({ Bucket: harness.names.lakeBucket, Key: liveGenerationKey('listening_events', marker) }));
    const stray = Array.from({ length: 5 }, () => listeningEvent(next++, {}, HOUR_10, 3_600_000));
    const strayStaged = await harness.stage(2, stray.map((e) => JSON.stringify(e)), stray.map((e) => Date.parse(e.ts)));
    const [strayAdd] = (await harness.waitForStaged([strayStaged.key])).filter((m) => m.operation === 'add' && m.staged_key === strayStaged.key);
    expect(strayAdd!.key.startsWith(`${PARTITION}/part-`)).toBe(true);
    const repair = await waitUntil(
      'a repair compaction',
      async () => (await harness.lakeManifests()).find((m) => m.operation === 'compact' && m.replaces.includes(strayAdd!.key)),
      60_000,
      200,
    );
    expect([...repair.replaces].sort()).toEqual([compact[0]!.key, lateAdd!.key, strayAdd!.key].sort());
    const repairedGeneration = /compacted-([0-9a-f]{16})\//.exec(repair.key)![1]!;
    await waitUntil('the repaired marker', async () => (await markedGeneration()) === repairedGeneration, 30_000, 100);
    await compactor.close();
    const repaired = await readPartition();
    const all = [...expected, ...stray.map((e) => e.event_id)].sort();
    expect(repaired.ids).toEqual(all);
    expect(await readFolder(`${PARTITION}/compacted-${repairedGeneration}/`)).toEqual(repaired);
  });
});

import { startKafka, startS3, waitUntil } from '@spotify-pipeline/testkit';
import { currentSchema } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import type { ServiceApp } from '@spotify-pipeline/shared/lifecycle';
import { listeningEvent } from '../fixtures/listening-events';
import { distinctAdds, LakeHarness, LakeReader } from './lake-harness';

const HOUR_10 = Date.parse('2026-11-20T10:00:00Z');
const HOUR_10_DATA = 'listening_events/data/ts_hour=2026-11-20-10/';
const ROUNDS = 'pipeline_etl_worker_compaction_rounds_total';

describe('etl-worker compaction of closed hours (Iceberg table, committed by a test stand-in for catalog-sync)', () => {
  let harness: LakeHarness;
  let reader: LakeReader;
  let next = 0;

  beforeAll(async () => {
    harness = new LakeHarness(await startKafka(), await startS3());
    await harness.setUp();
    reader = await LakeReader.create();
  });
  afterAll(async () => {
    await reader.close();
    await harness.tearDown();
  });

  /** Stages `objects` objects of `perObject` events in hour 10; returns their event ids and staged keys. */
  async function stageHour10(objects: number, perObject: number): Promise<{ ids: string[]; staged: string[] }> {
    const ids: string[] = [];
    const staged: string[] = [];
    for (let object = 0; object < objects; object++) {
      const events = Array.from({ length: perObject }, () => listeningEvent(next++, {}, HOUR_10, 3_600_000));
      ids.push(...events.map((e) => e.event_id));
      staged.push((await harness.stage(object % 3, events.map((e) => JSON.stringify(e)), events.map((e) => Date.parse(e.ts)))).key);
    }
    return { ids, staged };
  }

  /** Hour 10 as Trino (Athena's engine) reads the table: rows, distinct ids, data files read. */
  async function trinoHour10(): Promise<{ n: number; ids: number; files: number }> {
    const sql = `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(DISTINCT "$path") AS files FROM listening_events WHERE ts < TIMESTAMP '2026-11-20 11:00:00'`;
    const [row] = (await harness.trino().query(sql)).rows;
    return row as { n: number; ids: number; files: number };
  }

  const compacts = async (): Promise<LakeFileManifest[]> => (await harness.lakeManifests()).filter((m) => m.operation === 'compact' && m.table === 'listening_events');
  const hour10Keys = async (): Promise<string[]> => (await harness.committer.liveKeys('listening_events')).filter((k) => k.startsWith(HOUR_10_DATA));

  /** Lets the compactor run `rounds` more rounds, each planning from the table as it is now. */
  async function afterRounds(compactor: ServiceApp, rounds: number): Promise<void> {
    const start = await harness.counter(compactor, ROUNDS);
    await waitUntil(`${rounds} compaction rounds`, async () => (await harness.counter(compactor, ROUNDS)) >= start + rounds, 30_000, 50);
  }

  it('merges the small files of a closed hour once, readers see every row once throughout, late files are plain appends merged later', async () => {
    const first = await stageHour10(8, 120);
    // Event time moves on to 13:00: hour 10 is closed (lateness 0).
    const later = Array.from({ length: 10 }, () => listeningEvent(next++, {}, Date.parse('2026-11-20T13:00:00Z'), 600_000));
    const laterStaged = await harness.stage(0, later.map((e) => JSON.stringify(e)));

    const writer = await harness.startWorker();
    await harness.waitForStaged([...first.staged, laterStaged.key]);
    await writer.close();
    await harness.committer.commit('listening_events', await harness.lakeManifests());
    const before = await hour10Keys();
    expect(before.length).toBe(8);
    expect(await trinoHour10()).toEqual({ n: first.ids.length, ids: first.ids.length, files: 8 });

    // Trino reads throughout: before the compaction, while it is in flight, after the committer applied it.
    const reads: Array<{ n: number; ids: number; files: number }> = [];
    let applied = false;
    const readerLoop = (async () => {
      let readsAfter = 0;
      while (readsAfter < 2) {
        reads.push(await trinoHour10());
        if (applied) readsAfter++;
      }
    })();
    // The same ETL group as the writer (it goes on writing late files), plus the compactor.
    const compactor = await harness.startWorker({
      ETL_TRANSACTIONAL_ID: `${harness.names.stagedFiles}-compactor-txn`,
      ETL_COMPACTION_INTERVAL_MS: '100',
      ETL_COMPACTION_MIN_FILES: '3',
      ETL_ALLOWED_LATENESS_MS: '0',
    });
    const [compact] = await waitUntil('a compact manifest', async () => ((await compacts()).length > 0 ? compacts() : undefined), 60_000, 200);
    expect(compact!.key).toMatch(/^listening_events\/data\/ts_hour=2026-11-20-10\/compacted-[0-9a-f]{16}-00000\.parquet$/);
    expect(compact!.replaces).toEqual(before);
    expect(compact!.row_count).toBe(first.ids.length);
    expect(compact!.metrics).toBeDefined();

    // Not applied yet: the table still lists the 8 inputs, and the compactor must not plan them again.
    await afterRounds(compactor, 5);
    expect((await compacts()).length).toBe(1);
    expect(await hour10Keys()).toEqual(before);

    // The committer applies it as one replace snapshot.
    expect(await harness.committer.commit('listening_events', await harness.lakeManifests())).toBe(1);
    applied = true;
    await readerLoop;
    expect(await hour10Keys()).toEqual([compact!.key]);
    for (const r of reads) expect(r).toEqual({ n: first.ids.length, ids: first.ids.length, files: expect.any(Number) });
    expect(reads.some((r) => r.files === 8)).toBe(true);
    expect(reads.at(-1)!.files).toBe(1);
    // The merged file: every row once, and the table's field ids.
    const body = await harness.getObject(compact!.key);
    const rows = await reader.duckdb([body], (from) => `SELECT event_id FROM ${from} ORDER BY event_id`);
    expect(rows.map((r) => r.event_id)).toEqual([...first.ids].sort());
    const schema = currentSchema((await harness.catalog.loadTable(harness.namespace, 'listening_events'))!.metadata);
    expect(await reader.fieldIds(body)).toEqual(Object.fromEntries(schema.fields.map((f) => [f.name, f.id])));
    // One small compacted file is below ETL_COMPACTION_MIN_FILES: nothing more to do.
    await afterRounds(compactor, 3);
    expect((await compacts()).length).toBe(1);

    // Late rows: plain files of the hour beside the compacted one (no folder to find, nothing to repair).
    const late = await stageHour10(2, 7);
    const lateAdds = distinctAdds(await harness.waitForStaged(late.staged)).filter((m) => late.staged.includes(m.staged_key ?? ''));
    expect(lateAdds.length).toBe(2);
    for (const m of lateAdds) expect(m.key).toMatch(/^listening_events\/data\/ts_hour=2026-11-20-10\/part-.+\+\d\+\d{20}\.parquet$/);
    await harness.committer.commit('listening_events', await harness.lakeManifests());
    const all = [...first.ids, ...late.ids];
    expect(await trinoHour10()).toEqual({ n: all.length, ids: all.length, files: 3 });

    // Three small files now (the compacted one and two late ones): merged by a second compaction.
    const second = await waitUntil('a second compaction', async () => (await compacts()).find((m) => m.key !== compact!.key), 60_000, 200);
    expect(second.replaces).toEqual([compact!.key, ...lateAdds.map((m) => m.key)].sort());
    expect(second.row_count).toBe(all.length);
    await harness.committer.commit('listening_events', await harness.lakeManifests());
    await afterRounds(compactor, 3);
    await compactor.close();

    // No file was an input of two compactions; the table ends with one file for the hour, every row once.
    const generations = await compacts();
    const inputs = generations.flatMap((m) => m.replaces);
    expect(new Set(inputs).size).toBe(inputs.length);
    expect(generations.length).toBe(2);
    expect(await hour10Keys()).toEqual([second.key]);
    expect(await trinoHour10()).toEqual({ n: all.length, ids: all.length, files: 1 });
    // The hour-13 file was never touched: one file, not closed.
    expect((await harness.committer.liveKeys('listening_events')).filter((k) => k.includes('ts_hour=2026-11-20-13/')).length).toBe(1);
  });
});

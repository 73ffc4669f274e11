import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { startKafka, startS3, waitUntil } from '@spotify-pipeline/testkit';
import { listeningEvent } from '../fixtures/listening-events';
import { distinctAdds, LakeHarness, LakeReader } from './lake-harness';

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');
const KILLS = 6;

describe('etl-worker crash recovery (child process, SIGKILL)', () => {
  let harness: LakeHarness;
  let reader: LakeReader;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    harness = new LakeHarness(await startKafka(), await startS3());
    await harness.setUp();
    reader = await LakeReader.create();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await reader.close();
    await harness.tearDown();
  });

  function startChild(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...harness.env({ ETL_MAX_MANIFESTS_PER_BATCH: '2', ETL_VALIDATION_THREADS: '1', LOG_LEVEL: 'info' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, output: () => output, exited };
  }

  it(`leaves every valid event_id in the lake exactly once after ${KILLS} SIGKILLs at random points`, async () => {
    const validIds: string[] = [];
    const stagedKeys: string[] = [];
    let next = 0;
    const stageMore = async (objects: number): Promise<void> => {
      for (let o = 0; o < objects; o++) {
        const events = Array.from({ length: 300 }, () => listeningEvent(next++));
        validIds.push(...events.map((e) => e.event_id));
        const lines = [...events.map((e) => JSON.stringify(e)), `broken line ${next}`];
        stagedKeys.push((await harness.stage(o % 3, lines, events.map((e) => Date.parse(e.ts)))).key);
      }
    };
    await stageMore(12);

    let committedBefore = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const run = startChild();
      // Kill points: right after start, or after 1-3 more committed transactions (so mid-batch next).
      const waitFor = kill % 3 === 0 ? 0 : 1 + Math.floor(Math.random() * 3);
      // Enough new work for `waitFor` more transactions (two manifests each), however far the earlier runs got.
      if (waitFor > 0) await stageMore(waitFor * 2);
      if (waitFor === 0) {
        await waitUntil('the worker to start', () => run.output().includes('ServiceStarted') || run.child.exitCode !== null, 60_000, 20);
      } else {
        await waitUntil(
          `${waitFor} more lake transactions`,
          () => (run.output().match(/LakeFilesCommitted/g)?.length ?? 0) >= waitFor || run.child.exitCode !== null,
          90_000,
          20,
        );
      }
      expect(run.child.exitCode).toBeNull();
      run.child.kill('SIGKILL');
      await run.exited;
      const committed = new Set((await harness.lakeManifests()).map((m) => m.staged_key)).size;
      expect(committed).toBeGreaterThanOrEqual(committedBefore);
      committedBefore = committed;
      if (kill % 2 === 1) await stageMore(4);
    }

    const final = startChild();
    await harness.waitForStaged(stagedKeys, 180_000);
    final.child.kill('SIGTERM');
    expect(await final.exited).toBe(0);

    // The files the committed manifests name (a replay rewrote the same keys), then the rows in them.
    const manifests = await harness.lakeManifests();
    const files = distinctAdds(manifests);
    const bodies = await Promise.all(files.map((f) => harness.getObject(f.key)));
    const rows = await reader.duckdb(bodies, (from) => `SELECT event_id, count(*)::INTEGER AS n FROM ${from} GROUP BY event_id`);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows.map((r) => r.event_id as string).sort()).toEqual([...validIds].sort());
    // And as Athena would read it: the files committed to the Iceberg table, counted by Trino.
    await harness.committer.commit('listening_events', manifests);
    const [counts] = (await harness.trino().query('SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM listening_events')).rows;
    expect(counts).toEqual({ n: validIds.length, ids: validIds.length });
    // Each staged object was committed exactly once (a manifest exists exactly when its offsets are committed).
    const addsPerStaged = new Map<string, number>();
    for (const m of manifests.filter((x) => x.operation === 'quarantine')) addsPerStaged.set(m.staged_key!, (addsPerStaged.get(m.staged_key!) ?? 0) + 1);
    expect([...addsPerStaged.values()].every((n) => n === 1)).toBe(true);
    expect(addsPerStaged.size).toBe(stagedKeys.length);
  });
});

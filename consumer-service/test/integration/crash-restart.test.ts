import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { committedTotal, createWorld, produceSteadily, SinkProcess, sum, type SinkWorld } from './support/stack';

const PARTITIONS = 3;
// Produced at about 500 events/s (100 every 200 ms), so records flow through every kill and restart:
// each restart waits out the dead member's 6 s session timeout, so six kills take 45-60 s on a busy
// machine, and at 1,000 events/s the 40 s stream sometimes ended before the last kill.
const EVENTS = Number(process.env.FULL ? 200_000 : 40_000);
const KILLS = 6;

describe('sink crash test: SIGKILL at random points while events flow (real broker + S3 server)', () => {
  let world: SinkWorld;
  const running: SinkProcess[] = [];

  beforeAll(async () => {
    world = await createWorld('crash', PARTITIONS);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
  });

  it(`after ${KILLS} kill -9 and a final drain, every produced event_id is in exactly one manifest-referenced object`, async () => {
    // One instance slot: every restart reuses the transactional id, which fences the dead one's open transaction.
    const env = world.env({ SINK_TRANSACTIONAL_ID: uniqueName('crash-slot'), SINK_MAX_BATCH_RECORDS: '600', SINK_FLUSH_IDLE_MS: '150', LOG_LEVEL: 'debug' });
    const logFile = join(tmpdir(), `${uniqueName('crash-sink')}.log`);
    const producing = produceSteadily(world.kafka.settings, world.sourceTopic, 'crash', EVENTS, 100, 200);
    let produced = false;
    void producing.then(() => (produced = true));

    let committedBefore = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const sink = new SinkProcess(env, logFile);
      running.push(sink);
      // Let this incarnation commit something, then kill it at a random point of its next rounds.
      await waitUntil(`incarnation ${kill} commits`, async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) > committedBefore, 90_000, 200);
      expect(produced).toBe(false); // still flowing: the kill lands mid-stream
      if (kill % 2 === 0) {
        // At a random point of the next rounds.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
        expect(await sink.kill('SIGKILL')).toBeNull();
      } else {
        // Right after an upload, before (or while) its transaction commits: the replay must rewrite, not duplicate.
        expect(await sink.killWhenLogged('"msg":"ObjectUploaded"')).toBeNull();
      }
      committedBefore = sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS));
    }

    const ids = await producing;
    const last = new SinkProcess(env, logFile);
    running.push(last);
    await waitUntil('the last incarnation drains the topic', async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) === EVENTS, 120_000, 250);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const ledger = await checkLedger({ kafka: world.kafka.settings, s3: world.s3, bucket: world.bucket, sourceTopic: world.sourceTopic, stagedTopic: world.stagedTopic, partitions: PARTITIONS });
    expect(ledger.problems).toEqual([]);
    expect(duplicates(ledger.stagedIds)).toEqual([]);
    expect(ledger.stagedIds.length).toBe(EVENTS);
    expect(new Set(ledger.stagedIds)).toEqual(new Set(ids));
    // Where the kills landed: an incarnation whose last upload came after its last commit died
    // between upload and commit (its records were re-read, and max_records cuts rewrote the same keys).
    const incarnations = last.logText().split('"msg":"ServiceStarted"').slice(1, -1);
    const midRound = incarnations.filter((text) => text.lastIndexOf('"msg":"ObjectUploaded"') > text.lastIndexOf('"msg":"OffsetsCommitted"')).length;
    // Orphans (uploaded, never committed) may exist after kills; they are simply not in the ledger.
    console.log(`crash test: ${ledger.manifests.length} manifests, ${ledger.orphanKeys.length} orphan objects, ${midRound} of ${KILLS} kills between upload and commit`);
  });
});

import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { committedTotal, createWorld, produceSteadily, SinkProcess, sum, type SinkWorld } from './support/stack';

const PARTITIONS = 4;
const EVENTS = 30_000;

function assignedIn(log: string): string[][] {
  return log
    .split('\n')
    .filter((line) => line.includes('"msg":"PartitionsAssigned"'))
    .map((line) => (JSON.parse(line) as { partitions: string[] }).partitions);
}

describe('two sink processes share the topic; one is killed (real broker + S3 server)', () => {
  let world: SinkWorld;
  const sinks: SinkProcess[] = [];

  beforeAll(async () => {
    world = await createWorld('pair', PARTITIONS);
  });
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.kill()));
  });

  it('the survivor takes the dead one’s partitions and the ledger stays exactly once', async () => {
    const common = { SINK_MAX_BATCH_RECORDS: '1000', SINK_FLUSH_IDLE_MS: '300' };
    // Each process its own transactional id: same id would fence the other.
    const a = new SinkProcess(world.env({ ...common, SINK_TRANSACTIONAL_ID: uniqueName('pair-a') }), join(tmpdir(), `${uniqueName('pair-a')}.log`));
    const b = new SinkProcess(world.env({ ...common, SINK_TRANSACTIONAL_ID: uniqueName('pair-b') }), join(tmpdir(), `${uniqueName('pair-b')}.log`));
    sinks.push(a, b);
    const producing = produceSteadily(world.kafka.settings, world.sourceTopic, 'pair', EVENTS, 200, 150);

    // Both members hold partitions (cooperative-sticky splits the 4 partitions between them).
    const holds = (s: SinkProcess): boolean => assignedIn(s.logText()).flat().length > 0;
    await waitUntil('both sinks hold partitions', () => holds(a) && holds(b), 90_000, 200);
    await waitUntil('progress', async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) > 3_000, 90_000, 200);
    expect(await b.kill('SIGKILL')).toBeNull();

    const ids = await producing;
    await waitUntil('the survivor drains every partition', async () => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS)) === EVENTS, 120_000, 250);
    const survivorPartitions = new Set(assignedIn(a.logText()).flat());
    expect(survivorPartitions.size).toBe(PARTITIONS);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);

    const ledger = await checkLedger({ kafka: world.kafka.settings, s3: world.s3, bucket: world.bucket, sourceTopic: world.sourceTopic, stagedTopic: world.stagedTopic, partitions: PARTITIONS });
    expect(ledger.problems).toEqual([]);
    expect(duplicates(ledger.stagedIds)).toEqual([]);
    expect(ledger.stagedIds.length).toBe(EVENTS);
    expect(new Set(ledger.stagedIds)).toEqual(new Set(ids));
  });
});

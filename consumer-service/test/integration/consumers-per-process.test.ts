import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';
import { checkLedger, duplicates } from './support/ledger';
import { alive, committedTotal, createWorld, produceSteadily, SinkProcess, sum, type SinkWorld } from './support/stack';

const PARTITIONS = 6;
const EVENTS = 36_000;

function assignedByWorker(log: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const line of log.split('\n').filter((l) => l.includes('"msg":"PartitionsAssigned"'))) {
    const entry = JSON.parse(line) as { worker?: number; partitions: string[] };
    out.set(entry.worker ?? -1, [...(out.get(entry.worker ?? -1) ?? []), ...entry.partitions]);
  }
  return out;
}

describe('SINK_CONSUMERS=2: two consumers in one sink process (real broker + S3 server)', () => {
  let world: SinkWorld;
  const running: SinkProcess[] = [];

  beforeAll(async () => {
    world = await createWorld('duo', PARTITIONS);
  });
  afterAll(async () => {
    await Promise.all(running.map((p) => p.kill()));
    for (const p of running) for (const pid of p.consumerPids()) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('a dead consumer fails the process, a killed process takes its consumers with it, and every record is staged exactly once', async () => {
    // One pod slot: the same SINK_TRANSACTIONAL_ID every start, so consumer i of each start fences consumer i of the last.
    const slot = uniqueName('duo-slot');
    const env = world.env({ SINK_CONSUMERS: '2', SINK_TRANSACTIONAL_ID: slot, SINK_MAX_BATCH_RECORDS: '800', SINK_FLUSH_IDLE_MS: '200' });
    // One log per start: each start's consumer pids and drain lines are its own.
    const logFile = (): string => join(tmpdir(), `${uniqueName('duo-sink')}.log`);
    const producing = produceSteadily(world.kafka.settings, world.sourceTopic, 'duo', EVENTS, 300, 100);
    const committed = async (): Promise<number> => sum(await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS));

    // 1. Both consumers join the group and split the partitions; one is then killed: the process must exit non-zero.
    const first = new SinkProcess(env, logFile());
    running.push(first);
    await waitUntil('both consumers hold partitions', () => [0, 1].every((w) => (assignedByWorker(first.logText()).get(w) ?? []).length > 0), 90_000, 200);
    const text = first.logText();
    expect(text).toContain(`"transactionalId":"${slot}-w0"`);
    expect(text).toContain(`"transactionalId":"${slot}-w1"`);
    await waitUntil('first commits', async () => (await committed()) > 0, 90_000, 200);
    const [c0, c1] = first.consumerPids();
    expect(c0).toBeGreaterThan(0);
    process.kill(c1!, 'SIGKILL');
    expect(await first.exited).toBe(1);
    expect(first.logText()).toContain('"msg":"ConsumerExited"');
    await waitUntil('the other consumer drained and exited', () => !alive(c0!), 10_000, 100);

    // 2. kill -9 of the process: its consumers die with it (no orphan keeps consuming).
    const before = await committed();
    const second = new SinkProcess(env, logFile());
    running.push(second);
    await waitUntil('second start commits', async () => (await committed()) > before, 90_000, 200);
    const pids = second.consumerPids();
    expect(pids).toHaveLength(2);
    expect(await second.kill('SIGKILL')).toBeNull();
    await waitUntil('its consumers are gone', () => pids.every((pid) => !alive(pid)), 10_000, 100);

    // 3. A last start drains the topic; its ops server answers for both consumers.
    const ids = await producing;
    const last = new SinkProcess(env, logFile());
    running.push(last);
    const port = await waitUntil('ops port', () => Number([...last.logText().matchAll(/"consumers":2,"port":(\d+),"msg":"OpsServerListening"/g)].pop()?.[1] ?? 0), 30_000, 100);
    await waitUntil('ready: both consumers consuming', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 90_000, 200);
    await waitUntil('all committed', async () => (await committed()) === EVENTS, 120_000, 250);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    // Both consumers' counters in one series (summed), one TYPE line per metric.
    expect(metrics.split('\n').filter((l) => l === '# TYPE pipeline_consumer_service_records_in_total counter')).toHaveLength(1);
    const recordsIn = metrics.split('\n').filter((l) => l.startsWith('pipeline_consumer_service_records_in_total{'));
    expect(recordsIn).toHaveLength(1);
    expect(Number(recordsIn[0]!.split(' ').pop())).toBeGreaterThan(0);
    const lastPids = last.consumerPids();
    expect(lastPids).toHaveLength(2);
    last.child.kill('SIGTERM');
    expect(await last.exited).toBe(0);
    expect(lastPids.every((pid) => !alive(pid))).toBe(true);
    const drained = last.logText().split('\n').filter((l) => l.includes('"msg":"ServiceStopped"') && l.includes('"clean":true'));
    expect(drained.length).toBeGreaterThanOrEqual(3); // both consumers and the supervisor of the last start

    const ledger = await checkLedger({ kafka: world.kafka.settings, s3: world.s3, bucket: world.bucket, sourceTopic: world.sourceTopic, stagedTopic: world.stagedTopic, partitions: PARTITIONS });
    expect(ledger.problems).toEqual([]);
    expect(duplicates(ledger.stagedIds)).toEqual([]);
    expect(ledger.stagedIds.length).toBe(EVENTS);
    expect(new Set(ledger.stagedIds)).toEqual(new Set(ids));
    // Offsets committed exactly to the manifests' ends on every partition.
    const offsets = await committedTotal(world.kafka.settings, world.group, world.sourceTopic, PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      const ends = ledger.manifests.filter((m) => m.source.partition === p).map((m) => m.source.last_offset + 1);
      expect(offsets[p]).toBe(Math.max(0, ...ends));
    }
    console.log(`consumers per process: ${ledger.manifests.length} manifests, ${ledger.orphanKeys.length} orphan objects`);
  });
});

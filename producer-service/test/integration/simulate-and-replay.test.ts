import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message } from '@confluentinc/kafka-javascript';
import { closeConsumer, KafkaAdmin } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { listeningEventV1, trackV1, type ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { readTopic, startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import type { RunSummaryJson } from '../../src/publish/run-summary';
import { topicCount, watermarkConsumer } from './topic-reader';

const PARTITIONS = 3;

/** Three days before the current hour, as PRODUCER_START_TIME. */
function recentStart(): string {
  return new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 86_400_000).toISOString().replace('.000Z', 'Z');
}
const FIXTURES = join(__dirname, '../fixtures');
const MAIN = join(__dirname, '../../dist/main.js');

describe('producer-service against a real broker', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  let workDir: string;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'producer-test-admin');
    workDir = await mkdtemp(join(tmpdir(), 'producer-it-'));
  });
  afterAll(async () => {
    for (const topic of topics) await admin.deleteTopic(topic).catch(() => undefined);
    admin.close();
  });

  function env(extra: Record<string, string>): Record<string, string> {
    const events = uniqueName('events');
    const tracks = uniqueName('tracks');
    topics.push(events, tracks);
    return {
      KAFKA_BROKERS: kafka.settings.brokers.join(','),
      TOPICS_LISTENING_EVENTS: events,
      TOPICS_TRACKS: tracks,
      TOPICS_PARTITIONS: String(PARTITIONS),
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      ...extra,
    };
  }

  /** Runs the app in process until its run ends on its own, then closes it as main.ts would. */
  async function runApp(vars: Record<string, string>) {
    const config = readConfig(vars);
    const registry = createRegistry('producer-service', false);
    const app = buildApp(config, { logger: createLogger({ service: 'producer-service', level: 'silent' }), registry });
    await app.start();
    await app.done;
    expect(await app.close()).toBe(true);
    return { config, metrics: await registry.metrics() };
  }

  const parse = (message: Message): unknown => JSON.parse(message.value!.toString('utf8'));

  it('simulate --backfill --events 20000: exactly the events and malformed records of the summary, all valid, keyed and timestamped', async () => {
    const summaryFile = join(workDir, 'simulate.json');
    const { config, metrics } = await runApp(
      env({
        PRODUCER_BACKFILL: 'true',
        // Recent event times: the broker's time-based retention deletes records stamped long ago.
        PRODUCER_START_TIME: recentStart(),
        PRODUCER_DAYS: '2',
        PRODUCER_EVENTS: '20000',
        PRODUCER_USERS: '2000',
        PRODUCER_TRACKS: '3000',
        PRODUCER_MALFORMED_RATIO: '0.02',
        PRODUCER_SUMMARY_FILE: summaryFile,
      }),
    );
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as RunSummaryJson;
    expect(summary).toMatchObject({ valid: 20_000, completed: true, delivery: { delivered: 20_000 + summary.malformed.total, failed: 0 } });
    expect(summary.malformed.total / (summary.malformed.total + 20_000)).toBeGreaterThan(0.01);
    expect(summary.malformed.total / (summary.malformed.total + 20_000)).toBeLessThan(0.03);

    const messages = await readTopic(kafka.settings, config.topics.listeningEvents, PARTITIONS);
    expect(messages).toHaveLength(20_000 + summary.malformed.total);
    const valid: ListeningEvent[] = [];
    let notJson = 0;
    let schemaInvalid = 0;
    const byHour: Record<string, number> = {};
    for (const message of messages) {
      let body: unknown;
      try {
        body = parse(message);
      } catch {
        notJson++;
        continue;
      }
      const result = listeningEventV1.safeParse(body);
      if (!result.success) {
        schemaInvalid++;
        continue;
      }
      const event = result.data;
      valid.push(event);
      expect(message.key!.toString()).toBe(event.user_id);
      expect(message.timestamp).toBe(Date.parse(event.ts));
      const hour = event.ts.slice(0, 13);
      byHour[hour] = (byHour[hour] ?? 0) + 1;
    }
    expect(valid).toHaveLength(20_000);
    expect({ not_json: notJson, schema_invalid: schemaInvalid }).toEqual({ not_json: summary.malformed.not_json, schema_invalid: summary.malformed.schema_invalid });
    expect(new Set(valid.map((e) => e.event_id)).size).toBe(20_000);
    expect(byHour).toEqual(summary.validByEventHour);
    // Every play delivered late is an offline play; backfill's export realism also stamps some offline
    // sessions at their sync (offline, yet on time), so offline plays can outnumber late ones.
    expect(summary.late).toBeGreaterThan(0);
    expect(valid.filter((e) => e.offline).length).toBeGreaterThanOrEqual(summary.late);
    expect(metrics).toContain(`pipeline_producer_service_events_produced_total{topic="${config.topics.listeningEvents}",service="producer-service"} ${messages.length}`);

    const tracks = await readTopic(kafka.settings, config.topics.tracks, PARTITIONS);
    expect(tracks).toHaveLength(3_000);
    for (const message of tracks) {
      const track = trackV1.parse(parse(message));
      expect(message.key!.toString()).toBe(track.track_id);
    }
  });

  it('replays a folder twice (plus a no-op exactly-once repeat) and the zip once: exact counts, every record valid, the same event ids each time', async () => {
    const rejectsFile = join(workDir, 'replay-rejects.ndjson');
    const vars = env({ PRODUCER_COMMAND: 'replay', PRODUCER_REPLAY_INPUTS: join(FIXTURES, 'spotify-export'), PRODUCER_REJECTS_FILE: rejectsFile });
    await runApp(vars);
    const rejected = async () => (await readFile(rejectsFile, 'utf8')).trim().split('\n').map((line) => (JSON.parse(line) as { reason: string }).reason);
    // The fixture's five bad rows, each kept with its reason.
    expect((await rejected()).sort()).toEqual(['INVALID_MS_PLAYED', 'INVALID_TS', 'NOT_AN_OBJECT', 'NOT_JSON', 'UNKNOWN_FORMAT']);
    // Exactly once (the default for replay): the same replay again is a completed run, nothing is sent.
    await runApp(vars);
    // Idempotent only: sent again, with the same event ids.
    await runApp({ ...vars, PRODUCER_EXACTLY_ONCE: 'false' });
    const { config } = await runApp({ ...vars, PRODUCER_REPLAY_INPUTS: join(FIXTURES, 'my_spotify_data.zip') });
    const messages = await readTopic(kafka.settings, config.topics.listeningEvents, PARTITIONS);
    expect(messages).toHaveLength(27);
    const counts = new Map<string, number>();
    for (const message of messages) {
      const event = listeningEventV1.parse(parse(message));
      expect(message.key!.toString()).toBe(event.user_id);
      expect(message.timestamp).toBe(Date.parse(event.ts));
      counts.set(event.event_id, (counts.get(event.event_id) ?? 0) + 1);
    }
    expect(counts.size).toBe(9);
    expect([...counts.values()].every((n) => n === 3)).toBe(true);
    // The completed exactly-once repeat handled nothing; the other two runs kept their five each.
    expect(await rejected()).toHaveLength(15);
  });

  it('on SIGTERM, a real-time simulation flushes what it accepted and exits 0', async () => {
    const summaryFile = join(workDir, 'sigterm.json');
    const vars = env({ PRODUCER_RATE: '2000', PRODUCER_USERS: '2000', PRODUCER_TRACKS: '1000', PRODUCER_PUBLISH_TRACKS: 'false', PRODUCER_SUMMARY_FILE: summaryFile });
    // Created up front: a watermark query on a topic that does not exist yet caches "unknown partition".
    await admin.ensureTopics([{ name: vars.TOPICS_LISTENING_EVENTS!, partitions: PARTITIONS, replicationFactor: 1 }]);
    const child = spawn(process.execPath, [MAIN, 'simulate', '--malformed-ratio', '0.01'], { env: { ...process.env, ...vars, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const consumer = await watermarkConsumer(kafka.settings);
    try {
      await waitUntil(
        'the simulation to produce 500 records',
        async () => {
          if (child.exitCode !== null) throw new Error(`producer exited early with ${child.exitCode}: ${stdout} ${stderr}`);
          return (await topicCount(consumer, vars.TOPICS_LISTENING_EVENTS!, PARTITIONS)) >= 500;
        },
        60_000,
        200,
      );
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as RunSummaryJson;
      expect(summary.completed).toBe(false);
      expect(summary.delivery).toEqual({ delivered: summary.valid + summary.malformed.total, failed: 0 });
      expect(await topicCount(consumer, vars.TOPICS_LISTENING_EVENTS!, PARTITIONS)).toBe(summary.delivery.delivered);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await closeConsumer(consumer);
    }
    expect(stderr).toBe('');
    // Warnings are fine (SimulationUsersSaturated); errors are not.
    expect(stdout).not.toMatch(/"level":"(error|fatal)"/);
  });
});

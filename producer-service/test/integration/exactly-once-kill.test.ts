import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeConsumer, KafkaAdmin, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';
import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { readTopic, startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import type { RunSummaryJson } from '../../src/publish/run-summary';
import { topicCount, watermarkConsumer } from './topic-reader';

const PARTITIONS = 3;
const EVENTS = 30_000;
const MAIN = join(__dirname, '../../dist/main.js');

/** Two days before the current hour: recent, so the broker's time-based retention keeps the records. */
function recentStart(): string {
  return new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 86_400_000).toISOString().replace('.000Z', 'Z');
}

interface Child {
  exited: Promise<number | null>;
  kill(): void;
  output(): string;
}

describe('producer-service exactly-once backfill, SIGKILLed and restarted', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  let consumer: KafkaConsumer;
  let workDir: string;
  const topics = { killed: uniqueName('events-eo-killed'), clean: uniqueName('events-eo-clean') };
  const checkpointTopic = uniqueName('producer-checkpoints');
  const children = new Set<ReturnType<typeof spawn>>();

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'producer-eo-admin');
    // Created up front: a watermark query on a topic that does not exist yet caches "unknown partition".
    await admin.ensureTopics(Object.values(topics).map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })));
    consumer = await watermarkConsumer(kafka.settings);
    workDir = await mkdtemp(join(tmpdir(), 'producer-eo-'));
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await closeConsumer(consumer);
    for (const topic of [...Object.values(topics), checkpointTopic]) await admin.deleteTopic(topic).catch(() => undefined);
    admin.close();
  });

  const start = recentStart();
  function run(topic: string, summaryFile: string): Child {
    const args = [
      MAIN, 'simulate', '--backfill', '--start', start, '--days', '1', '--events', String(EVENTS), '--users', '5000', '--tracks', '5000',
      '--seed', '20240301', '--malformed-ratio', '0.002', '--max-rate', '6000', '--no-tracks', '--summary-file', summaryFile,
    ];
    const env = {
      ...process.env,
      KAFKA_BROKERS: kafka.settings.brokers.join(','),
      TOPICS_LISTENING_EVENTS: topic,
      TOPICS_PARTITIONS: String(PARTITIONS),
      PRODUCER_CHECKPOINT_TOPIC: checkpointTopic,
      // Small transactions, so kills land both mid-transaction and between commits.
      PRODUCER_TRANSACTION_RECORDS: '4000',
      PRODUCER_TRANSACTION_MS: '500',
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
    };
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    return {
      exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
      kill: () => child.kill('SIGKILL'),
      output: () => output,
    };
  }

  it(`SIGKILLed at 4 random points: every event_id exactly once, ${EVENTS} valid, the summary of a clean run`, async () => {
    const summaryFile = join(workDir, 'killed.json');
    // Kill points as offsets taken on the topic (records written, committed or not): each lands
    // inside some transaction or between two, wherever the random draw puts it.
    const killAt = [0.05, 0.3, 0.55, 0.8].map((from) => Math.floor(EVENTS * (from + Math.random() * 0.15)));
    const kills: string[] = [];
    for (const threshold of killAt) {
      const child = run(topics.killed, summaryFile);
      await waitUntil(
        `${threshold} offsets on ${topics.killed}`,
        async () => {
          if (child.output().includes('"level":"error"') || child.output().includes('"level":"fatal"')) throw new Error(child.output());
          return (await topicCount(consumer, topics.killed, PARTITIONS)) >= threshold;
        },
        120_000,
        20,
      );
      child.kill();
      await child.exited;
      kills.push(`${threshold}`);
    }
    const last = run(topics.killed, summaryFile);
    expect(await last.exited).toBe(0);
    expect(last.output()).not.toMatch(/"level":"(error|fatal)"/);
    const killed = JSON.parse(await readFile(summaryFile, 'utf8')) as RunSummaryJson;

    // A completed run started again exits at once, sends nothing and writes the same summary.
    const offsetsBefore = await topicCount(consumer, topics.killed, PARTITIONS);
    const again = run(topics.killed, summaryFile);
    expect(await again.exited).toBe(0);
    expect(await topicCount(consumer, topics.killed, PARTITIONS)).toBe(offsetsBefore);
    expect(JSON.parse(await readFile(summaryFile, 'utf8'))).toEqual(killed);

    const cleanFile = join(workDir, 'clean.json');
    const clean = run(topics.clean, cleanFile);
    expect(await clean.exited).toBe(0);
    const reference = JSON.parse(await readFile(cleanFile, 'utf8')) as RunSummaryJson;
    expect({ ...killed, topic: reference.topic }).toEqual(reference);
    expect(reference).toMatchObject({ valid: EVENTS, completed: true });

    const messages = await readTopic(kafka.settings, topics.killed, PARTITIONS);
    const ids = new Map<string, number>();
    const byHour: Record<string, number> = {};
    let malformed = 0;
    for (const message of messages) {
      let body: unknown;
      try {
        body = JSON.parse(message.value!.toString('utf8'));
      } catch {
        malformed++;
        continue;
      }
      const result = listeningEventV1.safeParse(body);
      if (!result.success) {
        malformed++;
        continue;
      }
      ids.set(result.data.event_id, (ids.get(result.data.event_id) ?? 0) + 1);
      const hour = result.data.ts.slice(0, 13);
      byHour[hour] = (byHour[hour] ?? 0) + 1;
    }
    const repeated = [...ids].filter(([, n]) => n > 1);
    expect({ kills, repeated: repeated.length, distinct: ids.size }).toEqual({ kills, repeated: 0, distinct: EVENTS });
    expect(malformed).toBe(reference.malformed.total);
    expect(byHour).toEqual(reference.validByEventHour);
  });
});

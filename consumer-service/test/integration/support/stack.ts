import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import {
  closeConsumer,
  committedOffsets,
  createConsumer,
  createIdempotentProducer,
  disconnect,
  flush,
  KafkaAdmin,
  type KafkaSettings,
  type Producer,
} from '@spotify-pipeline/shared/kafka';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { stackEnv, startKafka, startS3, treeRssBytes, uniqueName, type KafkaEndpoint, type S3Endpoint } from '@spotify-pipeline/testkit';

/** Consumers per sink process in these tests (SINK_TEST_CONSUMERS, default 1). */
export const TEST_CONSUMERS = process.env.SINK_TEST_CONSUMERS ?? '1';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
const MAIN = join(REPO_ROOT, 'consumer-service', 'dist', 'main.js');

/** Names of one test's world: unique topics, group and bucket, so tests never see each other. */
export interface SinkWorld {
  kafka: KafkaEndpoint;
  s3Endpoint: S3Endpoint;
  s3: S3Client;
  sourceTopic: string;
  stagedTopic: string;
  dlqTopic: string;
  group: string;
  bucket: string;
  partitions: number;
  /** Env for the sink (child process or readConfig) pointing at this world. */
  env(extra?: Record<string, string>): Record<string, string>;
}

export async function createWorld(prefix: string, partitions: number): Promise<SinkWorld> {
  const [kafka, s3Endpoint] = await Promise.all([startKafka(), startS3()]);
  const world = {
    kafka,
    s3Endpoint,
    s3: createS3Client(s3Endpoint.settings, 1),
    sourceTopic: uniqueName(`${prefix}-events`),
    stagedTopic: uniqueName(`${prefix}-staged`),
    dlqTopic: uniqueName(`${prefix}-dlq`),
    group: uniqueName(`${prefix}-sink`),
    bucket: uniqueName(`${prefix}-staging`),
    partitions,
  };
  const admin = KafkaAdmin.create(kafka.settings, 'test-admin');
  try {
    await admin.ensureTopics([world.sourceTopic, world.stagedTopic, world.dlqTopic].map((name) => ({ name, partitions, replicationFactor: 1 })));
  } finally {
    admin.close();
  }
  await ensureBucket(world.s3, world.bucket);
  return {
    ...world,
    env: (extra = {}) => ({
      ...stackEnv(kafka, s3Endpoint),
      TOPICS_LISTENING_EVENTS: world.sourceTopic,
      TOPICS_STAGED_FILES: world.stagedTopic,
      TOPICS_DLQ: world.dlqTopic,
      TOPICS_PARTITIONS: String(partitions),
      STORAGE_STAGING_BUCKET: world.bucket,
      SINK_GROUP_ID: world.group,
      SINK_TRANSACTIONAL_ID: uniqueName('sink-txn'),
      SINK_SESSION_TIMEOUT_MS: '6000',
      SINK_FLUSH_IDLE_MS: '500',
      HTTP_PORT: '0',
      LOG_LEVEL: 'info',
      // SINK_TEST_CONSUMERS=2 runs every sink process of these tests with two consumers (child processes).
      SINK_CONSUMERS: TEST_CONSUMERS,
      ...extra,
    }),
  };
}

/** A tiny ListeningEvent-shaped JSON value (the sink stages bytes; it does not validate the schema). */
export function eventValue(id: string, tsMs: number, padBytes = 0): Buffer {
  return Buffer.from(JSON.stringify({ event_id: id, ts: new Date(tsMs).toISOString(), user_id: `u${id.length}`, ms_played: 1000, pad: 'x'.repeat(padBytes) }));
}

/** Produces with the shared idempotent producer, retrying when its local queue is full. */
export async function produceValues(producer: Producer, topic: string, values: Array<{ value: Buffer; key: string; timestamp: number }>): Promise<void> {
  for (const v of values) {
    for (;;) {
      try {
        producer.produce(topic, null, v.value, v.key, v.timestamp);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  }
}

/**
 * Event times of test records: recent, never years old. The broker applies time-based retention to
 * record timestamps, so records stamped in 2024 are deleted (low watermark jumps) mid-test.
 */
export function recentStartMs(): number {
  return Date.now() - 3_600_000;
}

export async function produceEvents(settings: KafkaSettings, topic: string, ids: string[], startMs = recentStartMs()): Promise<void> {
  const producer = await createIdempotentProducer(settings, { clientId: 'test-producer' });
  try {
    await produceValues(
      producer,
      topic,
      ids.map((id, i) => ({ value: eventValue(id, startMs + i), key: `k${i % 97}`, timestamp: startMs + i })),
    );
    await flush(producer, 60_000);
  } finally {
    await disconnect(producer);
  }
}

/**
 * Sum of the group's committed offsets on the topic (read without joining the group). Right after a
 * kill the broker holds this fetch back while a dead sink's transaction with offsets is open (KIP-447
 * stable offsets) until it times out (SINK_TRANSACTION_TIMEOUT_MS, 30 s) or a restart fences it; with
 * two consumers per process a kill lands inside one of their transactions far more often, so wait
 * past the transaction timeout instead of librdkafka's 10 s.
 */
export async function committedTotal(settings: KafkaSettings, group: string, topic: string, partitions: number): Promise<number[]> {
  const reader = await createConsumer(settings, { clientId: 'offset-reader', groupId: group });
  try {
    const committed = await committedOffsets(reader, Array.from({ length: partitions }, (_, partition) => ({ topic, partition })), 45_000);
    return committed.sort((a, b) => a.partition - b.partition).map((tp) => Math.max(0, tp.offset));
  } finally {
    await closeConsumer(reader);
  }
}

/** The sink as a real process: `node consumer-service/dist/main.js`, logs appended to a file. */
export class SinkProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>, readonly logFile: string) {
    const log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Resident set size in bytes of the process and its consumers (SINK_CONSUMERS > 1), from /proc (Linux). */
  rssBytes(): number {
    return treeRssBytes(this.child.pid!);
  }

  /** The pids of the consumers this process started (SINK_CONSUMERS > 1), from its log. */
  consumerPids(): number[] {
    return [...this.logText().matchAll(/"pid":(\d+),"msg":"ConsumerStarted"/g)].map((m) => Number(m[1]));
  }

  /** SIGKILL the moment the process writes `text` (e.g. an upload done, its commit not yet): a crash at that exact point. */
  killWhenLogged(text: string): Promise<number | null> {
    const onData = (chunk: Buffer): void => {
      if (!chunk.toString().includes(text)) return;
      this.child.stdout!.off('data', onData);
      this.child.kill('SIGKILL');
    };
    this.child.stdout!.on('data', onData);
    return this.exited;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  logText(): string {
    return readFileSync(this.logFile, 'utf8');
  }
}

/** Whether a process still exists (and is not a zombie). */
export function alive(pid: number): boolean {
  try {
    return !/State:\s+Z/.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

/**
 * Produces `count` events in chunks while the test does other things (kills, outages), so records
 * keep flowing through every failure. Resolves with the ids once all are acknowledged.
 */
export async function produceSteadily(settings: KafkaSettings, topic: string, prefix: string, count: number, chunk: number, pauseMs: number, padBytes = 0): Promise<string[]> {
  const producer = await createIdempotentProducer(settings, { clientId: `${prefix}-producer` });
  const ids: string[] = [];
  const startMs = recentStartMs();
  try {
    for (let start = 0; start < count; start += chunk) {
      const values = [];
      for (let i = start; i < Math.min(count, start + chunk); i++) {
        const id = `${prefix}-${i}`;
        const timestamp = startMs + i * 10;
        ids.push(id);
        values.push({ value: eventValue(id, timestamp, padBytes), key: `k${i % 101}`, timestamp });
      }
      await produceValues(producer, topic, values);
      await new Promise((r) => setTimeout(r, pauseMs));
    }
    await flush(producer, 60_000);
    return ids;
  } finally {
    await disconnect(producer);
  }
}

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyKafkaError, closeConsumer, consumeBatch, createConsumer, type KafkaConsumer, type KafkaSettings, type Message } from '@spotify-pipeline/shared/kafka';
import type { SampledRecord } from './infer-schema.js';

/**
 * The records `spec infer` looks at: the first N JSON objects of an NDJSON file or of a topic.
 * A line or message that is not a JSON object is counted and reported, never fatal: a topic with
 * a few bad records still has a shape worth drafting.
 */

export const DEFAULT_SAMPLE_SIZE = 1000;
export const DEFAULT_TOPIC_TIMEOUT_MS = 30_000;

export interface RecordSample {
  records: SampledRecord[];
  /** Lines or messages that were not JSON objects. */
  skipped: number;
  /** Where the first skipped one was: `line 7`, `partition 2 offset 41`. */
  firstSkipped?: string;
  /** Why reading stopped before N records and before the end of the input, when it did. */
  incomplete?: string;
}

function parseRecord(text: string): SampledRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Not JSON: the caller counts it as skipped.
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as SampledRecord) : undefined;
}

/** Collects records until `limit`; also stops once as many values were skipped (a file of something else). */
class SampleCollector {
  readonly sample: RecordSample = { records: [], skipped: 0 };

  constructor(private readonly limit: number) {}

  add(text: string | undefined, where: string): void {
    const record = text === undefined ? undefined : parseRecord(text);
    if (record) {
      this.sample.records.push(record);
      return;
    }
    this.sample.skipped++;
    this.sample.firstSkipped ??= where;
  }

  get full(): boolean {
    return this.sample.records.length >= this.limit || this.sample.skipped >= this.limit;
  }
}

/** The first `limit` records of an NDJSON file (blank lines ignored), read line by line: a large file is not read whole. */
export async function sampleFile(file: string, limit = DEFAULT_SAMPLE_SIZE): Promise<RecordSample> {
  const collector = new SampleCollector(limit);
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber++;
      const text = lineNumber === 1 ? line.replace(/^\uFEFF/, '') : line;
      if (text.trim() === '') continue;
      collector.add(text, `line ${lineNumber}`);
      if (collector.full) break;
    }
  } finally {
    lines.close();
    input.destroy();
  }
  return collector.sample;
}

function kafkaCall<T>(operation: string, run: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(classifyKafkaError(err, operation)) : resolve(value as T))));
}

async function partitionsOf(consumer: KafkaConsumer, topic: string, timeoutMs: number): Promise<number[]> {
  const metadata = await kafkaCall<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>(`metadata of ${topic}`, (done) =>
    consumer.getMetadata({ topic, timeout: timeoutMs }, done as never),
  );
  return (metadata.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => p.id).sort((a, b) => a - b);
}

async function watermarksOf(consumer: KafkaConsumer, topic: string, partition: number, timeoutMs: number): Promise<{ low: number; high: number }> {
  const offsets = await kafkaCall<{ lowOffset: number; highOffset: number }>(`watermarks of ${topic} [${partition}]`, (done) =>
    consumer.queryWatermarkOffsets(topic, partition, timeoutMs, done as never),
  );
  return { low: offsets.lowOffset, high: offsets.highOffset };
}

/**
 * The first `limit` records of a topic, read from the beginning of every partition up to the high
 * watermark each had when reading began (or until `timeoutMs`).
 *
 * The partitions are assigned, never subscribed: no group is joined, so no member appears in a
 * group and no rebalance touches anyone. Nothing is committed either (the consumer never auto
 * commits, and nothing here commits), so the throwaway group id leaves no offsets behind.
 * read_committed, like every stage of the pipeline: aborted records are not what the table gets.
 */
export async function sampleTopic(settings: KafkaSettings, topic: string, limit = DEFAULT_SAMPLE_SIZE, timeoutMs = DEFAULT_TOPIC_TIMEOUT_MS): Promise<RecordSample> {
  const consumer = await createConsumer(settings, { clientId: 'catalog-sync-spec-infer', groupId: `catalog-sync-spec-infer-${randomBytes(6).toString('hex')}` });
  try {
    const partitions = await partitionsOf(consumer, topic, settings.requestTimeoutMs);
    if (partitions.length === 0) {
      throw new PipelineError('CONFIG_INVALID', `${topic} is not a file, and the brokers (${settings.brokers.join(',')}) have no topic of that name`);
    }
    const collector = new SampleCollector(limit);
    // Where each partition with records must be read to: its high watermark now.
    const remaining = new Map<number, number>();
    const start: Array<{ topic: string; partition: number; offset: number }> = [];
    for (const partition of partitions) {
      const { low, high } = await watermarksOf(consumer, topic, partition, settings.requestTimeoutMs);
      if (high > low) {
        remaining.set(partition, high);
        start.push({ topic, partition, offset: low });
      }
    }
    if (start.length === 0) return collector.sample;
    consumer.assign(start);
    consumer.setDefaultConsumeTimeout(200);
    const deadline = Date.now() + timeoutMs;
    const next = new Map<number, number>();
    while (remaining.size > 0 && !collector.full) {
      if (Date.now() > deadline) {
        collector.sample.incomplete = `stopped after ${timeoutMs} ms before reaching the end of partition${remaining.size === 1 ? '' : 's'} ${[...remaining.keys()].join(', ')}`;
        break;
      }
      const messages: Message[] = await consumeBatch(consumer, 500);
      for (const message of messages) {
        next.set(message.partition, Math.max(next.get(message.partition) ?? 0, message.offset + 1));
        collector.add(message.value?.toString('utf8'), `partition ${message.partition} offset ${message.offset}`);
        if (collector.full) break;
      }
      // Transaction markers and aborted records take offsets a read_committed reader never
      // returns: the consumer's position, not the last message, says a partition is read.
      for (const tp of consumer.position(start)) {
        if (tp.offset >= 0) next.set(tp.partition, Math.max(next.get(tp.partition) ?? 0, tp.offset));
      }
      for (const [partition, high] of remaining) if ((next.get(partition) ?? 0) >= high) remaining.delete(partition);
    }
    return collector.sample;
  } finally {
    await closeConsumer(consumer);
  }
}

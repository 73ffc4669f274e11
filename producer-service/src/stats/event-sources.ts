import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings } from '@spotify-pipeline/shared/kafka';

/** What a source handed over: values read, and lines or records that were not a JSON object. */
export interface SourceCounts {
  records: number;
  notJson: number;
}

function parse(text: string, counts: SourceCounts, onRecord: (record: Record<string, unknown>) => void): void {
  counts.records++;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    counts.notJson++;
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) counts.notJson++;
  else onRecord(value as Record<string, unknown>);
}

/** One JSON object per line (NDJSON, `.gz` gunzipped on the way), streamed: any size. */
export async function readNdjsonFile(path: string, onRecord: (record: Record<string, unknown>) => void): Promise<SourceCounts> {
  const counts: SourceCounts = { records: 0, notJson: 0 };
  const file = createReadStream(path);
  const lines = createInterface({ input: path.endsWith('.gz') ? file.pipe(createGunzip()) : file, crlfDelay: Infinity });
  for await (const line of lines) if (line.trim()) parse(line, counts, onRecord);
  return counts;
}

/**
 * Every record of a topic, read_committed, from the start of each partition to the end it had when
 * the read began (records written meanwhile are not awaited). Assigned, not subscribed: no consumer
 * group offsets are committed, so reading changes nothing for anyone.
 */
export async function readTopic(settings: KafkaSettings, topic: string, onRecord: (record: Record<string, unknown>) => void, timeoutMs = 600_000): Promise<SourceCounts> {
  const counts: SourceCounts = { records: 0, notJson: 0 };
  const consumer = await createConsumer(settings, { clientId: 'producer-service-stats', groupId: `producer-service-stats-${process.pid}-${Date.now()}` });
  try {
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>((resolve, reject) =>
      consumer.getMetadata({ topic, timeout: settings.requestTimeoutMs }, (err, data) => (err ? reject(err) : resolve(data as never))),
    );
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.map((p) => p.id) ?? [];
    if (partitions.length === 0) throw new PipelineError('CONFIG_INVALID', `topic ${topic} does not exist (and no file has that name)`);
    const highs = await Promise.all(
      partitions.map(
        (partition) =>
          new Promise<number>((resolve, reject) =>
            consumer.queryWatermarkOffsets(topic, partition, settings.requestTimeoutMs, (err, offsets) => (err ? reject(err) : resolve(offsets.highOffset))),
          ),
      ),
    );
    const tps = partitions.map((partition) => ({ topic, partition }));
    consumer.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
    consumer.setDefaultConsumeTimeout(200);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const message of await consumeBatch(consumer, 5_000)) if (message.value) parse(message.value.toString('utf8'), counts, onRecord);
      // Transaction markers and compaction leave gaps in offsets: positions, not counts, say we are through.
      const positions = consumer.position(tps);
      if (tps.every((tp, i) => highs[i]! <= 0 || (positions.find((p) => p.partition === tp.partition)?.offset ?? -1) >= highs[i]!)) return counts;
      if (Date.now() > deadline) throw new PipelineError('TIMEOUT', `reading ${topic} to its end took more than ${timeoutMs} ms`);
    }
  } finally {
    await closeConsumer(consumer);
  }
}

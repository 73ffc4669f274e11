import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings, type Message } from '@spotify-pipeline/shared/kafka';
import { uniqueName } from '../wait.js';

export interface ReadTopicOptions {
  /** read_committed (default) is what every pipeline stage sees; read_uncommitted shows aborted records too. */
  isolation?: 'read_committed' | 'read_uncommitted';
  timeoutMs?: number;
}

/**
 * Reads partitions 0..n-1 of a topic from offset 0 until each partition's position reaches the high
 * watermark asked of the broker up front (records written later are not awaited). Positions, not
 * counts: transaction markers and aborted records take offsets a read_committed reader never returns.
 */
export async function readTopic(settings: KafkaSettings, topic: string, partitions: number, options: ReadTopicOptions = {}): Promise<Message[]> {
  const isolation = options.isolation ?? 'read_committed';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const reader = await createConsumer(settings, { clientId: 'topic-reader', groupId: uniqueName('reader'), overrides: { 'isolation.level': isolation } });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 }));
    reader.assign(tps);
    reader.setDefaultConsumeTimeout(200);
    const ends = await Promise.all(
      tps.map(
        (tp) =>
          new Promise<{ low: number; high: number }>((resolve, reject) =>
            reader.queryWatermarkOffsets(topic, tp.partition, 10_000, (err, offsets) =>
              err ? reject(err) : resolve({ low: offsets.lowOffset, high: offsets.highOffset }),
            ),
          ),
      ),
    );
    const messages: Message[] = [];
    const next = tps.map(() => 0);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const message of await consumeBatch(reader, 5_000)) {
        messages.push(message);
        next[message.partition] = Math.max(next[message.partition] ?? 0, message.offset + 1);
      }
      const positions = reader.position(tps);
      const done = tps.every((tp, i) => {
        const { low, high } = ends[i]!;
        const position = Math.max(next[i]!, positions.find((p) => p.partition === tp.partition)?.offset ?? -1);
        return high <= low || position >= high;
      });
      if (done) return messages;
      if (Date.now() > deadline) throw new Error(`reading ${topic} to its end took more than ${timeoutMs} ms`);
    }
  } finally {
    await closeConsumer(reader);
  }
}

/** Header value of a consumed record, as text. */
export function header(message: Message, name: string): string | undefined {
  for (const h of message.headers ?? []) {
    const value = (h as Record<string, string | Buffer>)[name];
    if (value !== undefined) return value.toString();
  }
  return undefined;
}

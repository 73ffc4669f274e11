import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings, type Message } from '@spotify-pipeline/shared/kafka';

/**
 * Reads every committed record of a topic (read_committed, from offset 0) until each partition's
 * position reaches its high watermark: what a downstream consumer would ever see.
 */
export async function readTopic(settings: KafkaSettings, topic: string, partitions: number, timeoutMs = 120_000): Promise<Message[]> {
  const reader = await createConsumer(settings, { clientId: 'topic-reader', groupId: `reader-${topic}-${Date.now()}` });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: 0 }));
    reader.assign(tps);
    reader.setDefaultConsumeTimeout(200);
    // The end is fixed up front from the broker: records written after this call are not awaited.
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
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      messages.push(...(await consumeBatch(reader, 5_000)));
      const positions = reader.position(tps);
      const done = tps.every((tp, i) => {
        const { low, high } = ends[i]!;
        const position = positions.find((p) => p.partition === tp.partition)?.offset ?? -1;
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

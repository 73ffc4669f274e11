import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';

/** Records in a topic: sum of high − low watermarks (idempotent, non-transactional: no gaps). */
export async function topicCount(consumer: KafkaConsumer, topic: string, partitions: number): Promise<number> {
  let total = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const offsets = await new Promise<{ highOffset: number; lowOffset: number }>((resolve, reject) => {
      consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, value) => (err ? reject(err) : resolve(value)));
    });
    total += offsets.highOffset - offsets.lowOffset;
  }
  return total;
}

/** Reads a whole topic from the start; the count must match its watermarks exactly. */
export async function readTopic(settings: KafkaSettings, topic: string, partitions: number): Promise<Message[]> {
  const consumer = await createConsumer(settings, { clientId: 'test-reader', groupId: uniqueName('reader') });
  try {
    const expected = await topicCount(consumer, topic, partitions);
    consumer.subscribe([topic]);
    consumer.setDefaultConsumeTimeout(200);
    const messages: Message[] = [];
    await waitUntil(
      `${expected} records read from ${topic}`,
      async () => {
        messages.push(...(await consumeBatch(consumer, 5_000)));
        return messages.length >= expected;
      },
      120_000,
      0,
    );
    if (messages.length !== expected) throw new Error(`read ${messages.length} records from ${topic}, watermarks say ${expected}`);
    return messages;
  } finally {
    await closeConsumer(consumer);
  }
}

/** A plain consumer for watermark queries while a producer runs. */
export function watermarkConsumer(settings: KafkaSettings): Promise<KafkaConsumer> {
  return createConsumer(settings, { clientId: 'test-watermarks', groupId: uniqueName('watermarks') });
}

import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { uniqueName, waitUntil } from '@spotify-pipeline/testkit';

/** Offsets taken in a topic: sum of high − low watermarks (records, plus transaction markers if any). */
export async function topicCount(consumer: KafkaConsumer, topic: string, partitions: number): Promise<number> {
  let total = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const offsets = await watermarks(consumer, topic, partition);
    total += offsets.highOffset - offsets.lowOffset;
  }
  return total;
}

/**
 * Reads every committed record of a topic (read_committed, from the start) until each partition's
 * position reaches the high watermark taken up front. Positions, not counts: transaction markers and
 * aborted records take offsets that a read_committed consumer never returns.
 */
export async function readTopic(settings: KafkaSettings, topic: string, partitions: number): Promise<Message[]> {
  const consumer = await createConsumer(settings, { clientId: 'test-reader', groupId: uniqueName('reader') });
  try {
    const tps = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const highs = await Promise.all(tps.map((tp) => watermarks(consumer, topic, tp.partition)));
    consumer.assign(tps.map((tp) => ({ ...tp, offset: 0 })));
    consumer.setDefaultConsumeTimeout(200);
    const messages: Message[] = [];
    await waitUntil(
      `${topic} read to its end`,
      async () => {
        messages.push(...(await consumeBatch(consumer, 5_000)));
        const positions = consumer.position(tps);
        return tps.every((tp, i) => highs[i]!.highOffset <= highs[i]!.lowOffset || (positions.find((p) => p.partition === tp.partition)?.offset ?? -1) >= highs[i]!.highOffset);
      },
      120_000,
      0,
    );
    return messages;
  } finally {
    await closeConsumer(consumer);
  }
}

function watermarks(consumer: KafkaConsumer, topic: string, partition: number): Promise<{ highOffset: number; lowOffset: number }> {
  return new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, value) => (err ? reject(err) : resolve(value))));
}

/** A plain consumer for watermark queries while a producer runs. */
export function watermarkConsumer(settings: KafkaSettings): Promise<KafkaConsumer> {
  return createConsumer(settings, { clientId: 'test-watermarks', groupId: uniqueName('watermarks') });
}

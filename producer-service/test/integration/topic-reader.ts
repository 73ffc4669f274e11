import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { createConsumer, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { uniqueName } from '@spotify-pipeline/testkit';

/** Offsets taken in a topic: sum of high − low watermarks (records, plus transaction markers if any). */
export async function topicCount(consumer: KafkaConsumer, topic: string, partitions: number): Promise<number> {
  let total = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const offsets = await watermarks(consumer, topic, partition);
    total += offsets.highOffset - offsets.lowOffset;
  }
  return total;
}


function watermarks(consumer: KafkaConsumer, topic: string, partition: number): Promise<{ highOffset: number; lowOffset: number }> {
  return new Promise((resolve, reject) => consumer.queryWatermarkOffsets(topic, partition, 10_000, (err, value) => (err ? reject(err) : resolve(value))));
}

/** A plain consumer for watermark queries while a producer runs. */
export function watermarkConsumer(settings: KafkaSettings): Promise<KafkaConsumer> {
  return createConsumer(settings, { clientId: 'test-watermarks', groupId: uniqueName('watermarks') });
}

import type { KafkaConsumer, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { committedOffsets } from './committed-offsets.js';
import { seek } from './consumer.js';

/** librdkafka's logical offset for "the partition's first record". */
export const OFFSET_BEGINNING = -2;

/**
 * The next offset to commit per partition of what a batch consumed: `last + 1` of the highest
 * offset seen, so nothing is skipped and nothing read twice. One definition for every stage
 * (records, staged objects' last offsets, manifests).
 */
export function nextOffsets(consumed: Iterable<{ topic: string; partition: number; offset: number }>): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const m of consumed) {
    const key = `${m.topic}:${m.partition}`;
    const current = next.get(key);
    if (!current || m.offset + 1 > current.offset) next.set(key, { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
  }
  return [...next.values()];
}

/**
 * Puts the consumer back at its group's committed offsets (the beginning where nothing was
 * committed): called before a failed batch is retried. librdkafka has already moved past the
 * batch; consuming on would commit past records never applied (catalog-sync once did).
 */
export async function rewindToCommitted(consumer: KafkaConsumer, partitions: TopicPartition[] = consumer.assignments()): Promise<TopicPartitionOffset[]> {
  if (partitions.length === 0) return [];
  const committed = await committedOffsets(consumer, partitions);
  for (const tp of committed) {
    // OFFSET_NOT_COMMITTED (-1001): the group never committed on that partition.
    await seek(consumer, { topic: tp.topic, partition: tp.partition, offset: tp.offset >= 0 ? tp.offset : OFFSET_BEGINNING });
  }
  return committed;
}

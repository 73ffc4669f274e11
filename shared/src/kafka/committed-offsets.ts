import type { KafkaConsumer, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { callback } from './kafka-error.js';

/** librdkafka's RD_KAFKA_OFFSET_INVALID: what `committed` says of a partition the group never committed on. */
export const OFFSET_NOT_COMMITTED = -1001;

/**
 * The group's committed offset of each partition. A partition it never committed on reads as
 * OFFSET_NOT_COMMITTED: the client gives -1001 when the group has committed elsewhere, but leaves
 * the offset out when it has committed nothing at all (seen on a real broker), which every caller
 * comparing offsets would read as NaN.
 */
export async function committedOffsets(consumer: KafkaConsumer, partitions: TopicPartition[], timeoutMs = 10_000): Promise<TopicPartitionOffset[]> {
  const committed = await callback<TopicPartitionOffset[]>('committed', 'KAFKA_UNAVAILABLE', (done) => consumer.committed(partitions, timeoutMs, done as never));
  return committed.map((tp) => (Number.isSafeInteger(tp.offset) ? tp : { ...tp, offset: OFFSET_NOT_COMMITTED }));
}

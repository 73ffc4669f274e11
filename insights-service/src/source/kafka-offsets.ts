import { classifyKafkaError, type KafkaConsumer, type TopicPartitionOffset } from '@spotify-pipeline/shared/kafka';

/** librdkafka's logical offset for "the end of the partition". */
export const OFFSET_END = -1;

function call<T>(operation: string, run: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      run((err, value) => (err ? reject(classifyKafkaError(err, operation)) : resolve(value as T)));
    } catch (err) {
      reject(classifyKafkaError(err, operation));
    }
  });
}

/** Partitions of `topic` as the broker reports them now (0 when the topic does not exist yet). */
export async function partitionCount(consumer: KafkaConsumer, topic: string, timeoutMs: number): Promise<number> {
  const metadata = await call<{ topics: Array<{ name: string; partitions: unknown[] }> }>('getMetadata', (done) =>
    consumer.getMetadata({ topic, timeout: timeoutMs }, done as never),
  );
  return metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
}

/**
 * The first offset of each partition whose record timestamp is at or after `timestampMs` (Kafka's
 * time index; the topic's timestamps are event times). A partition with no such record answers the
 * logical end offset: nothing in it is recent enough.
 */
export async function offsetsForTime(consumer: KafkaConsumer, topic: string, partitions: readonly number[], timestampMs: number, timeoutMs: number): Promise<TopicPartitionOffset[]> {
  if (partitions.length === 0) return [];
  const found = await call<TopicPartitionOffset[]>('offsetsForTimes', (done) =>
    consumer.offsetsForTimes(partitions.map((partition) => ({ topic, partition, offset: timestampMs })), timeoutMs, done as never),
  );
  return found.map((tp) => ({ topic, partition: tp.partition, offset: tp.offset >= 0 ? tp.offset : OFFSET_END }));
}

/** The high watermark (next offset to be written) of each partition. */
export async function highWatermarks(consumer: KafkaConsumer, topic: string, partitions: readonly number[], timeoutMs: number): Promise<Map<number, number>> {
  const marks = new Map<number, number>();
  for (const partition of partitions) {
    const offsets = await call<{ highOffset: number }>('queryWatermarkOffsets', (done) => consumer.queryWatermarkOffsets(topic, partition, timeoutMs, done as never));
    marks.set(partition, offsets.highOffset);
  }
  return marks;
}

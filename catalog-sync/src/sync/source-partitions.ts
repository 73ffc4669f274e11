import { classifyKafkaError, type KafkaConsumer } from '@spotify-pipeline/shared/kafka';

/**
 * Partition counts of the source topics, from broker metadata. Completeness needs them: an hour may
 * close only when every partition has passed it, including partitions no manifest has named yet.
 * A topic that does not exist yet is left out (it is seeded on a later start).
 */
export async function sourcePartitionCounts(consumer: KafkaConsumer, topics: string[], timeoutMs = 10_000): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const topic of topics) {
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: unknown[] }> }>((resolve, reject) => {
      consumer.getMetadata({ topic, timeout: timeoutMs }, (err, data) => (err ? reject(classifyKafkaError(err, `metadata of ${topic}`)) : resolve(data as never)));
    });
    const found = metadata.topics.find((t) => t.name === topic);
    if (found && found.partitions.length > 0) counts[topic] = found.partitions.length;
  }
  return counts;
}

import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { readTopic, startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import {
  closeConsumer,
  committedOffsets,
  consumeBatch,
  createConsumer,
  createIdempotentProducer,
  disconnect,
  flush,
  KafkaAdmin,
  TransactionalProducer,
} from '@spotify-pipeline/shared/kafka';
import type { KafkaSettings } from '@spotify-pipeline/shared/kafka';

const PARTITIONS = 3;

async function produceInput(settings: KafkaSettings, topic: string, from: number, count: number): Promise<void> {
  const producer = await createIdempotentProducer(settings, { clientId: 'input-producer' });
  for (let i = from; i < from + count; i++) producer.produce(topic, i % PARTITIONS, Buffer.from(`in-${i}`), `k${i}`);
  await flush(producer, 30_000);
  await disconnect(producer);
}


async function consumeExactly(consumer: KafkaConsumer, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  await waitUntil(`${count} input messages`, async () => {
    messages.push(...(await consumeBatch(consumer, count - messages.length)));
    return messages.length >= count;
  }, 60_000, 0);
  return messages;
}

function nextOffsets(messages: Message[]): Array<{ topic: string; partition: number; offset: number }> {
  const next = new Map<string, { topic: string; partition: number; offset: number }>();
  for (const m of messages) {
    const key = `${m.topic}:${m.partition}`;
    const current = next.get(key);
    if (!current || m.offset + 1 > current.offset) next.set(key, { topic: m.topic, partition: m.partition, offset: m.offset + 1 });
  }
  return [...next.values()];
}

describe('consume → produce → sendOffsetsToTransaction (real broker)', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'test-admin');
  });
  afterAll(() => admin.close());

  it('commits output and offsets together, and an aborted transaction leaves neither', async () => {
    const input = uniqueName('txn-in');
    const output = uniqueName('txn-out');
    const group = uniqueName('txn-group');
    await admin.ensureTopics([
      { name: input, partitions: PARTITIONS, replicationFactor: 1 },
      { name: output, partitions: PARTITIONS, replicationFactor: 1 },
    ]);
    await produceInput(kafka.settings, input, 0, 300);

    const consumer = await createConsumer(kafka.settings, { clientId: 'txn-consumer', groupId: group });
    consumer.subscribe([input]);
    consumer.setDefaultConsumeTimeout(200);
    const txn = await TransactionalProducer.create(kafka.settings, { clientId: 'txn-producer', transactionalId: uniqueName('txn') });
    try {
      // Committed cycle.
      const firstBatch = await consumeExactly(consumer, 300);
      await txn.begin();
      for (const m of firstBatch) txn.produce({ topic: output, partition: m.partition, value: Buffer.from(`out-${m.value}`) });
      await txn.sendOffsets(nextOffsets(firstBatch), consumer);
      await txn.commit();

      const tps = Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: input, partition }));
      const committedAfterCommit = await committedOffsets(consumer, tps);
      expect(committedAfterCommit.reduce((sum, tp) => sum + tp.offset, 0)).toBe(300);
      expect((await readTopic(kafka.settings, output, PARTITIONS)).length).toBe(300);

      // Aborted cycle: the output is written to the log, then aborted.
      await produceInput(kafka.settings, input, 300, 90);
      const secondBatch = await consumeExactly(consumer, 90);
      await txn.begin();
      for (const m of secondBatch) txn.produce({ topic: output, partition: m.partition, value: Buffer.from(`aborted-${m.value}`) });
      await txn.sendOffsets(nextOffsets(secondBatch), consumer);
      // Without the flush, abort may purge records still queued locally and the check below that
      // they really reached the log would prove nothing.
      await txn.flush();
      await txn.abort();

      // What must NOT happen: a read_committed reader sees the aborted records, or the offsets move.
      const committedView = await readTopic(kafka.settings, output, PARTITIONS);
      expect(committedView.length).toBe(300);
      expect(committedView.some((m) => m.value!.toString().startsWith('aborted-'))).toBe(false);
      const committedAfterAbort = await committedOffsets(consumer, tps);
      expect(committedAfterAbort.map((tp) => tp.offset)).toEqual(committedAfterCommit.map((tp) => tp.offset));

      // And they really were written: a read_uncommitted reader sees all 390.
      const uncommittedView = await readTopic(kafka.settings, output, PARTITIONS, { isolation: 'read_uncommitted' });
      expect(uncommittedView.filter((m) => m.value!.toString().startsWith('aborted-')).length).toBe(90);
    } finally {
      await txn.close();
      await closeConsumer(consumer);
    }
  });
});

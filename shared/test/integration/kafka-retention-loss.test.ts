import { Writable } from 'node:stream';
import KafkaJs from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import {
  closeConsumer,
  consumeBatch,
  createConsumer,
  createIdempotentProducer,
  disconnect,
  flush,
  KafkaAdmin,
  librdkafkaConfig,
  retentionLossCounter,
} from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { Registry } from '@spotify-pipeline/shared/metrics';

type Line = Record<string, unknown>;

function capture(): { stream: Writable; lines: () => Line[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) };
}

/**
 * A consumer group whose committed offset fell below the partition's log start lost the records in
 * between: retention deleted them unread, and auto.offset.reset=earliest resumes at what is left
 * without a word. What must happen: the shared consumer, at assignment, logs one RecordsLostToRetention
 * error line for the topic naming the group, the partition, both offsets and the count, and counts
 * exactly the deleted-but-unconsumed records in pipeline_<service>_kafka_records_lost_to_retention_total.
 * What must not: any report for a partition whose committed offset is still retained (at or above
 * the log start), nor for a group whose every committed offset is. The log start is advanced with
 * DeleteRecords, the same move retention.ms makes when it drops a segment, without waiting on the
 * broker's retention check.
 */
describe('records lost to retention, seen at assignment (real broker)', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  const consumers: KafkaConsumer[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'retention-test-admin');
  });
  afterAll(async () => {
    for (const c of consumers) await closeConsumer(c);
    admin.close();
  });

  async function commitForGroup(groupId: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const consumer = await createConsumer(kafka.settings, { clientId: 'retention-test-committer', groupId });
    try {
      consumer.assign(offsets);
      consumer.commitSync(offsets);
    } finally {
      await closeConsumer(consumer);
    }
  }

  async function deleteRecordsBefore(offsets: TopicPartitionOffset[]): Promise<void> {
    const client = KafkaJs.AdminClient.create(librdkafkaConfig(kafka.settings, 'retention-test-delete') as never);
    try {
      await new Promise<void>((resolve, reject) => client.deleteRecords(offsets, { operationTimeout: 30_000 }, (err) => (err ? reject(err) : resolve())));
    } finally {
      client.disconnect();
    }
  }

  /** A group member through the shared consumer, polled until its assignment was checked. */
  async function startMember(groupId: string, topic: string): Promise<{ lines: Line[]; lost: Registry }> {
    const out = capture();
    const registry = new Registry();
    const consumer = await createConsumer(kafka.settings, {
      clientId: 'retention-test-member',
      groupId,
      retentionCheck: { logger: createLogger({ service: 'test', level: 'debug' }, out.stream), lostRecords: retentionLossCounter({ name: 'pipeline_test_service_kafka_records_lost_to_retention_total', registers: [registry] }) },
    });
    consumers.push(consumer);
    consumer.setDefaultConsumeTimeout(200);
    consumer.subscribe([topic]);
    await waitUntil(`group ${groupId}'s assignment checked`, async () => {
      await consumeBatch(consumer, 100);
      return out.lines().some((l) => l.msg === 'RetentionChecked' || l.msg === 'RetentionCheckFailed');
    }, 60_000, 0);
    return { lines: out.lines(), lost: registry };
  }

  it('reports the deleted-but-unconsumed records of a lagging group, and nothing for a group still within retention', async () => {
    const topic = uniqueName('retention-loss');
    await admin.ensureTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
    const producer = await createIdempotentProducer(kafka.settings, { clientId: 'retention-test-producer' });
    for (let i = 0; i < 100; i++) {
      producer.produce(topic, 0, Buffer.from(`{"p":0,"i":${i}}`), `k${i}`);
      producer.produce(topic, 1, Buffer.from(`{"p":1,"i":${i}}`), `k${i}`);
    }
    await flush(producer, 30_000);
    await disconnect(producer);

    const lagging = uniqueName('retention-lagging');
    const retained = uniqueName('retention-retained');
    // lagging: partition 0 read to 10, partition 1 to 60. retained: exactly at the log start on 0, past it on 1.
    await commitForGroup(lagging, [{ topic, partition: 0, offset: 10 }, { topic, partition: 1, offset: 60 }]);
    await commitForGroup(retained, [{ topic, partition: 0, offset: 40 }, { topic, partition: 1, offset: 80 }]);
    await deleteRecordsBefore([{ topic, partition: 0, offset: 40 }, { topic, partition: 1, offset: 50 }]);

    const laggingMember = await startMember(lagging, topic);
    const errors = laggingMember.lines.filter((l) => l.msg === 'RecordsLostToRetention');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      level: 'error',
      topic,
      groupId: lagging,
      lostRecords: 30,
      partitions: [{ partition: 0, committedOffset: 10, logStartOffset: 40, lostRecords: 30 }],
    });
    expect(String(errors[0]!.fix)).toContain('retention.ms');
    const lost = (await laggingMember.lost.getSingleMetric('pipeline_test_service_kafka_records_lost_to_retention_total')!.get()).values;
    // Partition 1 (committed 60, log start 50) is within retention: no series for it at all.
    expect(lost).toEqual([{ labels: { topic, partition: '0' }, value: 30 }]);

    const retainedMember = await startMember(retained, topic);
    expect(retainedMember.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(retainedMember.lines.find((l) => l.msg === 'RetentionChecked')).toMatchObject({ groupId: retained, partitions: 2, lossy: 0 });
    expect((await retainedMember.lost.getSingleMetric('pipeline_test_service_kafka_records_lost_to_retention_total')!.get()).values).toEqual([]);

    // A group that never committed starts at the log start: nothing lost (the client gives its
    // partitions back without an offset, which once read as a loss of NaN records).
    const freshMember = await startMember(uniqueName('retention-fresh'), topic);
    expect(freshMember.lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(freshMember.lines.find((l) => l.msg === 'RetentionChecked')).toMatchObject({ partitions: 2, lossy: 0 });
    expect((await freshMember.lost.getSingleMetric('pipeline_test_service_kafka_records_lost_to_retention_total')!.get()).values).toEqual([]);
  }, 180_000);
});

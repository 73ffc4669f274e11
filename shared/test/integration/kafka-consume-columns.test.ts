import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import {
  closeConsumer,
  consumeBatch,
  consumesColumns,
  createConsumer,
  createIdempotentProducer,
  disconnect,
  flush,
  KafkaAdmin,
  TransactionalProducer,
} from '@spotify-pipeline/shared/kafka';

/**
 * consumeBatch reads through the addon's consumeColumns (native/kafka-consume-columns) and rebuilds
 * the client's message objects in JS. What must hold: on a real broker, for records of every shape
 * (null and empty values and keys, binary and multi-byte values, a 900 KiB value, headers, two topics,
 * several partitions, an aborted transaction beside a committed one), the messages are exactly the
 * ones the client's own consume() gives, field by field; nothing aborted is read, nothing is lost;
 * and every partition read to its end is announced ('partition.eof') as the client does.
 */
describe('consumeBatch through consumeColumns (real broker)', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  const consumers: KafkaConsumer[] = [];

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'test-admin');
  });
  afterAll(async () => {
    for (const c of consumers) await closeConsumer(c);
    admin.close();
  });

  /**
   * Everything committed on the topics, read by one consumer of a fresh group with the given read,
   * and the partitions it was told it had read to their end ('partition.eof', as insights-service's
   * rebuild listens for them).
   */
  async function readAll(topics: string[], expected: number, read: (consumer: KafkaConsumer) => Promise<Message[]>): Promise<{ messages: Message[]; eofs: string[] }> {
    const consumer = await createConsumer(kafka.settings, { clientId: 'columns-test', groupId: uniqueName('columns-group'), overrides: { 'enable.partition.eof': true } });
    consumers.push(consumer);
    const eofs = new Set<string>();
    consumer.on('partition.eof', (eof: { topic: string; partition: number }) => eofs.add(`${eof.topic}/${eof.partition}`));
    consumer.setDefaultConsumeTimeout(200);
    consumer.subscribe(topics);
    const messages: Message[] = [];
    await waitUntil(`${expected} messages and the end of all 6 partitions`, async () => {
      messages.push(...(await read(consumer)));
      return messages.length >= expected && eofs.size === 6;
    }, 60_000, 0);
    // Nothing more arrives: the aborted records and the transaction markers stay unseen.
    for (let i = 0; i < 3; i++) messages.push(...(await read(consumer)));
    return { messages, eofs: [...eofs].sort() };
  }

  /** The fields both paths set, Buffers as bytes, in a stable order. */
  function normalized(messages: Message[]): unknown[] {
    return messages
      .map((m) => ({
        topic: m.topic,
        partition: m.partition,
        offset: m.offset,
        timestamp: m.timestamp,
        size: m.size,
        value: m.value === null ? null : m.value.toString('base64'),
        key: m.key === null || m.key === undefined ? null : Buffer.from(m.key).toString('base64'),
        headers: m.headers?.map((h) => Object.entries(h).map(([k, v]) => [k, Buffer.from(v as Buffer).toString('base64')])),
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);
  }

  it('gives the same messages as the client consume(), for every record shape, and never an aborted one', async () => {
    const topics = [uniqueName('columns-a'), uniqueName('columns-b')];
    await admin.ensureTopics(topics.map((name) => ({ name, partitions: 3, replicationFactor: 1 })));

    const producer = await createIdempotentProducer(kafka.settings, { clientId: 'columns-producer' });
    const shapes: Array<{ value: Buffer | null; key: string | Buffer | null; headers?: Array<Record<string, Buffer>> }> = [
      { value: Buffer.from('{"n":1}'), key: 'user-1' },
      { value: null, key: 'tombstone' },
      { value: Buffer.alloc(0), key: null },
      { value: Buffer.from('naïve ✓ 🎧'), key: Buffer.from([0, 255, 1]) },
      { value: Buffer.from([0xff, 0x00, 0x7b]), key: '' },
      { value: Buffer.alloc(900 * 1024, 'x'), key: 'large' },
      { value: Buffer.from('{"h":1}'), key: 'h', headers: [{ 'error.code': Buffer.from('RECORD_NOT_JSON') }, { 'source.offset': Buffer.from('42') }] },
    ];
    let produced = 0;
    for (let round = 0; round < 30; round++) {
      for (const [i, shape] of shapes.entries()) {
        const topic = topics[(round + i) % 2]!;
        producer.produce(topic, (round + i) % 3, shape.value, shape.key, 1_700_000_000_000 + round * 10 + i, undefined, shape.headers);
        produced++;
      }
    }
    await flush(producer, 30_000);
    await disconnect(producer);

    // An aborted transaction in between: read_committed must skip it in both paths.
    const txn = await TransactionalProducer.create(kafka.settings, { clientId: 'columns-txn', transactionalId: uniqueName('columns-txn') });
    await txn.begin();
    for (let i = 0; i < 20; i++) txn.produce({ topic: topics[i % 2]!, partition: i % 3, value: Buffer.from(`{"aborted":${i}}`), key: `aborted-${i}` });
    await txn.flush();
    await txn.abort();
    await txn.begin();
    for (let i = 0; i < 10; i++) txn.produce({ topic: topics[i % 2]!, partition: i % 3, value: Buffer.from(`{"committed":${i}}`), key: `committed-${i}` });
    await txn.commit();
    await txn.close();
    produced += 10;

    const viaColumns = await readAll(topics, produced, async (consumer) => {
      // The installed client must have been built with the addition (postinstall runs apply.cjs).
      expect(consumesColumns(consumer)).toBe(true);
      return consumeBatch(consumer, 50);
    });
    const viaClient = await readAll(topics, produced, (consumer) => new Promise<Message[]>((resolve, reject) => consumer.consume(50, (err, messages) => (err ? reject(err) : resolve(messages)))));

    expect(viaColumns.messages).toHaveLength(produced);
    expect(viaClient.messages).toHaveLength(produced);
    expect(normalized(viaColumns.messages)).toEqual(normalized(viaClient.messages));
    expect(viaColumns.eofs).toEqual(viaClient.eofs);
    expect(viaColumns.messages.some((m) => m.value?.toString().includes('aborted'))).toBe(false);
    expect(viaColumns.messages.filter((m) => m.value?.toString().includes('committed'))).toHaveLength(10);
  }, 120_000);
});

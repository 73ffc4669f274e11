import type { KafkaConsumer, Message } from '@confluentinc/kafka-javascript';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import {
  closeConsumer,
  consumeBatch,
  createConsumer,
  createIdempotentProducer,
  disconnect,
  flush,
  KafkaAdmin,
  type Producer,
} from '@spotify-pipeline/shared/kafka';

const EVENTS = 50_000;
const USERS = 500;

describe('idempotent producer → read_committed consumer (real broker)', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  let producer: Producer | undefined;
  let consumer: KafkaConsumer | undefined;

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'test-admin');
  });
  afterAll(async () => {
    if (producer) await disconnect(producer);
    if (consumer) await closeConsumer(consumer);
    admin.close();
  });

  it(`delivers ${EVENTS} events exactly once, in order per key`, async () => {
    const topic = uniqueName('idem');
    await admin.ensureTopics([{ name: topic, partitions: 6, replicationFactor: 1 }]);
    // Creating twice is not an error: every service does it at start.
    await admin.ensureTopics([{ name: topic, partitions: 6, replicationFactor: 1 }]);

    producer = await createIdempotentProducer(kafka.settings, { clientId: 'test-producer' });
    let delivered = 0;
    const failures: unknown[] = [];
    producer.on('delivery-report', (err) => {
      if (err) failures.push(err);
      else delivered += 1;
    });
    for (let i = 0; i < EVENTS; i++) {
      const user = `user-${i % USERS}`;
      const value = Buffer.from(JSON.stringify({ user, seq: Math.floor(i / USERS), i }));
      for (;;) {
        try {
          producer.produce(topic, null, value, user, Date.now());
          break;
        } catch (err) {
          // Local queue full (bounded memory): let delivery reports drain it, then retry.
          if ((err as { code?: number }).code !== -184) throw err;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    await flush(producer, 60_000);
    await waitUntil('all delivery reports', () => delivered + failures.length === EVENTS, 60_000);
    expect(failures).toEqual([]);
    expect(delivered).toBe(EVENTS);

    consumer = await createConsumer(kafka.settings, { clientId: 'test-consumer', groupId: uniqueName('g') });
    consumer.subscribe([topic]);
    consumer.setDefaultConsumeTimeout(200);
    const received: Message[] = [];
    await waitUntil(
      `${EVENTS} messages consumed`,
      async () => {
        received.push(...(await consumeBatch(consumer!, 5_000)));
        return received.length >= EVENTS;
      },
      120_000,
      0,
    );

    expect(received).toHaveLength(EVENTS);
    const seen = new Set<number>();
    const lastSeqByUser = new Map<string, number>();
    for (const message of received) {
      const body = JSON.parse(message.value!.toString()) as { user: string; seq: number; i: number };
      expect(message.key?.toString()).toBe(body.user);
      seen.add(body.i);
      // Per key, sequence numbers arrive strictly increasing: no reordering, no duplicate.
      expect(body.seq).toBe((lastSeqByUser.get(body.user) ?? -1) + 1);
      lastSeqByUser.set(body.user, body.seq);
    }
    expect(seen.size).toBe(EVENTS);
  });
});

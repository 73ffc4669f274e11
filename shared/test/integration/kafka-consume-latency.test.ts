import type { KafkaConsumer } from '@confluentinc/kafka-javascript';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import { closeConsumer, consumeBatch, createConsumer, createIdempotentProducer, disconnect, KafkaAdmin, type Producer } from '@spotify-pipeline/shared/kafka';

/**
 * Every loop of the pipeline polls with consumeBatch(consumer, n) and a short consume timeout,
 * expecting a bounded poll. The client's default waits the timeout for EACH message, so a steady
 * trickle that never leaves a gap as long as the timeout held a poll until n records came: the sink
 * asking for 5,000 at 150 records/s sat in one poll for half a minute and its flush timers could
 * not fire (lake freshness p99 of 26 s at 200 events/s). What must hold: a poll returns soon after
 * its first record, with what has arrived, however steady the flow.
 */
describe('consumeBatch under a steady trickle (real broker)', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  let producer: Producer | undefined;
  let consumer: KafkaConsumer | undefined;
  let trickle: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'test-admin');
  });
  afterAll(async () => {
    if (trickle) clearInterval(trickle);
    if (producer) await disconnect(producer);
    if (consumer) await closeConsumer(consumer);
    admin.close();
  });

  it('returns within a fraction of a second with what has arrived, not once n records came', async () => {
    const topic = uniqueName('trickle');
    await admin.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    producer = await createIdempotentProducer(kafka.settings, { clientId: 'trickle-producer' });
    let produced = 0;
    // One record every 20 ms (50/s): never a gap of the 250 ms consume timeout.
    trickle = setInterval(() => {
      producer!.produce(topic, null, Buffer.from(`{"n":${produced}}`), null, Date.now());
      produced++;
    }, 20);
    consumer = await createConsumer(kafka.settings, { clientId: 'trickle-consumer', groupId: uniqueName('trickle-group') });
    consumer.setDefaultConsumeTimeout(250);
    consumer.subscribe([topic]);
    let seen = 0;
    await waitUntil('the first record', async () => (seen += (await consumeBatch(consumer!, 1_000)).length) > 0, 30_000, 0);

    const polls: Array<{ ms: number; records: number }> = [];
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const records = (await consumeBatch(consumer, 1_000)).length;
      polls.push({ ms: Date.now() - started, records });
      seen += records;
    }
    // With the per-message default, each of these polls would wait for 1,000 records: 20 s apiece.
    expect(Math.max(...polls.map((p) => p.ms))).toBeLessThan(2_000);
    // Nothing is skipped by returning early: the polls together read the trickle as it came.
    expect(polls.reduce((sum, p) => sum + p.records, 0)).toBeGreaterThan(0);
    expect(seen).toBeLessThanOrEqual(produced);
  });
});

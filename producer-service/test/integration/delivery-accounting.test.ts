import { createIdempotentProducer, disconnect, KafkaAdmin, closeConsumer, type Producer } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import { createProducerMetrics, type ProducerMetrics } from '../../src/publish/producer-metrics';
import { PUBLISHER_PRODUCER_SETTINGS, RecordPublisher } from '../../src/publish/record-publisher';
import { topicCount, watermarkConsumer } from './topic-reader';

const PARTITIONS = 3;
const logger = createLogger({ service: 'test', level: 'silent' });

/**
 * The publisher's producer reports failures only; successes are counted from librdkafka's
 * statistics. On a real broker: the counts match the broker without a flush, and records that fail
 * are never counted as delivered.
 */
describe('RecordPublisher delivery accounting on a real broker', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  const topics = { events: uniqueName('accounting-events'), tracks: uniqueName('accounting-tracks') };
  const open: Producer[] = [];

  async function publisher(overrides: Record<string, number> = {}): Promise<{ publisher: RecordPublisher; metrics: ProducerMetrics; registry: ReturnType<typeof createRegistry> }> {
    const producer = await createIdempotentProducer(kafka.settings, { clientId: 'accounting-test', overrides: { ...PUBLISHER_PRODUCER_SETTINGS, ...overrides } });
    open.push(producer);
    const registry = createRegistry('test', false);
    const metrics = createProducerMetrics(registry);
    return { publisher: new RecordPublisher(producer, metrics, logger), metrics, registry };
  }

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'accounting-admin');
    await admin.ensureTopics(Object.values(topics).map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })));
  });
  afterAll(async () => {
    for (const producer of open) await disconnect(producer);
    for (const topic of Object.values(topics)) await admin.deleteTopic(topic).catch(() => undefined);
    admin.close();
  });

  it('counts every record and byte the broker acknowledged, by topic, from the statistics alone (no flush)', async () => {
    const { publisher: p, metrics, registry } = await publisher();
    const signal = new AbortController().signal;
    const value = (i: number): Buffer => Buffer.from(JSON.stringify({ i, pad: 'x'.repeat(i % 50) }));
    let trackBytes = 0;
    let eventBytes = 0;
    for (let i = 0; i < 2_000; i++) {
      const record = value(i);
      trackBytes += record.length;
      await p.offer(topics.tracks, `t${i}`, record, Date.now(), signal);
    }
    for (let i = 0; i < 60_000; i++) {
      const record = value(i);
      eventBytes += record.length;
      await p.offer(topics.events, `u${i % 500}`, record, Date.now(), signal);
    }
    const counters = metrics.counters;
    await waitUntil('every record counted delivered', () => counters.delivered === 62_000, 30_000, 50);
    expect(counters.topics.get(topics.tracks)).toEqual({ delivered: 2_000, bytes: trackBytes });
    expect(counters.topics.get(topics.events)).toEqual({ delivered: 60_000, bytes: eventBytes });
    expect(p.inFlight).toBe(0);
    const consumer = await watermarkConsumer(kafka.settings);
    try {
      expect(await topicCount(consumer, topics.events, PARTITIONS)).toBe(60_000);
      expect(await topicCount(consumer, topics.tracks, PARTITIONS)).toBe(2_000);
    } finally {
      await closeConsumer(consumer);
    }
    expect(await registry.metrics()).toMatch(/pipeline_producer_service_delivery_latency_seconds\{quantile="0.99",service="test"\} [0-9.e-]+/);
  });

  it('counts records that could not be delivered as failed by error code, never as delivered', async () => {
    // No such topic (auto-creation is off): the records wait for a partition until they time out.
    const { publisher: p, metrics } = await publisher({ 'message.timeout.ms': 2_000 });
    const missing = uniqueName('accounting-missing');
    const signal = new AbortController().signal;
    for (let i = 0; i < 500; i++) await p.offer(missing, 'k', Buffer.from('lost'), Date.now(), signal);
    for (let i = 0; i < 500; i++) await p.offer(topics.events, 'k', Buffer.from('kept'), Date.now(), signal);
    await p.flush(20_000);
    const counters = metrics.counters;
    expect([...counters.failed.values()].reduce((a, b) => a + b, 0)).toBe(500);
    expect(counters.topics.get(missing)?.delivered ?? 0).toBe(0);
    expect(counters.topics.get(topics.events)?.delivered).toBe(500);
    expect(counters.delivered).toBe(500);
    expect(p.inFlight).toBe(0);
  });
});

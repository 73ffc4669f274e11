import { KafkaAdmin, closeConsumer } from '@spotify-pipeline/shared/kafka';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { listeningEventV1 } from '@spotify-pipeline/shared/schemas';
import { readTopic, startKafka, uniqueName, waitUntil, type KafkaEndpoint } from '@spotify-pipeline/testkit';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import { topicCount, watermarkConsumer } from './topic-reader';

const PARTITIONS = 3;

/** Three days before the current hour, as PRODUCER_START_TIME. */
function recentStart(): string {
  return new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 86_400_000).toISOString().replace('.000Z', 'Z');
}
const EVENTS = 24_000;

describe('producer-service while the broker goes down', () => {
  let kafka: KafkaEndpoint;
  let admin: KafkaAdmin;
  const topics = { idempotent: uniqueName('events-restart'), exactlyOnce: uniqueName('events-restart-eo') };

  beforeAll(async () => {
    kafka = await startKafka();
    admin = KafkaAdmin.create(kafka.settings, 'producer-restart-admin');
    await admin.ensureTopics(Object.values(topics).map((name) => ({ name, partitions: PARTITIONS, replicationFactor: 1 })));
  });
  afterAll(async () => {
    for (const topic of Object.values(topics)) await admin.deleteTopic(topic).catch(() => undefined);
    admin.close();
  });

  it.each([
    ['idempotent', 'no event lost, few duplicates', false],
    ['exactly-once', 'every event exactly once', true],
  ] as const)('%s: keeps running through a broker kill -9 and restart: no crash, %s', async (mode, _what, exactlyOnce) => {
    const topic = exactlyOnce ? topics.exactlyOnce : topics.idempotent;
    const config = readConfig({
      PRODUCER_EXACTLY_ONCE: String(exactlyOnce),
      // Several transactions before, during and after the outage.
      PRODUCER_TRANSACTION_MS: '1000',
      KAFKA_BROKERS: kafka.settings.brokers.join(','),
      TOPICS_LISTENING_EVENTS: topic,
      HTTP_PORT: '0',
      LOG_LEVEL: 'silent',
      PRODUCER_BACKFILL: 'true',
      // Recent event times: the broker's time-based retention deletes records stamped long ago.
      PRODUCER_START_TIME: recentStart(),
      PRODUCER_DAYS: '3',
      PRODUCER_EVENTS: String(EVENTS),
      PRODUCER_USERS: '2000',
      PRODUCER_TRACKS: '1000',
      PRODUCER_PUBLISH_TRACKS: 'false',
      // Paced so the run is still producing when the broker dies.
      PRODUCER_MAX_RATE: '2000',
    });
    const registry = createRegistry('producer-service', false);
    const app = buildApp(config, { logger: createLogger({ service: 'producer-service', level: 'silent' }), registry });
    await app.start();
    const consumer = await watermarkConsumer(kafka.settings);
    try {
      await waitUntil('2,000 records on the broker', async () => (await topicCount(consumer, topic, PARTITIONS)) >= 2_000, 60_000, 100);
    } finally {
      await closeConsumer(consumer);
    }
    await kafka.restart(3_000);
    await app.done;
    expect(await app.close()).toBe(true);

    const messages = await readTopic(kafka.settings, topic, PARTITIONS);
    const ids = new Set<string>();
    let valid = 0;
    for (const message of messages) {
      const result = listeningEventV1.safeParse(JSON.parse(message.value!.toString('utf8')));
      if (!result.success) throw new Error(`invalid record at ${message.partition}/${message.offset}`);
      valid++;
      ids.add(result.data.event_id);
    }
    // Nothing lost: every generated event is on the broker.
    expect(ids.size).toBe(EVENTS);
    if (exactlyOnce) {
      // Transactions: what librdkafka resent under a new epoch belongs to an aborted transaction,
      // which read_committed never returns, and the commit re-sends the transaction's records once.
      expect(valid).toBe(EVENTS);
    } else {
      // Idempotence alone: a kill -9 of the only broker can cost it the producer state, and
      // librdkafka then resends requests whose outcome it never learned under a new epoch. They
      // carry the same event_id; keep their number small and seen.
      expect(valid - EVENTS).toBeLessThan(EVENTS * 0.05);
      if (valid > EVENTS) console.warn(`${mode}: broker kill -9 left ${valid - EVENTS} duplicate records (same event_id) of ${EVENTS}`);
    }
    const metrics = await registry.metrics();
    expect(metrics).not.toContain(`error_code="undefined"`);
    // The idempotent producer reports client errors through its event handler; a transactional run surfaces them as commit retries.
    if (!exactlyOnce) expect(metrics).toMatch(/pipeline_producer_service_kafka_errors_total\{error_code="[^"]+",service="producer-service"\} [1-9]/);
    expect(metrics).not.toContain('pipeline_producer_service_events_failed_total{');
  });
});

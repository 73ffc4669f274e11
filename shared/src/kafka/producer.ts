import KafkaJs from '@confluentinc/kafka-javascript';
import type { LibrdKafkaError, Producer } from '@confluentinc/kafka-javascript';
import { callback } from './kafka-error.js';
import { type KafkaSettings, type LibrdkafkaConfig, librdkafkaConfig } from './settings.js';

export type { Producer } from '@confluentinc/kafka-javascript';

export interface ProducerOptions {
  clientId: string;
  /** Extra librdkafka properties (compression.codec, linger.ms, ...); they win over the defaults. */
  overrides?: LibrdkafkaConfig;
}

/** Defaults for throughput with bounded memory: the local queue is capped, so `produce` pushes back. */
const PRODUCER_DEFAULTS: LibrdkafkaConfig = {
  'enable.idempotence': true,
  acks: 'all',
  'compression.codec': 'zstd',
  'linger.ms': 20,
  'batch.size': 1_000_000,
  'batch.num.messages': 10_000,
  'queue.buffering.max.kbytes': 65_536,
  'queue.buffering.max.messages': 200_000,
  dr_cb: true,
};

export function connect<C extends { connect: Producer['connect'] }>(client: C, timeoutMs: number): Promise<void> {
  return callback<void>('connect', 'KAFKA_UNAVAILABLE', (done) => {
    client.connect({ timeout: timeoutMs }, (err: LibrdKafkaError) => done(err));
  });
}

/**
 * An idempotent producer (`enable.idempotence`, `acks=all`): retries inside librdkafka cannot
 * duplicate or reorder records within a partition. Delivery reports arrive as 'delivery-report'
 * events, polled in the background.
 */
export async function createIdempotentProducer(settings: KafkaSettings, options: ProducerOptions): Promise<Producer> {
  const producer = new KafkaJs.Producer({
    ...librdkafkaConfig(settings, options.clientId),
    ...PRODUCER_DEFAULTS,
    ...options.overrides,
  } as never);
  await connect(producer, settings.requestTimeoutMs);
  producer.setPollInterval(50);
  return producer;
}

export function flush(producer: Producer, timeoutMs: number): Promise<void> {
  return callback<void>('producer flush', 'KAFKA_PRODUCE_FAILED', (done) => producer.flush(timeoutMs, done));
}

/** Flushes what is queued (up to `timeoutMs`), then disconnects. */
export function disconnect(producer: Producer, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    producer.disconnect(timeoutMs, () => resolve());
  });
}

import KafkaJs from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, MessageHeader, Producer, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { PipelineError } from '../errors/index.js';
import { callback, classifyKafkaError } from './kafka-error.js';
import { connect, disconnect, type ProducerOptions } from './producer.js';
import { type KafkaSettings, librdkafkaConfig } from './settings.js';

export interface TransactionalProducerOptions extends ProducerOptions {
  /**
   * Stable per consumer-group member slot is not needed with KIP-447 (group metadata fences
   * zombies), but it must be unique per live process: a second process with the same id fences
   * the first.
   */
  transactionalId: string;
  transactionTimeoutMs?: number;
}

export interface OutgoingRecord {
  topic: string;
  value: Buffer;
  key?: Buffer | string | null;
  partition?: number | null;
  timestamp?: number | null;
  headers?: MessageHeader[];
}

/**
 * A transactional producer: manifests and consumed offsets are committed together or not at all
 * (`sendOffsetsToTransaction`), which is what makes the sink and the ETL exactly once.
 */
export class TransactionalProducer {
  private inTransaction = false;

  private constructor(
    private readonly producer: Producer,
    private readonly timeoutMs: number,
  ) {}

  static async create(settings: KafkaSettings, options: TransactionalProducerOptions): Promise<TransactionalProducer> {
    const producer = new KafkaJs.Producer({
      ...librdkafkaConfig(settings, options.clientId),
      'transactional.id': options.transactionalId,
      'transaction.timeout.ms': options.transactionTimeoutMs ?? 60_000,
      'enable.idempotence': true,
      acks: 'all',
      'compression.codec': 'zstd',
      'linger.ms': 5,
      dr_cb: false,
      ...options.overrides,
    } as never);
    await connect(producer, settings.requestTimeoutMs);
    producer.setPollInterval(50);
    const txn = new TransactionalProducer(producer, settings.requestTimeoutMs);
    await callback('initTransactions', 'KAFKA_TRANSACTION_FAILED', (done) => producer.initTransactions(txn.timeoutMs * 2, done));
    return txn;
  }

  get active(): boolean {
    return this.inTransaction;
  }

  async begin(): Promise<void> {
    await callback('beginTransaction', 'KAFKA_TRANSACTION_FAILED', (done) => this.producer.beginTransaction(done));
    this.inTransaction = true;
  }

  produce(record: OutgoingRecord): void {
    if (!this.inTransaction) throw new PipelineError('INTERNAL', 'produce outside a transaction');
    try {
      this.producer.produce(
        record.topic,
        record.partition ?? null,
        record.value,
        record.key ?? null,
        record.timestamp ?? null,
        undefined,
        record.headers,
      );
    } catch (err) {
      throw classifyKafkaError(err, `produce to ${record.topic}`, 'KAFKA_PRODUCE_FAILED');
    }
  }

  /** Waits until every record produced so far is on the broker (commit does this too). */
  async flush(timeoutMs = this.timeoutMs): Promise<void> {
    await callback('producer flush', 'KAFKA_PRODUCE_FAILED', (done) => this.producer.flush(timeoutMs, done));
  }

  async sendOffsets(offsets: TopicPartitionOffset[], consumer: KafkaConsumer): Promise<void> {
    await callback('sendOffsetsToTransaction', 'KAFKA_TRANSACTION_FAILED', (done) =>
      this.producer.sendOffsetsToTransaction(offsets, consumer, this.timeoutMs, done),
    );
  }

  async commit(): Promise<void> {
    await callback('commitTransaction', 'KAFKA_TRANSACTION_FAILED', (done) => this.producer.commitTransaction(this.timeoutMs, done));
    this.inTransaction = false;
  }

  /** Aborting is best effort: after a fatal error the producer must be rebuilt anyway. */
  async abort(): Promise<void> {
    try {
      await callback('abortTransaction', 'KAFKA_TRANSACTION_FAILED', (done) => this.producer.abortTransaction(this.timeoutMs, done));
    } finally {
      this.inTransaction = false;
    }
  }

  async close(): Promise<void> {
    // An open transaction the broker never hears about again times out and aborts on its own.
    if (this.inTransaction) await this.abort().catch(() => undefined);
    await disconnect(this.producer);
  }
}

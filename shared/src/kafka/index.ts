export { kafkaSettingsSchema, librdkafkaConfig, type KafkaSettings, type LibrdkafkaConfig } from './settings.js';
export { classifyKafkaError } from './kafka-error.js';
export { createIdempotentProducer, flush, disconnect, type Producer, type ProducerOptions } from './producer.js';
export { TransactionalProducer, type OutgoingRecord, type TransactionalProducerOptions } from './transactional-producer.js';
export {
  createConsumer,
  consumeBatch,
  seek,
  closeConsumer,
  type ConsumerOptions,
  type RebalanceListener,
  type KafkaConsumer,
  type Message,
  type TopicPartition,
  type TopicPartitionOffset,
} from './consumer.js';
export { committedOffsets, OFFSET_NOT_COMMITTED } from './committed-offsets.js';
export { KafkaAdmin, type TopicSpec } from './admin.js';
export { mskIamTokenRefresh, type MskTokenSigner, type OAuthBearerToken } from './msk-iam.js';
export { deadLetterRecord, type DeadLetterInput } from './dead-letter.js';
export { consumesColumns } from './message-columns.js';
export { nextOffsets, rewindToCommitted, OFFSET_BEGINNING } from './consumer-offsets.js';
export {
  checkRetentionLoss,
  findRetentionLosses,
  reportRetentionLosses,
  retentionLossCounter,
  type RetentionLoss,
  type RetentionLossCheck,
} from './retention-loss.js';
export { FailureStreak, isFatal } from './failure-policy.js';

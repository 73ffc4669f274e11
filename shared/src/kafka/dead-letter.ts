import { createHash } from 'node:crypto';
import type { ErrorCode } from '../errors/index.js';
import { toKafkaHeaders, type PipelineStage } from '../schemas/dlq.js';
import type { OutgoingRecord } from './transactional-producer.js';

/** Room left for the key, the headers and the record framing under the message limit. */
const HEADROOM_BYTES = 16_384;

export interface DeadLetterInput {
  /** The DLQ topic. */
  topic: string;
  /** The original bytes (kept as they were, so a fixed consumer can replay them). */
  value: Buffer | null;
  key: Buffer | string | null;
  /**
   * The original record's Kafka timestamp: kept in the `source.timestamp` header, never as the DLQ
   * record's own timestamp (the producer stamps that with the time of dead-lettering). A topic on
   * Kafka 4 refuses records more than an hour ahead (message.timestamp.after.max.ms), so a dead
   * letter carrying a bad record's timestamp of 8.64e15 failed its transaction on every retry and
   * the stage never moved again.
   */
  timestamp?: number;
  code: ErrorCode;
  reason: string;
  source: { topic: string; partition: number; offset: number };
  stage: PipelineStage;
  /** The pipeline's message limit (KAFKA_MESSAGE_MAX_BYTES): the record must fit under it. */
  messageMaxBytes: number;
}

/**
 * The one way every stage builds a dead letter: the original key and bytes, and headers saying why
 * and where from. A value too large for the DLQ record to fit under the pipeline's message limit is
 * truncated, with its original size and sha256 in headers (`value.truncated`), because a DLQ
 * record that cannot be produced fails its transaction on every retry and the stage stops moving
 * (the same reason the original timestamp goes to a header).
 */
export function deadLetterRecord(input: DeadLetterInput): OutgoingRecord {
  const original = input.value ?? Buffer.alloc(0);
  const room = Math.max(0, input.messageMaxBytes - HEADROOM_BYTES);
  const truncated = original.length > room;
  const headers = toKafkaHeaders({
    'error.code': input.code,
    'error.message': input.reason,
    'source.topic': input.source.topic,
    'source.partition': input.source.partition,
    'source.offset': input.source.offset,
    'failed.stage': input.stage,
    ...(input.timestamp === undefined ? {} : { 'source.timestamp': input.timestamp }),
  });
  if (truncated) {
    headers.push({ 'value.truncated': 'true' }, { 'value.original_bytes': String(original.length) }, { 'value.original_sha256': createHash('sha256').update(original).digest('hex') });
  }
  return {
    topic: input.topic,
    key: input.key,
    value: truncated ? original.subarray(0, room) : original,
    headers,
  };
}

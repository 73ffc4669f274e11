import type { LibrdKafkaError } from '@confluentinc/kafka-javascript';
import { type ErrorCode, PipelineError } from '../errors/index.js';

const FENCED_CODES = new Set([
  -144, // ERR__FENCED: this producer was fenced by a newer instance with the same transactional.id
  90, // PRODUCER_FENCED
  47, // INVALID_PRODUCER_EPOCH
]);

const GROUP_GENERATION_CODES = new Set([
  22, // ILLEGAL_GENERATION: offsets sent for a generation the group has left behind
  25, // UNKNOWN_MEMBER_ID
  27, // REBALANCE_IN_PROGRESS
  110, // FENCED_INSTANCE_ID
]);

/** Broker: MESSAGE_TOO_LARGE (10); librdkafka's local check: ERR_MSG_SIZE_TOO_LARGE (also 10, as a positive code). */
const MSG_SIZE_TOO_LARGE = 10;
const MSG_SIZE_TOO_LARGE_LOCAL = -10;

function isLibrdKafkaError(err: unknown): err is LibrdKafkaError {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'number';
}

/**
 * Sorts a librdkafka error into our codes at the adapter boundary. Fatal and fenced errors are not
 * retriable with the same client: the caller must drop its state and rebuild. Abortable transaction
 * errors are retriable after an abort.
 */
export function classifyKafkaError(err: unknown, operation: string, fallback: ErrorCode = 'KAFKA_UNAVAILABLE'): PipelineError {
  if (err instanceof PipelineError) return err;
  if (!isLibrdKafkaError(err)) {
    return new PipelineError(fallback, `${operation} failed: ${String((err as Error)?.message ?? err)}`, { cause: err, retriable: false });
  }
  const message = `${operation} failed: ${err.message} (code ${err.code})`;
  const details = { kafkaCode: err.code, txnRequiresAbort: err.isTxnRequiresAbort === true, fatal: err.isFatal === true };
  if (FENCED_CODES.has(err.code) || err.isFatal) {
    return new PipelineError('KAFKA_FENCED', message, { cause: err, retriable: false, details });
  }
  if (GROUP_GENERATION_CODES.has(err.code)) {
    // The group moved on: our offsets are stale, so the batch must be abandoned, not re-sent.
    return new PipelineError('KAFKA_TRANSACTION_FAILED', message, { cause: err, retriable: false, details: { ...details, rebalanced: true } });
  }
  if (err.code === MSG_SIZE_TOO_LARGE || err.code === -MSG_SIZE_TOO_LARGE_LOCAL) {
    // Too big now, too big on every retry: it was once retried forever, abandoning the sink's round each time.
    return new PipelineError('RECORD_TOO_LARGE', message, { cause: err, retriable: false, details });
  }
  if (err.isTxnRequiresAbort) {
    return new PipelineError('KAFKA_TRANSACTION_FAILED', message, { cause: err, retriable: true, details });
  }
  return new PipelineError(fallback, message, { cause: err, retriable: err.isRetriable !== false, details });
}

/** Adapts librdkafka's node-style callbacks to promises, classifying the error. */
export function callback<T = void>(
  operation: string,
  fallback: ErrorCode,
  run: (done: (err: LibrdKafkaError | null | undefined, value?: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    run((err, value) => {
      if (err) reject(classifyKafkaError(err, operation, fallback));
      else resolve(value as T);
    });
  });
}

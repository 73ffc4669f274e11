import type { KafkaConsumer, LibrdKafkaError, Message, MessageHeader } from '@confluentinc/kafka-javascript';

/** A partition read to its end (enable.partition.eof), as the client emits it in 'partition.eof'. */
export interface PartitionEof {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * A consumed batch as the native `consumeColumns` returns it (native/kafka-consume-columns): every
 * value in one Buffer, every key in another, `META_FIELDS` numbers per message in `meta`, the batch's
 * topic names, the headers of the messages that have any (sparse, by message index), and the
 * partitions read to their end during the batch.
 */
export interface MessageColumns {
  values: Buffer;
  keys: Buffer;
  meta: Float64Array;
  topics: string[];
  headers: Array<MessageHeader[] | undefined>;
  eofs: PartitionEof[];
}

/** Per message in `meta`: partition, offset, timestamp, value length (-1: null), key length (-1: null), topic index. */
export const META_FIELDS = 6;

type ColumnsCallback = (
  err: LibrdKafkaError | null,
  values?: Buffer,
  meta?: Float64Array,
  keys?: Buffer,
  topics?: string[],
  headers?: Array<MessageHeader[] | undefined>,
  eofs?: Array<PartitionEof & { messageIndex?: number }>,
) => void;

/** The client's native handle and the consume settings its JS wrapper keeps (set through setDefaultConsumeTimeout & co.). */
interface ConsumerInternals {
  _client?: { consumeColumns?: (timeoutMs: number, max: number, timeoutOnlyForFirstMessage: boolean, cb: ColumnsCallback) => void };
  _consumeTimeout?: number;
  _consumeIsTimeoutOnlyForFirstMessage?: boolean;
}

/** The client's own default consume timeout (lib/kafka-consumer.js DEFAULT_CONSUME_TIME_OUT). */
const CLIENT_DEFAULT_CONSUME_TIMEOUT_MS = 1_000;

/** Whether this consumer's addon was built with `consumeColumns` (a client installed without the patch has only `consume`). */
export function consumesColumns(consumer: KafkaConsumer): boolean {
  return typeof (consumer as unknown as ConsumerInternals)._client?.consumeColumns === 'function';
}

/**
 * One native batch consume, as columns: the same librdkafka loop as the client's `consume(n)` with
 * the consumer's consume timeout and first-message-only setting, without the client's per-message
 * objects and 'data' events (nothing here listens to them).
 */
export function consumeColumns(consumer: KafkaConsumer, max: number, done: (err: LibrdKafkaError | null, columns?: MessageColumns) => void): void {
  const internals = consumer as unknown as ConsumerInternals;
  internals._client!.consumeColumns!(
    internals._consumeTimeout ?? CLIENT_DEFAULT_CONSUME_TIMEOUT_MS,
    max,
    internals._consumeIsTimeoutOnlyForFirstMessage ?? false,
    (err, values, meta, keys, topics, headers, eofs) =>
      err ? done(err) : done(null, { values: values!, meta: meta!, keys: keys!, topics: topics!, headers: headers!, eofs: (eofs ?? []).map(({ topic, partition, offset }) => ({ topic, partition, offset })) }),
  );
}

/**
 * The client's message objects for a columnar batch: value and key are views into the batch's two
 * Buffers (no copy; a view kept alive keeps its batch's Buffer alive), the other fields as the client
 * sets them (`headers` only on messages that have some; no `leaderEpoch`, which nothing here reads).
 */
export function messagesFromColumns(columns: MessageColumns): Message[] {
  const { values, keys, meta, topics, headers } = columns;
  const count = meta.length / META_FIELDS;
  const messages = new Array<Message>(count);
  let valueAt = 0;
  let keyAt = 0;
  for (let i = 0; i < count; i++) {
    const row = i * META_FIELDS;
    const valueLength = meta[row + 3]!;
    const keyLength = meta[row + 4]!;
    const value = valueLength < 0 ? null : values.subarray(valueAt, valueAt + valueLength);
    if (valueLength > 0) valueAt += valueLength;
    const key = keyLength < 0 ? null : keys.subarray(keyAt, keyAt + keyLength);
    if (keyLength > 0) keyAt += keyLength;
    const message: Message = {
      value,
      size: valueLength < 0 ? 0 : valueLength,
      key,
      topic: topics[meta[row + 5]!]!,
      offset: meta[row + 1]!,
      partition: meta[row]!,
      timestamp: meta[row + 2]!,
    };
    const messageHeaders = headers[i];
    if (messageHeaders) message.headers = messageHeaders;
    messages[i] = message;
  }
  return messages;
}

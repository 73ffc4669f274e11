/**
 * What librdkafka adds to a record's key, value and headers when it checks message.max.bytes at
 * produce time (rd_kafka_msg_new0: RD_KAFKAP_MESSAGE_V2_MAX_OVERHEAD, the largest v2 record framing:
 * varints of the length, timestamp and offset deltas, key and value lengths and header count).
 */
export const RECORD_FRAMING_BYTES = 36;

/**
 * The size librdkafka counts for a record without headers, when it is over `messageMaxBytes` and
 * would be refused (MSG_SIZE_TOO_LARGE, the same on every retry); undefined when it fits. The value
 * is already bytes; the key's UTF-8 is measured only when its characters, at most 3 bytes each,
 * could take the record over, so a record of ordinary size costs one comparison.
 */
export function oversizedRecordBytes(key: string, value: Buffer, messageMaxBytes: number): number | undefined {
  const known = RECORD_FRAMING_BYTES + value.length;
  if (known + key.length * 3 <= messageMaxBytes) return undefined;
  const bytes = known + Buffer.byteLength(key, 'utf8');
  return bytes > messageMaxBytes ? bytes : undefined;
}

import { deadLetterRecord as sharedDeadLetter, type OutgoingRecord } from '@spotify-pipeline/shared/kafka';
import type { DeadLetter } from '../pipeline/partition-batch.js';

/**
 * The DLQ record of a bad record (the shared builder: original key and bytes, why and where from,
 * truncated only to fit the pipeline's message limit). Produced inside the transaction that commits
 * the offsets passing it, so a crash can neither lose it nor write it twice.
 */
export function deadLetterRecord(letter: DeadLetter, dlqTopic: string, messageMaxBytes: number): OutgoingRecord {
  const { record } = letter;
  return sharedDeadLetter({
    topic: dlqTopic,
    key: record.key,
    value: record.value,
    timestamp: record.timestamp,
    code: letter.code,
    reason: letter.reason,
    source: { topic: record.topic, partition: record.partition, offset: record.offset },
    stage: 'sink',
    messageMaxBytes,
  });
}

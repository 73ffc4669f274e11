import { toKafkaHeaders } from '@spotify-pipeline/shared/schemas';
import type { OutgoingRecord } from '@spotify-pipeline/shared/kafka';
import type { DeadLetter } from '../pipeline/partition-batch.js';

/**
 * The DLQ record of a bad record: its original key and bytes untouched (a fixed consumer can
 * replay it) and the DLQ headers saying why and where from. Produced inside the transaction that
 * commits the offsets passing it, so a crash can neither lose it nor write it twice.
 */
export function deadLetterRecord(letter: DeadLetter, dlqTopic: string): OutgoingRecord {
  const { record } = letter;
  return {
    topic: dlqTopic,
    key: record.key,
    value: record.value ?? Buffer.alloc(0),
    timestamp: record.timestamp,
    headers: toKafkaHeaders({
      'error.code': letter.code,
      'error.message': letter.reason,
      'source.topic': record.topic,
      'source.partition': record.partition,
      'source.offset': record.offset,
      'failed.stage': 'sink',
    }),
  };
}

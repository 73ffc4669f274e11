import { createHash } from 'node:crypto';
import { deadLetterRecord } from '@spotify-pipeline/shared/kafka';
import { fromKafkaHeaders } from '@spotify-pipeline/shared/schemas';

const base = { topic: 'events.dlq', key: 'user-1', code: 'RECORD_TOO_LARGE' as const, reason: 'value is 2 MB', source: { topic: 'events', partition: 3, offset: 42 }, stage: 'sink' as const };

describe('deadLetterRecord', () => {
  it('keeps the original key and bytes, and says why and where from', () => {
    const value = Buffer.from('{"event_id":"x"}');
    const record = deadLetterRecord({ ...base, value, messageMaxBytes: 1_000_000 });
    expect(record.value).toBe(value);
    expect(record.key).toBe('user-1');
    expect(fromKafkaHeaders(record.headers as never)).toEqual({
      'error.code': 'RECORD_TOO_LARGE',
      'error.message': 'value is 2 MB',
      'source.topic': 'events',
      'source.partition': 3,
      'source.offset': 42,
      'failed.stage': 'sink',
    });
  });

  it('cuts a value that would not fit under the message limit, with its original size and sha256', () => {
    const value = Buffer.alloc(1_200_000, 'a');
    const record = deadLetterRecord({ ...base, value, messageMaxBytes: 1_000_000 });
    expect(record.value.length).toBeLessThanOrEqual(1_000_000 - 16_384);
    expect(value.subarray(0, record.value.length).equals(record.value)).toBe(true);
    expect(fromKafkaHeaders(record.headers as never)).toMatchObject({
      'value.truncated': 'true',
      'value.original_bytes': 1_200_000,
      'value.original_sha256': createHash('sha256').update(value).digest('hex'),
    });
  });

  it('keeps the original Kafka timestamp in a header, never as the DLQ record\'s own (a broker refuses one far ahead)', () => {
    const record = deadLetterRecord({ ...base, code: 'RECORD_INVALID', value: Buffer.from('{}'), timestamp: 8.64e15, messageMaxBytes: 1_000_000 });
    expect(record.timestamp).toBeUndefined();
    expect(fromKafkaHeaders(record.headers as never)['source.timestamp']).toBe(8.64e15);
    const none = deadLetterRecord({ ...base, value: Buffer.from('{}'), messageMaxBytes: 1_000_000 });
    expect(fromKafkaHeaders(none.headers as never)['source.timestamp']).toBeUndefined();
  });
});

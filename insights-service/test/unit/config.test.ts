import { maxRecordBytesOf, readConfig } from '../../src/config';

describe('insights-service config', () => {
  const base = { KAFKA_BROKERS: 'localhost:9092' };

  it('counts records up to the pipeline\'s one message limit, as the sink stages them: INSIGHTS_MAX_RECORD_BYTES follows KAFKA_MESSAGE_MAX_BYTES when unset', () => {
    expect(maxRecordBytesOf(readConfig(base))).toBe(1_000_000);
    expect(maxRecordBytesOf(readConfig({ ...base, KAFKA_MESSAGE_MAX_BYTES: '500000' }))).toBe(500_000);
    expect(maxRecordBytesOf(readConfig({ ...base, INSIGHTS_MAX_RECORD_BYTES: '2000' }))).toBe(2_000);
  });
});

import { readConfig } from '../../src/config';

describe('consumer-service config', () => {
  const base = { KAFKA_BROKERS: 'localhost:9092' };

  it('has a default for everything but the brokers', () => {
    const config = readConfig(base);
    expect(config.sink).toMatchObject({ groupId: 'consumer-service', transactionTimeoutMs: 30_000, format: 'ndjson', gzipLevel: 1 });
    expect(config.sink.transactionalId).toBeUndefined();
    expect(config.storage.stagingBucket).toBe('spotify-staging');
  });

  it('reads SINK_* variables, with units in their names', () => {
    const config = readConfig({ ...base, SINK_MAX_BATCH_BYTES: '1048576', SINK_TRANSACTIONAL_ID: 'sink-0', SINK_SOURCE_TOPICS: 'a, b' });
    expect(config.sink.maxBatchBytes).toBe(1_048_576);
    expect(config.sink.transactionalId).toBe('sink-0');
    expect(config.sink.sourceTopics).toEqual(['a', 'b']);
  });

  it('fails naming the variable and the fix', () => {
    expect(() => readConfig({ ...base, SINK_GZIP_LEVEL: '12' })).toThrow(/SINK_GZIP_LEVEL="12" is invalid.*Fix: set SINK_GZIP_LEVEL/);
  });
});

import { readConfig } from '../../src/config';

describe('etl-worker config', () => {
  it('needs only the broker list, and defaults the rest', () => {
    const config = readConfig({ KAFKA_BROKERS: 'localhost:9092' });
    expect(config.etl).toMatchObject({
      groupId: 'etl-worker',
      rowGroupRows: 122_880,
      compactionTargetBytes: 128 * 1024 * 1024,
      allowedLatenessMs: 7_200_000,
    });
    expect(config.etl.transactionalId).toBeUndefined();
    expect(config.storage.lakeBucket).toBe('spotify-lake');
    // The lake's Iceberg catalog: a REST catalog by default, its tables in one namespace.
    expect(config.iceberg).toMatchObject({ catalog: 'rest', namespace: 'spotify_lake' });
    expect(config.iceberg.restUri).toBeUndefined();
  });

  it('reads ICEBERG_* variables and refuses an unknown catalog kind', () => {
    const config = readConfig({ KAFKA_BROKERS: 'b:9092', ICEBERG_REST_URI: 'http://catalog:8181', ICEBERG_NAMESPACE: 'lake_test' });
    expect(config.iceberg).toMatchObject({ restUri: 'http://catalog:8181', namespace: 'lake_test' });
    expect(() => readConfig({ KAFKA_BROKERS: 'b:9092', ICEBERG_CATALOG: 'hive' })).toThrow(/ICEBERG_CATALOG/);
  });

  it('reads ETL_* variables', () => {
    const config = readConfig({ KAFKA_BROKERS: 'b:9092', ETL_TRANSACTIONAL_ID: 'etl-0', ETL_COMPACTION_INTERVAL_MS: '0', ETL_TMP_DIR: '/mnt/tmpfs' });
    expect(config.etl).toMatchObject({ transactionalId: 'etl-0', compactionIntervalMs: 0, tmpDir: '/mnt/tmpfs' });
  });

  it('fails naming the variable and the fix for a bad value, before connecting anywhere', () => {
    expect(() => readConfig({ KAFKA_BROKERS: 'b:9092', ETL_ROW_GROUP_ROWS: '10' })).toThrow(/ETL_ROW_GROUP_ROWS/);
    expect(() => readConfig({ KAFKA_BROKERS: 'b:9092', ETL_ROW_GROUP_ROWS: '10' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

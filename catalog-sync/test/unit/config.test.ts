import { readConfig } from '../../src/config';

const base = { KAFKA_BROKERS: 'localhost:9092' };

describe('catalog-sync configuration', () => {
  it('defaults to the local REST catalog and DuckDB, with no crawler', () => {
    const config = readConfig(base);
    expect(config.iceberg).toMatchObject({ catalog: 'rest', namespace: 'spotify_lake' });
    expect(config.catalog.engine).toBe('duckdb');
    expect(config.crawler.name).toBeUndefined();
  });

  it('refuses a crawler without its role in one line naming the variable and the fix', () => {
    expect(() => readConfig({ ...base, CRAWLER_NAME: 'lake' })).toThrow(/^Invalid configuration: CRAWLER_ROLE_ARN is required when CRAWLER_NAME is set\. Fix: /);
    expect(() => readConfig({ ...base, CRAWLER_NAME: 'lake' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });

  it('no longer takes the Hive-era catalog modes', () => {
    expect(() => readConfig({ ...base, CATALOG_ENGINE: 'glue' })).toThrow(/CATALOG_ENGINE/);
  });
});

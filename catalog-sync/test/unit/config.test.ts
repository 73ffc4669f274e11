import { EXIT_CONFIG, runService, type ProcessLike } from '@spotify-pipeline/shared/lifecycle';
import { configSchema, readConfig } from '../../src/config';

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

describe('catalog-sync at start (runService, as main.ts runs it)', () => {
  const run = async (env: Record<string, string>) => {
    const err: string[] = [];
    const proc: ProcessLike = {
      env,
      stdout: { write: (_text: string, written?: () => void) => (written?.(), true) },
      stderr: { write: (text: string) => err.push(text) },
      exit: (code: number): never => {
        throw Object.assign(new Error(`exit ${code}`), { exitCode: code });
      },
      on: () => undefined,
    };
    const build = jest.fn();
    const exit = await runService(proc, { service: 'catalog-sync', configSchema, loadConfig: readConfig, logLevel: () => 'silent', build }).then(
      () => undefined,
      (e: { exitCode?: number }) => e.exitCode,
    );
    return { exit, err, built: build.mock.calls.length > 0 };
  };

  it('a crawler without its role: one line (no stack, no JSON), exit 78, nothing built', async () => {
    const { exit, err, built } = await run({ ...base, CRAWLER_NAME: 'lake' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toEqual([expect.stringMatching(/^catalog-sync: Invalid configuration: CRAWLER_ROLE_ARN is required when CRAWLER_NAME is set\. Fix: [^\n]*\n$/)]);
    expect(built).toBe(false);
  });

  it('the Glue catalog without ICEBERG_WAREHOUSE: one line, exit 78', async () => {
    const { exit, err } = await run({ ...base, ICEBERG_CATALOG: 'glue' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toEqual([expect.stringMatching(/^catalog-sync: Invalid configuration: ICEBERG_WAREHOUSE: required when ICEBERG_CATALOG=glue\. Fix: [^\n]*\n$/)]);
  });
});

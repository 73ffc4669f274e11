import { EXIT_CONFIG, runService, type ProcessLike } from '@spotify-pipeline/shared/lifecycle';
import { configSchema, readConfig } from '../../src/config';

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

describe('etl-worker at start (runService, as main.ts runs it)', () => {
  const run = async (env: Record<string, string>, args: string[] = []) => {
    const out: string[] = [];
    const err: string[] = [];
    const proc: ProcessLike = {
      env,
      stdout: { write: (text: string, written?: () => void) => (out.push(text), written?.(), true) },
      stderr: { write: (text: string) => err.push(text) },
      exit: (code: number): never => {
        throw Object.assign(new Error(`exit ${code}`), { exitCode: code });
      },
      on: () => undefined,
    };
    const build = jest.fn();
    const exit = await runService(proc, { service: 'etl-worker', configSchema, loadConfig: readConfig, logLevel: () => 'silent', build }, args).then(
      () => undefined,
      (e: { exitCode?: number }) => e.exitCode,
    );
    return { exit, out: out.join(''), err, built: build.mock.calls.length > 0 };
  };

  it('the Glue catalog without its account id: one line naming ICEBERG_WAREHOUSE, exit 78, before the catalog client is built', async () => {
    const { exit, err, out, built } = await run({ KAFKA_BROKERS: 'localhost:9092', ICEBERG_CATALOG: 'glue' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^etl-worker: Invalid configuration: ICEBERG_WAREHOUSE: required when ICEBERG_CATALOG=glue\. Fix: set ICEBERG_WAREHOUSE — .*account id.*\n$/);
    expect(out).toBe('');
    expect(built).toBe(false);
  });

  it('a bad value: one line naming the variable, exit 78', async () => {
    const { exit, err } = await run({ KAFKA_BROKERS: 'localhost:9092', ETL_PARALLEL_WRITES: '0' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toEqual([expect.stringMatching(/^etl-worker: Invalid configuration: ETL_PARALLEL_WRITES="0" is invalid: [^\n]*\n$/)]);
  });

  it('--help: the ETL_* and ICEBERG_* variables on stdout, exit 0', async () => {
    const { exit, out } = await run({}, ['-h']);
    expect(exit).toBe(0);
    for (const name of ['ETL_ROW_GROUP_ROWS', 'ETL_COMPACTION_TARGET_BYTES', 'ICEBERG_WAREHOUSE', 'ICEBERG_REQUEST_TIMEOUT_MS', 'KAFKA_SSL_CA_LOCATION']) expect(out).toContain(`  ${name}  `);
  });
});

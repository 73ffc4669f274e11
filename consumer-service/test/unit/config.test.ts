import { EXIT_CONFIG, runService, type ProcessLike } from '@spotify-pipeline/shared/lifecycle';
import { configSchema, maxRecordBytesOf, readConfig } from '../../src/config';

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

  it('stages records up to the pipeline\'s one message limit: SINK_MAX_RECORD_BYTES follows KAFKA_MESSAGE_MAX_BYTES when unset', () => {
    expect(maxRecordBytesOf(readConfig(base))).toBe(1_000_000);
    expect(maxRecordBytesOf(readConfig({ ...base, KAFKA_MESSAGE_MAX_BYTES: '500000' }))).toBe(500_000);
    // Lower than the limit stays allowed (the DLQ integration test stages with 2,000).
    expect(maxRecordBytesOf(readConfig({ ...base, SINK_MAX_RECORD_BYTES: '2000' }))).toBe(2_000);
    expect(maxRecordBytesOf(readConfig({ ...base, SINK_MAX_RECORD_BYTES: '1000000' }))).toBe(1_000_000);
  });

  it('refuses SINK_MAX_RECORD_BYTES above KAFKA_MESSAGE_MAX_BYTES, naming both', () => {
    // The old default, 1 MiB, is above the pipeline's default limit of 1,000,000.
    expect(() => readConfig({ ...base, SINK_MAX_RECORD_BYTES: '1048576' })).toThrow(/SINK_MAX_RECORD_BYTES="1048576" is invalid: above KAFKA_MESSAGE_MAX_BYTES \(1000000\)/);
    expect(() => readConfig({ ...base, KAFKA_MESSAGE_MAX_BYTES: '500000', SINK_MAX_RECORD_BYTES: '600000' })).toThrow(/above KAFKA_MESSAGE_MAX_BYTES \(500000\)/);
  });

  it('fails naming the variable and the fix', () => {
    expect(() => readConfig({ ...base, SINK_GZIP_LEVEL: '12' })).toThrow(/SINK_GZIP_LEVEL="12" is invalid.*Fix: set SINK_GZIP_LEVEL/);
  });
});

describe('consumer-service at start (runService, as main.ts runs it)', () => {
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
    const exit = await runService(proc, { service: 'consumer-service', configSchema, loadConfig: readConfig, logLevel: () => 'silent', build }, args).then(
      () => undefined,
      (e: { exitCode?: number }) => e.exitCode,
    );
    return { exit, out: out.join(''), err, built: build.mock.calls.length > 0 };
  };

  it('a bad value: one line naming the variable on stderr, exit 78, nothing built', async () => {
    const { exit, err, out, built } = await run({ KAFKA_BROKERS: 'localhost:9092', SINK_MAX_BUFFERED_BYTES: '10' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^consumer-service: Invalid configuration: SINK_MAX_BUFFERED_BYTES="10" is invalid: .* Fix: set SINK_MAX_BUFFERED_BYTES — .*\n$/);
    expect(err[0]!.trimEnd()).not.toContain('\n');
    expect(out).toBe('');
    expect(built).toBe(false);
  });

  it('a record limit above the message limit: one line, exit 78, nothing built', async () => {
    const { exit, err, out, built } = await run({ KAFKA_BROKERS: 'localhost:9092', KAFKA_MESSAGE_MAX_BYTES: '1000000', SINK_MAX_RECORD_BYTES: '1048576' });
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^consumer-service: Invalid configuration: SINK_MAX_RECORD_BYTES="1048576" is invalid: above KAFKA_MESSAGE_MAX_BYTES \(1000000\).* Fix: set SINK_MAX_RECORD_BYTES — .*\n$/);
    expect(err[0]!.trimEnd()).not.toContain('\n');
    expect(out).toBe('');
    expect(built).toBe(false);
  });

  it('--help: every SINK_* variable on stdout, exit 0', async () => {
    const { exit, out, err } = await run({}, ['--help']);
    expect(exit).toBe(0);
    for (const name of ['KAFKA_BROKERS', 'SINK_FLUSH_INTERVAL_MS', 'SINK_MAX_BUFFERED_BYTES', 'STORAGE_STAGING_PREFIX', 'TOPICS_DLQ', 'HTTP_PORT']) expect(out).toContain(`  ${name}  `);
    expect(out).toContain('HTTP_PORT  integer >= 0; default 9462');
    expect(err).toEqual([]);
  });
});

import { z } from 'zod';
import { envInt, envString, loadConfig, type Env } from '@spotify-pipeline/shared/config';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { EXIT_CONFIG, EXIT_USAGE, runService, type ProcessLike, type ServiceApp, type ServiceSpec } from '@spotify-pipeline/shared/lifecycle';

/** proc.exit ends the run like process.exit would: nothing after it may execute. */
class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function fakeProcess(env: Env, options: { throwOnExit?: boolean } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  let exited!: (code: number) => void;
  const exitCode = new Promise<number>((resolve) => (exited = resolve));
  const proc: ProcessLike = {
    env,
    stdout: { write: (text: string, written?: () => void) => (stdout.push(text), written?.(), true) },
    stderr: { write: (text: string) => stderr.push(text) },
    exit: ((code: number) => {
      exited(code);
      if (options.throwOnExit ?? true) throw new Exited(code);
    }) as (code: number) => never,
    on: () => undefined,
  };
  return { proc, stdout, stderr, exitCode };
}

/** Runs until proc.exit; the exit code, or a failure if the service never exits. */
async function exitOf(run: Promise<void>): Promise<number> {
  try {
    await run;
  } catch (err) {
    if (err instanceof Exited) return err.code;
    throw err;
  }
  throw new Error('runService returned without exiting');
}

const schema = z.strictObject({
  brokers: envString('Kafka bootstrap servers, e.g. localhost:9092'),
  worker: z.strictObject({ flushIntervalMs: envInt('flush after this long', 1).default(60_000) }).prefault({}),
});
type Config = z.output<typeof schema>;

function spec(build: ServiceSpec<Config>['build']): ServiceSpec<Config> {
  return { service: 'test-service', configSchema: schema, loadConfig: (env) => loadConfig(schema, env), logLevel: () => 'silent', build };
}

const neverBuilt = jest.fn<ServiceApp, []>();
const good = { BROKERS: 'localhost:9092' };

describe('runService', () => {
  beforeEach(() => neverBuilt.mockReset());

  it.each(['--help', '-h'])('answers %s with the variables on stdout and exits 0, reading no config', async (flag) => {
    const { proc, stdout, stderr } = fakeProcess({ WORKER_FLUSH_INTERVAL_MS: 'not a number' });
    expect(await exitOf(runService(proc, spec(neverBuilt), [flag]))).toBe(0);
    expect(stdout.join('')).toMatch(/^Usage: test-service \[--help\]\n/);
    expect(stdout.join('')).toContain('  BROKERS  string; required\n');
    expect(stdout.join('')).toContain('  WORKER_FLUSH_INTERVAL_MS  integer >= 1, ms; default 60000 (1 min)\n');
    expect(stderr).toEqual([]);
    expect(neverBuilt).not.toHaveBeenCalled();
  });

  it('refuses an argument it does not take with exit 64, instead of ignoring it', async () => {
    const { proc, stderr } = fakeProcess(good);
    expect(await exitOf(runService(proc, spec(neverBuilt), ['--brokers=x']))).toBe(EXIT_USAGE);
    expect(stderr.join('')).toMatch(/^test-service: unexpected argument "--brokers=x".*see --help\)\n$/);
    expect(neverBuilt).not.toHaveBeenCalled();
  });

  it('exits 78 with one line naming the variable for a bad value, before building anything', async () => {
    const { proc, stdout, stderr } = fakeProcess({ ...good, WORKER_FLUSH_INTERVAL_MS: 'soon' });
    expect(await exitOf(runService(proc, spec(neverBuilt), []))).toBe(EXIT_CONFIG);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toMatch(/^test-service: Invalid configuration: WORKER_FLUSH_INTERVAL_MS="soon" is invalid: .*Fix: set WORKER_FLUSH_INTERVAL_MS — flush after this long\.\n$/);
    expect(stdout).toEqual([]);
    expect(neverBuilt).not.toHaveBeenCalled();
  });

  it('exits 78 with one line for a malformed PIPELINE_FAULT_POINTS', async () => {
    const { proc, stderr } = fakeProcess({ ...good, PIPELINE_FAULT_POINTS: 'catalog.after-commit@never' });
    expect(await exitOf(runService(proc, spec(neverBuilt), []))).toBe(EXIT_CONFIG);
    expect(stderr).toHaveLength(1);
    expect(stderr[0]).toContain('PIPELINE_FAULT_POINTS="catalog.after-commit@never" is invalid');
  });

  it('exits 78 with one line for a configuration error found while building (no stack, no JSON)', async () => {
    const { proc, stdout, stderr } = fakeProcess(good);
    const build = () => {
      throw new PipelineError('CONFIG_INVALID', 'ICEBERG_WAREHOUSE is required when ICEBERG_CATALOG=glue. Fix: set ICEBERG_WAREHOUSE.');
    };
    expect(await exitOf(runService(proc, spec(build), []))).toBe(EXIT_CONFIG);
    expect(stderr).toEqual(['test-service: ICEBERG_WAREHOUSE is required when ICEBERG_CATALOG=glue. Fix: set ICEBERG_WAREHOUSE.\n']);
    expect(stdout).toEqual([]);
  });

  it('exits 78 with one line for a configuration error found while starting, and 1 for any other failure', async () => {
    const failing = (err: Error) => async (): Promise<ServiceApp> => ({ start: () => Promise.reject(err), close: async () => true });
    const config = fakeProcess(good);
    expect(await exitOf(runService(config.proc, spec(failing(new PipelineError('CONFIG_INVALID', 'replay input /x cannot be read'))), []))).toBe(EXIT_CONFIG);
    expect(config.stderr).toEqual(['test-service: replay input /x cannot be read\n']);
    const crash = fakeProcess(good);
    expect(await exitOf(runService(crash.proc, spec(failing(new PipelineError('KAFKA_UNAVAILABLE', 'broker down'))), []))).toBe(1);
    expect(crash.stderr).toEqual([]);
  });

  it('drains and exits 78 with one line when the running app stops on a configuration error', async () => {
    const { proc, stderr, exitCode } = fakeProcess(good, { throwOnExit: false });
    const close = jest.fn(async () => true);
    const done = Promise.reject(new PipelineError('CONFIG_INVALID', 'replay input /exports cannot be read: ENOENT'));
    done.catch(() => undefined);
    await runService(proc, spec(() => ({ start: async () => undefined, close, done })), []);
    expect(await exitCode).toBe(EXIT_CONFIG);
    expect(close).toHaveBeenCalledTimes(1);
    expect(stderr).toEqual(['test-service: replay input /exports cannot be read: ENOENT\n']);
  });

  it('exits 0 after a clean close when the app completes', async () => {
    const { proc, exitCode } = fakeProcess(good, { throwOnExit: false });
    await runService(proc, spec(() => ({ start: async () => undefined, close: async () => true, done: Promise.resolve() })), []);
    expect(await exitCode).toBe(0);
  });
});

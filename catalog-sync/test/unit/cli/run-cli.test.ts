import { runCli, type CliIo } from '../../../src/cli/run-cli';

function io(env: Record<string, string>): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { env, out, err, stdout: { write: (text: string) => out.push(text) }, stderr: { write: (text: string) => err.push(text) } };
}

describe('catalog-sync command line', () => {
  it.each([['--help'], ['-h'], ['report', '--help']])('%s: the commands and every variable on stdout, exit 0', async (...argv) => {
    const cli = io({});
    expect(await runCli(argv, cli)).toBe(0);
    const text = cli.out.join('');
    expect(text).toMatch(/^usage:\n {2}catalog-sync {3}/);
    for (const name of ['KAFKA_BROKERS', 'ICEBERG_CATALOG', 'CATALOG_JANITOR_INTERVAL_MS', 'CRAWLER_ROLE_ARN', 'ATHENA_OUTPUT_LOCATION', 'LOCAL_CACHE_DIR']) expect(text).toContain(`  ${name}  `);
    expect(cli.err).toEqual([]);
  });

  it('a bad value: one line naming the variable, exit 78, before connecting anywhere', async () => {
    const cli = io({ S3_FORCE_PATH_STYLE: 'maybe', ICEBERG_REST_URI: 'http://127.0.0.1:1' });
    expect(await runCli(['catalog', 'status'], cli)).toBe(78);
    expect(cli.err).toEqual([expect.stringMatching(/^catalog-sync: Invalid configuration: S3_FORCE_PATH_STYLE="maybe" is invalid: [^\n]*\n$/)]);
    expect(cli.out).toEqual([]);
  });

  it('an unknown command: the usage on stderr, exit 2', async () => {
    const cli = io({});
    expect(await runCli(['vacuum'], cli)).toBe(2);
    expect(cli.err.join('')).toMatch(/^usage:/);
    expect(cli.out).toEqual([]);
  });
});

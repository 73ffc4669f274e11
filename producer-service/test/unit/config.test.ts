import { EXIT_CONFIG, runService, type ProcessLike } from '@spotify-pipeline/shared/lifecycle';
import { helpText } from '../../src/cli/command-line';
import { configSchema, readConfig } from '../../src/config';

const base = { KAFKA_BROKERS: 'localhost:9092' };

describe('producer-service configuration', () => {
  it('refuses replay without inputs at start, naming PRODUCER_REPLAY_INPUTS and the fix in one line', () => {
    expect(() => readConfig({ ...base, PRODUCER_COMMAND: 'replay' })).toThrow(
      /^Invalid configuration: PRODUCER_REPLAY_INPUTS: required when PRODUCER_COMMAND=replay\. Fix: set PRODUCER_REPLAY_INPUTS — replay: comma-separated export files, folders or zip files\.$/,
    );
    expect(readConfig({ ...base, PRODUCER_COMMAND: 'replay', PRODUCER_REPLAY_INPUTS: 'a.zip' }).producer.replayInputs).toEqual(['a.zip']);
    // Simulation needs no inputs.
    expect(readConfig(base).producer.command).toBe('simulate');
  });

  it('through runService (as main.ts runs it): one line on stderr and exit 78, nothing built', async () => {
    const err: string[] = [];
    const proc: ProcessLike = {
      env: { ...base, PRODUCER_MALFORMED_RATIO: '0.9' },
      stdout: { write: (_text: string, written?: () => void) => (written?.(), true) },
      stderr: { write: (text: string) => err.push(text) },
      exit: (code: number): never => {
        throw Object.assign(new Error(`exit ${code}`), { exitCode: code });
      },
      on: () => undefined,
    };
    const build = jest.fn();
    const exit = await runService(proc, { service: 'producer-service', configSchema, loadConfig: readConfig, logLevel: () => 'silent', build }).then(
      () => undefined,
      (e: { exitCode?: number }) => e.exitCode,
    );
    expect(exit).toBe(EXIT_CONFIG);
    expect(err).toEqual([expect.stringMatching(/^producer-service: Invalid configuration: PRODUCER_MALFORMED_RATIO="0.9" is invalid: .*Fix: set PRODUCER_MALFORMED_RATIO — share of deliberately malformed records[^\n]*\n$/)]);
    expect(build).not.toHaveBeenCalled();
  });

  it('--help shows the options and then every variable, options or not', () => {
    const help = helpText();
    expect(help).toMatch(/^Usage:\n {2}producer-service \[simulate\]/);
    for (const name of ['PRODUCER_RATE', 'PRODUCER_DELIVERY_TIMEOUT_MS', 'PRODUCER_TRANSACTION_RECORDS', 'KAFKA_BROKERS', 'TOPICS_TRACKS']) expect(help).toContain(`  ${name}  `);
    expect(help).toContain('HTTP_PORT  integer >= 0; default 9461');
  });
});

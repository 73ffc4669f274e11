import { PipelineError } from '@spotify-pipeline/shared/errors';
import { parseCommandLine } from '../../../src/cli/command-line';
import { readConfig } from '../../../src/config';

const BASE_ENV = { KAFKA_BROKERS: 'localhost:9092' };

describe('parseCommandLine', () => {
  it('maps simulate options to their PRODUCER_* variables', () => {
    expect(parseCommandLine(['simulate', '--rate', '500', '--backfill', '--days', '3', '--events', '20000', '--malformed-ratio', '0.01', '--summary-file', '/tmp/s.json', '--no-tracks'])).toEqual({
      help: false,
      env: {
        PRODUCER_COMMAND: 'simulate', PRODUCER_RATE: '500', PRODUCER_BACKFILL: 'true', PRODUCER_DAYS: '3', PRODUCER_EVENTS: '20000',
        PRODUCER_MALFORMED_RATIO: '0.01', PRODUCER_SUMMARY_FILE: '/tmp/s.json', PRODUCER_PUBLISH_TRACKS: 'false',
      },
    });
  });

  it('maps replay inputs and flags', () => {
    expect(parseCommandLine(['replay', 'a.json', 'dir', 'export.zip', '--strict', '--user-id', 'me'])).toEqual({
      help: false,
      env: { PRODUCER_COMMAND: 'replay', PRODUCER_REPLAY_INPUTS: 'a.json,dir,export.zip', PRODUCER_STRICT: 'true', PRODUCER_REPLAY_USER_ID: 'me' },
    });
  });

  it('maps the exactly-once switches: --no-exactly-once and --run-id', () => {
    const parsed = parseCommandLine(['simulate', '--backfill', '--no-exactly-once', '--run-id', 'nightly-2024-03-01']);
    expect(parsed).toEqual({
      help: false,
      env: { PRODUCER_COMMAND: 'simulate', PRODUCER_BACKFILL: 'true', PRODUCER_EXACTLY_ONCE: 'false', PRODUCER_RUN_ID: 'nightly-2024-03-01' },
    });
    const settings = readConfig({ ...BASE_ENV, ...(parsed as { env: Record<string, string> }).env }).producer;
    expect(settings).toMatchObject({ exactlyOnce: false, runId: 'nightly-2024-03-01', checkpointTopic: 'pipeline.producer-checkpoints', transactionRecords: 20_000 });
  });

  it('leaves the command to the environment when none is given (npm start, Docker)', () => {
    expect(parseCommandLine([])).toEqual({ help: false, env: {} });
  });

  it('reports usage errors', () => {
    expect(parseCommandLine(['replay'])).toMatchObject({ error: expect.stringContaining('at least one') });
    expect(parseCommandLine(['simulate', 'x.json'])).toMatchObject({ error: expect.stringContaining('no file arguments') });
    expect(parseCommandLine(['--bogus'])).toMatchObject({ error: expect.stringContaining('bogus') });
    expect(parseCommandLine(['publish'])).toMatchObject({ error: expect.stringContaining('unknown command') });
    expect(parseCommandLine(['-h'])).toEqual({ help: true });
  });

  it('parses stats: one file or topic, --track-features and --format; its options only', () => {
    expect(parseCommandLine(['stats', 'events.ndjson'])).toEqual({ help: false, stats: { input: 'events.ndjson', format: 'text' } });
    expect(parseCommandLine(['stats', 'listening-events', '--track-features', 'tracks', '--format', 'json'])).toEqual({ help: false, stats: { input: 'listening-events', tracks: 'tracks', format: 'json' } });
    expect(parseCommandLine(['stats'])).toMatchObject({ error: expect.stringContaining('exactly one') });
    expect(parseCommandLine(['stats', 'a', 'b'])).toMatchObject({ error: expect.stringContaining('exactly one') });
    expect(parseCommandLine(['stats', 'a', '--format', 'xml'])).toMatchObject({ error: expect.stringContaining('--format') });
    expect(parseCommandLine(['stats', 'a', '--backfill'])).toMatchObject({ error: expect.stringContaining('only --track-features and --format') });
    expect(parseCommandLine(['simulate', '--format', 'json'])).toMatchObject({ error: expect.stringContaining('options of stats') });
  });
});

describe('producer config', () => {
  it('defaults to real-time simulation at PRODUCER_RATE with the default world', () => {
    const config = readConfig(BASE_ENV);
    expect(config.producer).toMatchObject({ command: 'simulate', rate: 20, users: 10_000, tracks: 890_000, publishedTracks: 50_000, repeatShare: 0.7, backfill: false, malformedRatio: 0, maxRate: 0, strict: false, compression: 'zstd' });
    // The realism follows the mode unless set: export for a backfill, clean in real time (simulate-command.ts).
    expect(config.producer.realism).toBeUndefined();
  });

  it('maps the realism options, and refuses an unknown quirk or a rate outside [0, 1] naming the variable', () => {
    const line = parseCommandLine(['simulate', '--backfill', '--realism', 'export', '--quirks', 'unknown-country=0.02,offline-sync=0.5', '--repeat-share', '0.7']);
    expect(line).toEqual({
      help: false,
      env: { PRODUCER_COMMAND: 'simulate', PRODUCER_BACKFILL: 'true', PRODUCER_REALISM: 'export', PRODUCER_EXPORT_QUIRK_RATES: 'unknown-country=0.02,offline-sync=0.5', PRODUCER_REPEAT_SHARE: '0.7' },
    });
    expect(readConfig({ ...BASE_ENV, ...('env' in line ? line.env : {}) }).producer).toMatchObject({ realism: 'export', repeatShare: 0.7 });
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_EXPORT_QUIRK_RATES: 'zz=0.1' })).toThrow(/PRODUCER_EXPORT_QUIRK_RATES.*zz=0\.1/);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_EXPORT_QUIRK_RATES: 'offline-sync=2' })).toThrow(/PRODUCER_EXPORT_QUIRK_RATES/);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_REALISM: 'messy' })).toThrow(/PRODUCER_REALISM/);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_REPEAT_SHARE: '1.5' })).toThrow(/PRODUCER_REPEAT_SHARE/);
  });

  it('reads options given on the command line through the same schema', () => {
    const line = parseCommandLine(['simulate', '--backfill', '--events', '100', '--malformed-ratio', '0.02', '--start', '2024-01-01T00:00:00Z']);
    const config = readConfig({ ...BASE_ENV, ...('env' in line ? line.env : {}) });
    expect(config.producer).toMatchObject({ backfill: true, events: 100, malformedRatio: 0.02, startTime: '2024-01-01T00:00:00Z' });
  });

  it('names the variable of a bad value', () => {
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_MALFORMED_RATIO: '0.9' })).toThrow(PipelineError);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_MALFORMED_RATIO: '0.9' })).toThrow(/PRODUCER_MALFORMED_RATIO="0.9" is invalid/);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_RATE: 'fast' })).toThrow(/PRODUCER_RATE/);
    expect(() => readConfig({ ...BASE_ENV, PRODUCER_START_TIME: 'yesterday' })).toThrow(/PRODUCER_START_TIME/);
  });
});

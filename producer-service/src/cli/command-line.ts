import { parseArgs } from 'node:util';
import { configHelp } from '@spotify-pipeline/shared/config';
import { configSchema } from '../config.js';
import type { StatsCommand } from './stats-command.js';

/**
 * The command line is a front end to the env config: every option sets the PRODUCER_* variable of
 * the same name, so one schema validates both and a bad value is reported the same way.
 */
export const USAGE = `Usage:
  producer-service [simulate] [options]          generate listening events (real time by default)
  producer-service replay <file|folder|zip>...   replay Spotify export files (extended or account-data)
  producer-service stats <ndjson|topic>          every published figure of docs/spotify-data.md measured on events:
                                                 target, value, within ±20% (a path that exists is a file)

Simulate options:
  --rate <n>              real time: mean events/s over a day                 PRODUCER_RATE (20)
  --users <n>             simulated users                                     PRODUCER_USERS (10000)
  --tracks <n>            virtual catalog size (tracks made when played)      PRODUCER_TRACKS (890000)
  --seed <n>              seed; same seed and start give the same events      PRODUCER_SEED (42)
  --backfill              generate history as fast as the broker takes it     PRODUCER_BACKFILL
  --days <n>              backfill: days of history                           PRODUCER_DAYS (1)
  --start <iso>           backfill: UTC start, e.g. 2024-01-01T00:00:00Z      PRODUCER_START_TIME
  --events <n>            stop after exactly n valid events                   PRODUCER_EVENTS
  --malformed-ratio <r>   share of deliberately bad records (tests)           PRODUCER_MALFORMED_RATIO (0)
  --no-tracks             do not publish the catalog to the tracks topic      PRODUCER_PUBLISH_TRACKS=false
  --realism <mode>        clean, or export: the quirks of real exports        PRODUCER_REALISM (export for --backfill, else clean)
  --quirks <name=rate,…>  export realism: quirk rates (see docs)              PRODUCER_EXPORT_QUIRK_RATES
  --repeat-share <r>      share of music plays from the listener's rotation   PRODUCER_REPEAT_SHARE (0.7)
Replay options:
  --strict                stop at the first bad record                        PRODUCER_STRICT
  --user-id <id>          user_id of every replayed record                    PRODUCER_REPLAY_USER_ID
Both:
  --max-rate <n>          cap on events/s (0: unlimited)                      PRODUCER_MAX_RATE (0)
  --summary-file <path>   write a JSON summary of the run                     PRODUCER_SUMMARY_FILE
  --run-id <id>           exactly-once run to resume (default: from settings) PRODUCER_RUN_ID
  --no-exactly-once       backfill/replay without transactions (idempotent)   PRODUCER_EXACTLY_ONCE=false
Stats options:
  --track-features <ndjson|topic>  Track records (the tracks topic): audio features for "calmer music at night"
  --format <text|json>             text (default) or json
  -h, --help

Kafka, topics, ops port and log level come from KAFKA_*, TOPICS_*, HTTP_PORT, LOG_LEVEL.
`;

/** `--help`: the options, then every variable the config schema reads (options only set some of them). */
export function helpText(): string {
  return `${USAGE}\n${configHelp(configSchema)}`;
}

const OPTION_ENV = {
  rate: 'PRODUCER_RATE',
  users: 'PRODUCER_USERS',
  tracks: 'PRODUCER_TRACKS',
  seed: 'PRODUCER_SEED',
  days: 'PRODUCER_DAYS',
  start: 'PRODUCER_START_TIME',
  events: 'PRODUCER_EVENTS',
  'malformed-ratio': 'PRODUCER_MALFORMED_RATIO',
  'max-rate': 'PRODUCER_MAX_RATE',
  'summary-file': 'PRODUCER_SUMMARY_FILE',
  'user-id': 'PRODUCER_REPLAY_USER_ID',
  'run-id': 'PRODUCER_RUN_ID',
  realism: 'PRODUCER_REALISM',
  quirks: 'PRODUCER_EXPORT_QUIRK_RATES',
  'repeat-share': 'PRODUCER_REPEAT_SHARE',
} as const;

export type CommandLine = { help: true } | { help: false; env: Record<string, string> } | { help: false; stats: StatsCommand } | { help: false; error: string };

export function parseCommandLine(argv: readonly string[]): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(Object.keys(OPTION_ENV).map((name) => [name, { type: 'string' as const }])),
        backfill: { type: 'boolean' },
        'no-tracks': { type: 'boolean' },
        'no-exactly-once': { type: 'boolean' },
        strict: { type: 'boolean' },
        'track-features': { type: 'string' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return { help: false, error: (err as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  // No command: the environment decides (PRODUCER_COMMAND), so `npm start` and Docker just work.
  const [command, ...inputs] = positionals;
  if (command === undefined) return { help: false, env: flagsToEnv(values) };
  if (command === 'stats') return statsCommand(inputs, values);
  if (values['track-features'] !== undefined || values.format !== undefined) return { help: false, error: '--track-features and --format are options of stats' };
  if (command !== 'simulate' && command !== 'replay') return { help: false, error: `unknown command ${JSON.stringify(command)}` };
  if (command === 'simulate' && inputs.length > 0) return { help: false, error: `simulate takes no file arguments (got ${inputs.join(' ')})` };
  if (command === 'replay' && inputs.length === 0) return { help: false, error: 'replay needs at least one export file, folder or zip' };
  const env: Record<string, string> = { PRODUCER_COMMAND: command, ...flagsToEnv(values) };
  // Paths may contain commas; the list variable splits on them, so reject rather than mangle.
  if (inputs.some((path) => path.includes(','))) return { help: false, error: 'replay paths must not contain commas' };
  if (inputs.length > 0) env.PRODUCER_REPLAY_INPUTS = inputs.join(',');
  return { help: false, env };
}

function statsCommand(inputs: string[], values: Record<string, unknown>): CommandLine {
  if (inputs.length !== 1) return { help: false, error: 'stats needs exactly one NDJSON file or topic' };
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') return { help: false, error: `--format must be text or json (got ${JSON.stringify(format)})` };
  const others = Object.keys(values).filter((name) => name !== 'track-features' && name !== 'format');
  if (others.length > 0) return { help: false, error: `stats takes only --track-features and --format (got --${others.join(', --')})` };
  const tracks = values['track-features'];
  return { help: false, stats: { input: inputs[0]!, format, ...(typeof tracks === 'string' ? { tracks } : {}) } };
}

function flagsToEnv(values: Record<string, unknown>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [option, name] of Object.entries(OPTION_ENV)) {
    const value = values[option];
    if (typeof value === 'string') env[name] = value;
  }
  if (values.backfill) env.PRODUCER_BACKFILL = 'true';
  if (values['no-tracks']) env.PRODUCER_PUBLISH_TRACKS = 'false';
  if (values.strict) env.PRODUCER_STRICT = 'true';
  if (values['no-exactly-once']) env.PRODUCER_EXACTLY_ONCE = 'false';
  return env;
}

import { configHelp, type Env } from '@spotify-pipeline/shared/config';
import { errorMessage, isPipelineError, PipelineError } from '@spotify-pipeline/shared/errors';
import { EXIT_CONFIG } from '@spotify-pipeline/shared/lifecycle';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createS3Client } from '@spotify-pipeline/shared/s3';
import { adoptLakeTables } from '@spotify-pipeline/shared/schemas';
import { deploymentSpecs, tableDefinitionOf, TableSpecError, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { buildBackend } from '../backend.js';
import { configSchema, readCliConfig, readSpecCliConfig, type CliConfig, type SpecCliConfig } from '../config.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { deploymentQueries, findDeploymentQuery } from '../queries/deployment-queries.js';
import { SAVED_QUERIES } from '../queries/saved-queries.js';
import { runSpecCheck } from '../specs/spec-check-command.js';
import { runSpecInfer } from '../specs/spec-infer-command.js';
import { DEFAULT_SAMPLE_SIZE } from '../specs/sample-records.js';
import { catalogStatus, snapshotHistory } from './catalog-status.js';
import { formatResult, OUTPUT_FORMATS, type OutputFormat } from './format.js';

export interface CliIo {
  env: Env;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export const USAGE = `usage:
  catalog-sync                                   run the committer (ICEBERG_CATALOG=rest|glue, CATALOG_ENGINE=duckdb|athena)
  catalog-sync query "<SQL>" [--format table|csv|json]   time travel: FROM <table> FOR TIMESTAMP AS OF TIMESTAMP '2026-12-01 10:00:00 UTC'
                                                                      or FOR VERSION AS OF <snapshot id>
  catalog-sync report <saved-query> [--format table|csv|json]
  catalog-sync report --list
  catalog-sync catalog status [--format table|csv|json]
  catalog-sync catalog snapshots <table> [--format table|csv|json]
  catalog-sync spec check <file.table.yaml>      validate a table spec as the services do at start; print its columns, partitions, Iceberg schema
  catalog-sync spec infer <topic | file.ndjson> [--table <name>] [--out <dir>] [--sample <n>]
                                                 sample records and write a draft spec and JSON Schema to edit (never overwrites)
  catalog-sync --help
saved queries: ${SAVED_QUERIES.map((q) => q.name).join(', ')}, and those of the table specs (report --list)
`;

/** `--help`: the commands, then every variable the committer reads (the commands need neither KAFKA_* nor HTTP_PORT). */
export function helpText(): string {
  return `${USAGE}\n${configHelp(configSchema)}`;
}

const USAGE_ERROR = 2;

/** Options that take a value (`--table web_clicks` or `--table=web_clicks`), besides --format. */
const VALUE_OPTIONS = ['table', 'out', 'sample'] as const;
type ValueOption = (typeof VALUE_OPTIONS)[number];

function parseArgs(argv: string[]): { positional: string[]; format: OutputFormat; list: boolean; help: boolean; options: Partial<Record<ValueOption, string>> } {
  const positional: string[] = [];
  const options: Partial<Record<ValueOption, string>> = {};
  let format: OutputFormat = 'table';
  let list = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--list') list = true;
    else if (arg === '--help' || arg === '-h') help = true;
    else if (arg === '--format' || arg.startsWith('--format=')) {
      const value = arg.includes('=') ? arg.slice('--format='.length) : argv[++i];
      if (!OUTPUT_FORMATS.includes(value as OutputFormat)) throw new PipelineError('CONFIG_INVALID', `--format must be one of ${OUTPUT_FORMATS.join(', ')}, got ${value}`);
      format = value as OutputFormat;
    } else if (VALUE_OPTIONS.some((o) => arg === `--${o}` || arg.startsWith(`--${o}=`))) {
      const name = arg.slice(2).split('=')[0] as ValueOption;
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined || value === '') throw new PipelineError('CONFIG_INVALID', `--${name} needs a value`);
      options[name] = value;
    } else positional.push(arg);
  }
  return { positional, format, list, help, options };
}

/** The deployment's table specs (TABLE_SPECS_DIR, TOPICS_*), or undefined after printing why they cannot be used. */
async function specsOfDeployment(io: CliIo): Promise<ResolvedTableSpec[] | undefined> {
  try {
    const config = readSpecCliConfig(io.env);
    return await deploymentSpecs(config.tableSpecs, config.topics);
  } catch (err) {
    if (err instanceof TableSpecError) io.stderr.write(`${err.lines.join('\n')}\n`);
    else if (isPipelineError(err) && err.code === 'CONFIG_INVALID') io.stderr.write(`catalog-sync: ${errorMessage(err)}\n`);
    else throw err;
    return undefined;
  }
}

/**
 * `spec check <file>` needs only the spec settings (TABLE_SPECS_DIR, TOPICS_*); `spec infer`
 * reads a file, or a topic with KAFKA_*; neither touches the catalog or S3.
 */
async function runSpecCommand(rest: string[], options: Partial<Record<ValueOption, string>>, io: CliIo): Promise<number> {
  const [subcommand, target, ...extra] = rest;
  if ((subcommand !== 'check' && subcommand !== 'infer') || !target || extra.length > 0) {
    io.stderr.write(USAGE);
    return USAGE_ERROR;
  }
  if (subcommand === 'infer') {
    const sample = options.sample === undefined ? DEFAULT_SAMPLE_SIZE : Number(options.sample);
    if (!Number.isInteger(sample) || sample < 1) {
      io.stderr.write(`--sample must be a whole number of records, got ${options.sample}\n${USAGE}`);
      return USAGE_ERROR;
    }
    return runSpecInfer({ source: target, outDir: options.out ?? '.', sample, ...(options.table ? { table: options.table } : {}) }, io);
  }
  let config: SpecCliConfig;
  try {
    config = readSpecCliConfig(io.env);
  } catch (err) {
    if (!isPipelineError(err) || err.code !== 'CONFIG_INVALID') throw err;
    io.stderr.write(`catalog-sync: ${errorMessage(err)}\n`);
    return EXIT_CONFIG;
  }
  return runSpecCheck(target, config.tableSpecs, config.topics, io);
}

/** The query/report/status commands; returns the exit code. Logs go to stderr, results to stdout. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv);
  } catch (err) {
    io.stderr.write(`${errorMessage(err)}\n${USAGE}`);
    return USAGE_ERROR;
  }
  if (args.help) {
    io.stdout.write(helpText());
    return 0;
  }
  const [command, ...rest] = args.positional;
  if (command === 'spec') return runSpecCommand(rest, args.options, io);
  if (command === 'report' && args.list) {
    const specs = await specsOfDeployment(io);
    if (!specs) return EXIT_CONFIG;
    for (const q of deploymentQueries(specs)) io.stdout.write(`${q.name.padEnd(28)} ${q.description}${q.table ? ` (${q.table}, table spec)` : ''}\n`);
    return 0;
  }
  const valid =
    (command === 'query' && rest.length === 1) ||
    (command === 'report' && rest.length === 1) ||
    (command === 'catalog' && rest[0] === 'status' && rest.length === 1) ||
    (command === 'catalog' && rest[0] === 'snapshots' && rest.length === 2);
  if (!valid) {
    io.stderr.write(USAGE);
    return USAGE_ERROR;
  }
  // A configuration error is one line and exit 78, as when the committer starts.
  let config: CliConfig;
  try {
    config = readCliConfig(io.env);
  } catch (err) {
    if (!isPipelineError(err) || err.code !== 'CONFIG_INVALID') throw err;
    io.stderr.write(`catalog-sync: ${errorMessage(err)}\n`);
    return EXIT_CONFIG;
  }
  // The tables of the deployment, as the committer knows them (a bad spec: one line each, exit 78).
  const specs = await specsOfDeployment(io);
  if (!specs) return EXIT_CONFIG;
  adoptLakeTables(specs.map(tableDefinitionOf));
  const logger = createLogger({ service: 'catalog-sync', level: config.log.level === 'info' ? 'warn' : config.log.level }, { write: (line: string) => void io.stderr.write(line) });
  const registry = createRegistry('catalog-sync', false);
  const s3 = createS3Client(config.s3);
  const backend = await buildBackend(config, s3);
  try {
    if (command === 'catalog' && rest[0] === 'snapshots') {
      io.stdout.write(formatResult(await snapshotHistory(backend.lake, rest[1]!), args.format));
    } else if (command === 'catalog') {
      const state = (await backend.state.read()).value;
      const status = await catalogStatus(backend.lake, backend.reader, state, new Reconciler(backend.engine, registry, logger));
      if (args.format === 'json') io.stdout.write(JSON.stringify({ catalog: config.iceberg.catalog, engine: backend.engine.name, tables: status.tables.rows, partitions: status.partitions.rows }, null, 2) + '\n');
      else io.stdout.write(`${formatResult(status.tables, args.format)}\n${formatResult(status.partitions, args.format)}`);
    } else {
      const sql = command === 'report' ? findDeploymentQuery(rest[0]!, specs).sql : rest[0]!;
      io.stdout.write(formatResult(await backend.engine.query(sql), args.format));
    }
    return 0;
  } catch (err) {
    io.stderr.write(`catalog-sync ${command}: ${isPipelineError(err) ? `${err.code}: ` : ''}${errorMessage(err)}\n`);
    return 1;
  } finally {
    await backend.close();
    s3.destroy();
  }
}

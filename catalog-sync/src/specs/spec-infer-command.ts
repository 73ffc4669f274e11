import { mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadConfig, type Env } from '@spotify-pipeline/shared/config';
import { errorMessage, isPipelineError } from '@spotify-pipeline/shared/errors';
import { EXIT_CONFIG } from '@spotify-pipeline/shared/lifecycle';
import type { KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { IDENTIFIER, loadTableSpec, TableSpecError, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { formatTable } from '../cli/format.js';
import { configSchema } from '../config.js';
import { draftSpecYaml } from './draft-spec-yaml.js';
import { inferSpec, specFileName, type InferredSpec } from './infer-spec.js';
import { sampleFile, sampleTopic, type RecordSample } from './sample-records.js';

/**
 * `catalog-sync spec infer <topic | file.ndjson>`: samples records, writes a draft spec and its
 * JSON Schema for a person to edit, and shows what the draft implies (its columns, or the problems
 * `spec check` will name). It never overwrites a file: a draft someone has edited is work.
 */

export interface SpecInferArgs {
  /** An NDJSON file, or else a topic name. */
  source: string;
  /** The table name; by default from the file or topic name. */
  table?: string;
  outDir: string;
  /** Most records to read. */
  sample: number;
}

export interface SpecInferIo {
  env: Env;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const USAGE_ERROR = 2;
const FAILED = 1;

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
const DATA_FILE_EXTENSION = /\.(ndjson|jsonl|json|txt)$/i;

/** A file or topic name as a table name: lower-cased, other characters `_`, starting with a letter. */
export function tableNameOf(name: string): string {
  const table = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return (/^[a-z]/.test(table) ? table : `t_${table}`).slice(0, 63);
}

/** Only KAFKA_* is read: sampling a topic needs the brokers, not the lake. */
const kafkaOnlySchema = configSchema.pick({ kafka: true });

type Source = { kind: 'file'; path: string } | { kind: 'topic'; topic: string };

/** The source named on the command line: an existing file, else a topic; a message when it is neither. */
async function sourceOf(name: string): Promise<Source | string> {
  const found = await stat(name).catch(() => undefined);
  if (found?.isFile()) return { kind: 'file', path: name };
  if (found) return `${name} is a directory: name an NDJSON file or a topic`;
  if (name.includes('/') || DATA_FILE_EXTENSION.test(name)) return `${name}: no such file`;
  if (!TOPIC_NAME.test(name)) return `${name} is neither a file nor a topic name (letters, digits, ".", "_" and "-")`;
  return { kind: 'topic', topic: name };
}

/** Notes on the sample itself, which the inference cannot see. */
function sampleNotes(sample: RecordSample, source: Source, topic: string): string[] {
  const notes: string[] = [];
  if (sample.skipped > 0) {
    const what = source.kind === 'file' ? 'line' : 'message';
    const were = sample.skipped === 1 ? `${what} was not a JSON object` : `${what}s were not JSON objects`;
    notes.push(`${sample.skipped} ${were}, left out of the sample (first at ${sample.firstSkipped}): the pipeline rejects such records too.`);
  }
  if (sample.incomplete) notes.push(`Sampling ${sample.incomplete}: the sample may miss fields of later records.`);
  if (source.kind === 'file') notes.push(`topics: ${topic} is a guess from the file's name: name the topic(s) that feed the table.`);
  return notes;
}

/** What the draft implies, in the table spec check prints (its full report is for a finished spec). */
function columnLines(spec: ResolvedTableSpec): string[] {
  const columns = formatTable({
    columns: ['column', 'type', 'nullable', 'note'].map((name) => ({ name, type: 'VARCHAR' })),
    rows: spec.columns.map((column) => {
      const record = spec.recordColumns.find((c) => c.name === column.name);
      const note = [
        ...(spec.eventTime?.column === column.name ? [`event time (${spec.eventTime.format})`] : []),
        ...(spec.dedupKey?.column === column.name ? ['dedup key'] : []),
        ...(record?.json ? ['JSON text'] : []),
        ...(record?.values && column.type !== 'boolean' ? [`values: ${record.values.join(', ')}`] : []),
      ];
      return { column: column.name, type: column.type === 'timestamp_ms' ? 'timestamp' : column.type, nullable: column.nullable ? 'yes' : 'no', note: note.join('; ') };
    }),
  });
  const partitioning = spec.partitioning.map((p) => (p.transform === 'identity' ? `identity(${p.column})` : `${p.transform}(${p.column}${p.buckets ? `, ${p.buckets}` : ''})`));
  return [
    `The draft loads. Table ${spec.table}:`,
    columns.trimEnd(),
    `partitioned by: ${partitioning.length > 0 ? partitioning.join(', ') : 'nothing'}`,
    ...(spec.dropFields.length > 0 ? [`dropped on sight: ${spec.dropFields.join(', ')}`] : []),
  ];
}

/** Writes the schema and the spec, neither over an existing file; a message when it cannot. */
async function writeDraft(outDir: string, table: string, inferred: InferredSpec, notes: readonly string[], sampled: string): Promise<{ specPath: string; schemaPath: string } | string> {
  const specPath = join(outDir, specFileName(table));
  const schemaPath = join(outDir, inferred.document.schema);
  for (const path of [specPath, schemaPath]) {
    if (await stat(path).catch(() => undefined)) return `${path} exists, and spec infer never overwrites a file: move it away, or write elsewhere (another out directory or --table)`;
  }
  try {
    await mkdir(outDir, { recursive: true });
    // 'wx': should a file appear since the check above, it is still not overwritten.
    await writeFile(schemaPath, JSON.stringify(inferred.schema, null, 2) + '\n', { flag: 'wx' });
    await writeFile(specPath, draftSpecYaml(inferred.document, notes, sampled), { flag: 'wx' });
  } catch (err) {
    return `cannot write the draft: ${errorMessage(err)}`;
  }
  return { specPath, schemaPath };
}

/** Runs `spec infer`; returns the exit code. Results go to stdout, failures to stderr. */
export async function runSpecInfer(args: SpecInferArgs, io: SpecInferIo): Promise<number> {
  const fail = (message: string, code = FAILED): number => {
    io.stderr.write(`catalog-sync spec infer: ${message}\n`);
    return code;
  };
  if (!Number.isInteger(args.sample) || args.sample < 1) return fail(`the sample size must be a whole number of records, at least 1 (got ${args.sample})`, USAGE_ERROR);
  if (args.table !== undefined && !IDENTIFIER.test(args.table)) return fail(`table ${JSON.stringify(args.table)} is not a table name: lower-case letters, digits and _, starting with a letter (at most 63 characters)`, USAGE_ERROR);
  const source = await sourceOf(args.source);
  if (typeof source === 'string') return fail(source);

  let read: () => Promise<RecordSample>;
  if (source.kind === 'file') {
    read = () => sampleFile(source.path, args.sample);
  } else {
    // Read before any connection, and only for a topic: a file needs no broker.
    let settings: KafkaSettings;
    try {
      settings = loadConfig(kafkaOnlySchema, io.env).kafka;
    } catch (err) {
      if (!isPipelineError(err) || err.code !== 'CONFIG_INVALID') throw err;
      return fail(`${args.source} is not a file, so it is read as a topic: ${errorMessage(err)}`, EXIT_CONFIG);
    }
    read = () => sampleTopic(settings, source.topic, args.sample);
  }
  const origin = source.kind === 'file' ? source.path : `topic ${source.topic}`;
  let sample: RecordSample;
  try {
    sample = await read();
  } catch (err) {
    // CONFIG_INVALID: the topic does not exist, which its message says in full.
    if (isPipelineError(err) && err.code === 'CONFIG_INVALID') return fail(errorMessage(err));
    return fail(`cannot read ${origin}: ${isPipelineError(err) ? `${err.code}: ` : ''}${errorMessage(err)}`);
  }
  if (sample.records.length === 0) {
    const skipped = sample.skipped > 0 ? ` (${sample.skipped} not JSON objects, the first at ${sample.firstSkipped})` : '';
    return fail(`${origin} has no JSON object records${skipped}${sample.incomplete ? `; sampling ${sample.incomplete}` : ''}: nothing to infer a spec from`);
  }

  const sourceName = source.kind === 'file' ? basename(source.path).replace(DATA_FILE_EXTENSION, '') : source.topic;
  const table = args.table ?? tableNameOf(sourceName);
  // A file names no topic: its name is the best guess, and a note says so.
  const topic = TOPIC_NAME.test(sourceName) ? sourceName : table.replaceAll('_', '-');
  const inferred = inferSpec(sample.records, { table, topic });
  const notes = [...sampleNotes(sample, source, topic), ...inferred.notes];
  const sampled = `${sample.records.length.toLocaleString('en-US')} record${sample.records.length === 1 ? '' : 's'} of ${origin}`;
  const written = await writeDraft(args.outDir, table, inferred, notes, sampled);
  if (typeof written === 'string') return fail(written);

  io.stdout.write(`Sampled ${sampled}.\nwrote ${written.specPath}\nwrote ${written.schemaPath}\n\n`);
  try {
    io.stdout.write(columnLines(await loadTableSpec(written.specPath)).join('\n') + '\n');
  } catch (err) {
    if (!(err instanceof TableSpecError)) throw err;
    io.stdout.write(`The draft does not load yet; spec check will name these until they are fixed:\n${err.lines.map((l) => `  ${l}`).join('\n')}\n`);
  }
  io.stdout.write(`\nNotes (also at the top of ${specFileName(table)}):\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
  return 0;
}

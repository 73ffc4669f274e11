import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { PipelineError } from '../errors/index.js';
import type { JsonSchemaNode } from './json-schema-columns.js';
import { resolveTableSpec, type ResolvedTableSpec, type SpecProblem } from './resolve-spec.js';
import { tableSpecDocument } from './spec-document.js';

/** Spec files are `<name>.table.yaml`, `.table.yml` or `.table.json`; anything else in the folder (schemas, notes) is not one. */
export const SPEC_FILE = /\.table\.(ya?ml|json)$/;

/** The folder of the specs shipped with the project (listening_events, tracks), beside src/ and dist/. */
export const BUILT_IN_SPECS_DIR = resolve(__dirname, '..', '..', 'specs');

/**
 * A spec that cannot be used: one line per problem, each naming the file, the field and the fix,
 * so a service that starts with it exits with all of them at once (CONFIG_INVALID → exit 78).
 */
export class TableSpecError extends PipelineError {
  constructor(readonly lines: string[]) {
    super('CONFIG_INVALID', lines.join('\n'));
    this.name = 'TableSpecError';
  }
}

export const problemLine = (file: string, p: SpecProblem): string => `${file}: ${p.field}: ${p.problem} — fix: ${p.fix}`;

/** zod issue path → `partitioning.fields[0].field`. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '') || '(the file)';
}

/** A fix for a zod issue of the spec document, in words a person editing the file can act on. */
function fixFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `remove ${issue.keys.join(', ')} (docs/table-specs.md lists every field)`;
    case 'invalid_type':
      return issue.input === undefined ? `add it (${issue.expected})` : `write a ${issue.expected}`;
    case 'invalid_value':
      return `use one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      return 'see docs/table-specs.md for the accepted forms';
    default:
      return issue.message;
  }
}

function parseDocument(file: string, text: string): unknown {
  try {
    return extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new TableSpecError([`${file}: (the file): is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]} — fix: correct the syntax at the place named`]);
  }
}

/** Reads, validates and resolves one spec file (without the checks that need the other specs or DuckDB). */
export async function loadTableSpec(file: string): Promise<ResolvedTableSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new TableSpecError([`${file}: (the file): cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}) — fix: check the path`]);
  }
  const parsed = tableSpecDocument.safeParse(parseDocument(file, text));
  if (!parsed.success) {
    throw new TableSpecError(parsed.error.issues.map((issue) => problemLine(file, { field: fieldPath(issue.path), problem: issue.message, fix: fixFor(issue) })));
  }
  const doc = parsed.data;
  const schemaFile = resolve(dirname(file), doc.schema);
  let recordSchema: JsonSchemaNode;
  try {
    recordSchema = JSON.parse(await readFile(schemaFile, 'utf8')) as JsonSchemaNode;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new TableSpecError([
      problemLine(file, {
        field: 'schema',
        problem: missing ? `${doc.schema} does not exist (looked for ${schemaFile})` : `${doc.schema} is not valid JSON: ${(err as Error).message}`,
        fix: missing ? 'name the JSON Schema file relative to the spec file' : 'correct the JSON Schema file',
      }),
    ]);
  }
  const { spec, problems } = resolveTableSpec(file, doc, recordSchema);
  if (!spec) throw new TableSpecError(problems.map((p) => problemLine(file, p)));
  return spec;
}

/** The spec files of a folder, sorted by name (one table each). */
export async function specFilesIn(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (err) {
    throw new TableSpecError([`${dir}: (the folder): cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}) — fix: set TABLE_SPECS_DIR to a folder of *.table.yaml files`]);
  }
  return entries
    .filter((e) => SPEC_FILE.test(e))
    .sort()
    .map((e) => join(dir, e));
}

export interface LoadOptions {
  /** false: only the given folders (tests of user specs alone). */
  builtIn?: boolean;
  /** Topics of the built-in tables by table, overriding the defaults their files name. */
  builtInTopics?: Readonly<Record<string, string[]>>;
  /** Single spec files to load besides the folders' (`spec check <file>`). */
  files?: readonly string[];
}

/**
 * The tables of one deployment: the built-in specs, then those of `dirs` (TABLE_SPECS_DIR), each
 * checked alone and against the others (one table per name, one table per topic, lookups that
 * exist). Every problem of every file is reported at once.
 */
export async function loadTableSpecs(dirs: readonly string[], options: LoadOptions = {}): Promise<ResolvedTableSpec[]> {
  const builtIn = options.builtIn === false ? [] : await specFilesIn(BUILT_IN_SPECS_DIR);
  const files = [...builtIn];
  for (const dir of dirs) files.push(...(await specFilesIn(dir)));
  for (const file of options.files ?? []) if (!files.some((f) => resolve(f) === resolve(file))) files.push(file);
  const lines: string[] = [];
  const specs: ResolvedTableSpec[] = [];
  for (const file of files) {
    try {
      const spec = await loadTableSpec(file);
      // The built-in tables read the topics the deployment names (TOPICS_LISTENING_EVENTS, TOPICS_TRACKS).
      const topics = builtIn.includes(file) ? options.builtInTopics?.[spec.table] : undefined;
      specs.push(topics ? { ...spec, topics } : spec);
    } catch (err) {
      if (!(err instanceof TableSpecError)) throw err;
      lines.push(...err.lines);
    }
  }
  lines.push(...crossSpecProblems(specs));
  if (lines.length > 0) throw new TableSpecError(lines);
  return specs;
}

/** Problems only the set of specs shows: duplicate tables, topics or query names, lookups of unknown tables or columns. */
export function crossSpecProblems(specs: readonly ResolvedTableSpec[]): string[] {
  const lines: string[] = [];
  const byTable = new Map<string, ResolvedTableSpec>();
  const byTopic = new Map<string, ResolvedTableSpec>();
  for (const spec of specs) {
    const other = byTable.get(spec.table);
    if (other) lines.push(problemLine(spec.source, { field: 'table', problem: `table ${spec.table} is also declared by ${basename(other.source)}`, fix: 'give each table one spec file' }));
    else byTable.set(spec.table, spec);
    spec.topics.forEach((topic, i) => {
      const owner = byTopic.get(topic);
      if (owner && owner !== spec) lines.push(problemLine(spec.source, { field: `topics[${i}]`, problem: `topic ${topic} already feeds table ${owner.table} (${basename(owner.source)})`, fix: 'a topic feeds one table: remove it from one of the specs' }));
      else byTopic.set(topic, spec);
    });
  }
  const queries = new Map<string, ResolvedTableSpec>();
  for (const spec of specs) {
    spec.queries.forEach((q, i) => {
      const other = queries.get(q.name);
      if (other && other !== spec) lines.push(problemLine(spec.source, { field: `queries[${i}].name`, problem: `query ${q.name} is also declared by ${basename(other.source)}`, fix: 'query names are one namespace for the deployment: rename one' }));
      else queries.set(q.name, spec);
    });
  }
  for (const spec of specs) {
    spec.lookups.forEach((lookup, i) => {
      const target = byTable.get(lookup.table);
      if (!target) {
        lines.push(problemLine(spec.source, { field: `lookups[${i}].table`, problem: `no spec declares table ${lookup.table}`, fix: `name one of ${[...byTable.keys()].join(', ')}` }));
        return;
      }
      const known = new Set(target.columns.map((c) => c.name));
      for (const column of [lookup.column, ...lookup.columns]) {
        if (!known.has(column)) lines.push(problemLine(spec.source, { field: `lookups[${i}]`, problem: `table ${lookup.table} has no column ${column}`, fix: `name a column of ${lookup.table}` }));
      }
    });
  }
  return lines;
}

/** The spec of the table a topic feeds, if any. */
export function specForTopic(specs: readonly ResolvedTableSpec[], topic: string): ResolvedTableSpec | undefined {
  return specs.find((s) => s.topics.includes(topic));
}

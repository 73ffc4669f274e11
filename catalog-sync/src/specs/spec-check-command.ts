import { relative } from 'node:path';
import type { TopicSettings } from '@spotify-pipeline/shared/config';
import { TableSpecError, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { formatTable } from '../cli/format.js';
import { checkedDeploymentSpecs, withDuckDbDescribe } from './duckdb-describe.js';

export interface SpecCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const SPEC_PROBLEMS = 1;

/** A spec's path relative to the working directory when it is below it, else as given. */
function shownPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown && !shown.startsWith('..') ? shown : file;
}

/** `day(occurred_at_ms) as occurred_at_ms_day, identity(device) ≤ 3 values per object, bucket[8](user_id)`. */
function describePartitioning(spec: ResolvedTableSpec): string {
  if (spec.partitioning.length === 0) return spec.write.mode === 'latest_by_key' ? `none (latest record per ${spec.write.key}, the table rewritten whole)` : 'none';
  return spec.partitioning
    .map((p) => {
      const transform = p.transform === 'bucket' ? `bucket[${p.buckets}]` : p.transform;
      const bound = p.transform === 'identity' ? `, at most ${p.maxDistinctPerObject} values per object` : '';
      return `${transform}(${p.column}) as ${p.name}${bound}`;
    })
    .join('; ');
}

/** Where each column's value comes from, as a person reading the spec would say it. */
function columnSource(spec: ResolvedTableSpec, name: string): string {
  const record = spec.recordColumns.find((c) => c.name === name);
  if (record) {
    const path = record.path.join('.');
    if (spec.eventTime?.column === name) return `${path} (event time, ${spec.eventTime.format})`;
    const normalizer = spec.normalize[name];
    return `${path}${record.json ? ' (JSON text)' : ''}${normalizer ? ` (${normalizer})` : ''}`;
  }
  const derived = spec.derivedColumns.find((c) => c.name === name);
  return derived ? `derived: ${derived.sql.length > 60 ? `${derived.sql.slice(0, 57)}...` : derived.sql}` : '';
}

/** JSON with one line per field: readable, and still valid JSON to paste into a catalog request. */
function compactJson(value: { fields: readonly unknown[] }): string {
  const { fields, ...rest } = value;
  const head = JSON.stringify(rest).slice(0, -1);
  return `${head}${head.length > 1 ? ',' : ''}"fields":[\n${fields.map((f) => `  ${JSON.stringify(f)}`).join(',\n')}\n]}`;
}

export function describeSpec(spec: ResolvedTableSpec): string {
  const fieldIds = new Map(spec.icebergSchema.fields.map((f) => [f.name, f.id]));
  const columns = formatTable({
    columns: ['id', 'column', 'type', 'nullable', 'from'].map((name) => ({ name, type: 'VARCHAR' })),
    rows: spec.columns.map((c) => ({ id: fieldIds.get(c.name) ?? null, column: c.name, type: c.type === 'timestamp_ms' ? 'timestamp' : c.type, nullable: c.nullable ? 'yes' : 'no', from: columnSource(spec, c.name) })),
  });
  const lines = [
    `table ${spec.table}  (${shownPath(spec.source)})`,
    ...(spec.description ? [`  ${spec.description}`] : []),
    `topics: ${spec.topics.join(', ')}`,
    `write: ${spec.write.mode}${spec.dedupKey ? `, de-duplicated on ${spec.dedupKey.column}` : ''}; schema evolution: ${spec.schemaEvolution}; parquet: ${spec.parquet.codec}${spec.parquet.targetFileBytes ? `, compacted to ${spec.parquet.targetFileBytes / 1024 / 1024} MiB files` : ''}`,
    ...(spec.dropFields.length > 0 ? [`dropped on sight: ${spec.dropFields.join(', ')}`] : []),
    ...(spec.lookups.length > 0 ? [`lookups: ${spec.lookups.map((l) => `${l.alias} = ${l.table} on ${l.table}.${l.column} = ${l.field} (${l.columns.join(', ')})`).join('; ')}`] : []),
    `partitioning: ${describePartitioning(spec)}`,
    ...(spec.queries.length > 0 ? [`saved queries: ${spec.queries.map((q) => q.name).join(', ')} (catalog-sync report <name>)`] : []),
    '',
    columns.trimEnd(),
    '',
    'Iceberg schema:',
    compactJson(spec.icebergSchema),
    'Iceberg partition spec:',
    compactJson(spec.partitionSpec),
  ];
  return lines.join('\n') + '\n';
}

/**
 * `catalog-sync spec check <file>`: the spec loaded with every check a service makes at start
 * (against the built-in specs and those of TABLE_SPECS_DIR, derived SQL bound in DuckDB), then
 * what it implies. Exit 0 when it is usable, 1 with one line per problem when not.
 */
export async function runSpecCheck(file: string, settings: { dir?: string }, topics: Pick<TopicSettings, 'listeningEvents' | 'tracks'>, io: SpecCommandIo): Promise<number> {
  try {
    const specs = await withDuckDbDescribe((describe) => checkedDeploymentSpecs(settings, topics, describe, [file]));
    const spec = specs.find((s) => relative(s.source, file) === '');
    if (!spec) throw new Error(`${file} was not loaded`);
    io.stdout.write(describeSpec(spec));
    return 0;
  } catch (err) {
    if (!(err instanceof TableSpecError)) throw err;
    io.stderr.write(`${err.lines.join('\n')}\n`);
    io.stderr.write(`${err.lines.length} problem${err.lines.length === 1 ? '' : 's'}: ${shownPath(file)} is not usable\n`);
    return SPEC_PROBLEMS;
  }
}


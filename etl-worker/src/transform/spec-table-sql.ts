import { PipelineError } from '@spotify-pipeline/shared/errors';
import { LISTENING_EVENTS_TABLE, toDuckDbType, TRACKS_TABLE } from '@spotify-pipeline/shared/schemas';
import { builtInTableSpec, recordColumnsOf, type RecordColumn, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { parquetCopyOptions, type ParquetOptions } from '../parquet/copy-options.js';
import { extraColumnDuckDbType, HOUR_KEY_COLUMN, quoteIdent, sqlString, TRACK_DURATIONS_TABLE, type ExtraColumn } from './lake-sql.js';

/**
 * The SQL that turns a table spec's validated NDJSON into lake rows (docs/table-specs.md):
 *
 *   SELECT e.<record columns>, (<derived sql>) AS <derived>, e.<extras> [, <time key>]
 *   FROM (SELECT <lake value of each record column>, r.<extras>
 *         FROM read_ndjson(<file>, columns = {<every field typed>}) r) e
 *   LEFT JOIN <lookup relation> <alias> ON <alias>.<column> = e.<field> ...
 *
 * The inner query reads each field with its type (nested objects as STRUCTs, free-form values as
 * JSON) and makes it a lake column: flattened, the event time a TIMESTAMP, normalised. The derived
 * expressions are written against those lake columns (alias `e`), as derived-sql-check binds them.
 */

/** The helper column PARTITION_BY splits a COPY on: in the path only, never in the file (see HOUR_KEY_COLUMN). */
export const DAY_KEY_COLUMN = '__event_day';

/** A time-partition key: its column and the strftime format of its value (the folder name). */
export interface TimePartitionKey {
  column: string;
  format: string;
}

/**
 * The lookup tables as the ETL holds them in DuckDB. A relation must expose the lookup's key and
 * value columns under the names the spec uses (the looked-up table's columns), and hold each key at
 * most once: a repeated key would repeat the event's row (the encoder's row count check fails).
 */
export const ETL_LOOKUP_RELATIONS: ReadonlyMap<string, string> = new Map([[TRACKS_TABLE, `(SELECT track_uri AS uri, duration_ms FROM ${TRACK_DURATIONS_TABLE})`]]);

export interface SpecSelectOptions {
  /** New columns found in the data (additive schema evolution), after the derived ones. */
  extras?: readonly ExtraColumn[];
  /** Lookup table → DuckDB relation: a table name or a parenthesised SELECT (ETL_LOOKUP_RELATIONS). */
  lookupRelations?: ReadonlyMap<string, string>;
  /** Adds this key column last, for COPY ... PARTITION_BY (timePartitionKey). */
  timeKey?: TimePartitionKey;
}

/** The time-partition key of a table partitioned by event hour or day; undefined when it is not. */
export function timePartitionKey(spec: ResolvedTableSpec): TimePartitionKey | undefined {
  const time = spec.partitioning.find((p) => p.transform === 'hour' || p.transform === 'day');
  if (!time) return undefined;
  return time.transform === 'hour' ? { column: HOUR_KEY_COLUMN, format: '%Y-%m-%d-%H' } : { column: DAY_KEY_COLUMN, format: '%Y-%m-%d' };
}

/** The columns a file of the table holds, in order: the record's, the derived ones, then the new ones. */
export function specTableColumnNames(spec: ResolvedTableSpec, extras: readonly ExtraColumn[] = []): string[] {
  return [...spec.columns.map((c) => c.name), ...extras.map((c) => c.name)];
}

const samePath = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((key, i) => key === b[i]);

/**
 * An ISO-8601 instant, read with its offset and made a UTC TIMESTAMP (µs): read as TIMESTAMP,
 * DuckDB would drop an offset (`10:00+01:00` as 10:00, not 09:00 UTC), and a cast from TIMESTAMPTZ
 * would depend on the session's TimeZone; epoch_us is absolute. For `Z` times (the Spotify
 * contracts allow nothing else) the values, and so the Parquet bytes, are what TIMESTAMP gives.
 */
const ISO_INSTANT = { readType: 'TIMESTAMPTZ', lake: (value: string): string => `make_timestamp(epoch_us(${value}))` };

/**
 * How the event-time field is read and made a TIMESTAMP (µs): `iso` as every ISO instant is
 * (ISO_INSTANT). Epoch numbers become µs in integer arithmetic (make_timestamp),
 * never through a double-based to_timestamp that would round some milliseconds. The resolved spec
 * gives the column its lake type, so the record's number type comes from the contract itself.
 */
function eventTime(spec: ResolvedTableSpec, column: RecordColumn): { readType: string; lake: (value: string) => string } {
  const { format, path } = spec.eventTime!;
  if (format === 'iso') return ISO_INSTANT;
  const recordType = recordColumnsOf(spec.recordSchema).columns.find((c) => samePath(c.path, path))?.type;
  if (!recordType) throw new PipelineError('INTERNAL', `event time ${column.name} of table ${spec.table} is not a field of its contract`);
  const micros = format === 'epoch_ms' ? 1_000 : 1_000_000;
  if (recordType === 'double') return { readType: 'DOUBLE', lake: (value) => `make_timestamp(CAST(round(${value} * ${micros}) AS BIGINT))` };
  return { readType: 'BIGINT', lake: (value) => `make_timestamp(${value} * ${micros})` };
}

/** A field as read_ndjson reads it: a typed leaf, or an object of fields (a STRUCT). */
interface ReadField {
  type?: string;
  fields: Map<string, ReadField>;
}

const structType = (field: ReadField): string =>
  field.type ?? `STRUCT(${[...field.fields].map(([key, child]) => `${quoteIdent(key)} ${structType(child)}`).join(', ')})`;

/** The record's fields to read, typed, and the lake value of each record column over the scan alias `r`. */
function recordRead(spec: ResolvedTableSpec): { fields: Map<string, ReadField>; lake: Array<[string, string]> } {
  const fields = new Map<string, ReadField>();
  const lake: Array<[string, string]> = [];
  const normalisers = Object.entries(spec.normalize).map(([name, normaliser]) => ({ name, normaliser }));
  for (const column of spec.recordColumns) {
    const time = spec.eventTime?.column === column.name ? eventTime(spec, column) : column.type === 'timestamp_ms' && !column.json ? ISO_INSTANT : undefined;
    // JSON, cast to VARCHAR: the value's JSON text (re-serialised minified by DuckDB), a string value keeps its quotes.
    const readType = time?.readType ?? (column.json ? 'JSON' : toDuckDbType(column.type));
    let parent = fields;
    for (const key of column.path.slice(0, -1)) {
      const object = parent.get(key) ?? { fields: new Map<string, ReadField>() };
      parent.set(key, object);
      parent = object.fields;
    }
    parent.set(column.path.at(-1)!, { type: readType, fields: new Map() });
    const value = `r.${column.path.map(quoteIdent).join('.')}`;
    const normaliser = normalisers.find((n) => n.name === column.name || n.name === column.path.join('.'))?.normaliser;
    const expression = time ? time.lake(value) : column.json ? `CAST(${value} AS VARCHAR)` : normaliser ? `${normaliser}(${value})` : value;
    lake.push([column.name, expression]);
  }
  return { fields, lake };
}

/** New columns are top-level fields the table does not have; anything else here is a bug upstream, not a row to write. */
function checkExtras(spec: ResolvedTableSpec, readKeys: Iterable<string>, extras: readonly ExtraColumn[]): void {
  // DuckDB binds names case-insensitively, while read_ndjson matches keys exactly.
  const taken = new Set([...spec.columns.map((c) => c.name), ...readKeys].map((n) => n.toLowerCase()));
  const dropped = new Set(spec.dropFields);
  for (const extra of extras) {
    const name = extra.name.toLowerCase();
    if (taken.has(name) || dropped.has(extra.name)) {
      throw new PipelineError('INTERNAL', `new column ${extra.name} of table ${spec.table} is ${dropped.has(extra.name) ? 'a dropped field' : 'already a column or field'}`);
    }
    taken.add(name);
  }
}

function lookupJoins(spec: ResolvedTableSpec, relations: ReadonlyMap<string, string>): string {
  return spec.lookups
    .map((lookup) => {
      const relation = relations.get(lookup.table);
      if (!relation) throw new PipelineError('CONFIG_INVALID', `table ${spec.table} looks up table ${lookup.table}, which the ETL does not hold in DuckDB`);
      const alias = quoteIdent(lookup.alias);
      return ` LEFT JOIN ${relation} ${alias} ON ${alias}.${quoteIdent(lookup.column)} = e.${quoteIdent(lookup.field)}`;
    })
    .join('');
}

/**
 * The SELECT that turns a validated NDJSON file of the spec's table into lake rows, in the table's
 * column order. Every field is typed explicitly (no sampling, no inference); a field the spec drops
 * or the contract does not have (and is not in `extras`) is never read.
 */
export function specTableSelect(spec: ResolvedTableSpec, ndjsonPath: string, options: SpecSelectOptions = {}): string {
  const extras = options.extras ?? [];
  const { fields, lake } = recordRead(spec);
  checkExtras(spec, fields.keys(), extras);
  const read = [...[...fields].map(([key, field]) => [key, structType(field)]), ...extras.map((c) => [c.name, extraColumnDuckDbType(c.type)])];
  const columnsArg = `{${read.map(([name, type]) => `${quoteIdent(name!)}: ${sqlString(type!)}`).join(', ')}}`;
  const inner = [...lake.map(([name, expression]) => `${expression} AS ${quoteIdent(name)}`), ...extras.map((c) => `r.${quoteIdent(c.name)} AS ${quoteIdent(c.name)}`)];
  const timeKey = options.timeKey;
  if (timeKey && !spec.eventTime) throw new PipelineError('INTERNAL', `table ${spec.table} has no event time to partition on`);
  const outer = [
    ...spec.recordColumns.map((c) => `e.${quoteIdent(c.name)}`),
    ...spec.derivedColumns.map((c) => `(${c.sql}) AS ${quoteIdent(c.name)}`),
    ...extras.map((c) => `e.${quoteIdent(c.name)}`),
    ...(timeKey ? [`strftime(e.${quoteIdent(spec.eventTime!.column)}, ${sqlString(timeKey.format)}) AS ${timeKey.column}`] : []),
  ];
  const scan =
    `SELECT ${inner.join(', ')} FROM read_ndjson(${sqlString(ndjsonPath)}, columns = ${columnsArg}, format = 'newline_delimited', ` +
    `maximum_object_size = 16777216) r`;
  return `SELECT ${outer.join(', ')} FROM (${scan}) e${lookupJoins(spec, options.lookupRelations ?? ETL_LOOKUP_RELATIONS)}`;
}

/**
 * One COPY that writes every event hour (or day) of the input to `<dir>/<key>=<value>/part_0.parquet`,
 * with the options of copyToHourPartitions (for an hour key, the same statement).
 */
export function copyToTimePartitions(select: string, dir: string, key: TimePartitionKey, options: ParquetOptions): string {
  return `COPY (${select}) TO ${sqlString(dir)} ${parquetCopyOptions(options, ['PRESERVE_ORDER false', `PARTITION_BY (${key.column})`, "FILENAME_PATTERN 'part_{i}'"])}`;
}

/** listening_events as its built-in spec declares it: the SQL every listening event is written with. */
const LISTENING_EVENTS_SPEC = builtInTableSpec(LISTENING_EVENTS_TABLE);

/** The columns a listening-events file holds, in order: the contract's, the derived ones, then the new ones. */
export function listeningEventColumnNames(extras: readonly ExtraColumn[]): string[] {
  return specTableColumnNames(LISTENING_EVENTS_SPEC, extras);
}

/**
 * The SELECT that turns validated listening-event lines into lake rows (with the hour key for a
 * partitioned COPY): the built-in spec's, which writes byte-identical Parquet to the hand-written
 * SQL the ETL ran before table specs (spec-table-sql.test.ts keeps that SQL as its reference).
 */
export function listeningEventsSelect(ndjsonPath: string, extras: readonly ExtraColumn[], withHourKey = false): string {
  return specTableSelect(LISTENING_EVENTS_SPEC, ndjsonPath, { extras, lookupRelations: ETL_LOOKUP_RELATIONS, ...(withHourKey ? { timeKey: timePartitionKey(LISTENING_EVENTS_SPEC)! } : {}) });
}

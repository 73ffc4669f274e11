import { z } from 'zod';
import { listeningEventV1 } from './listening-event.js';
import { trackV1 } from './track.js';
import type { PartitionSpec } from '../iceberg/table-metadata.js';

/** Logical column types of the lake; each maps to one DuckDB (Parquet writer) and one Glue/Hive type. */
export type LakeType = 'string' | 'bigint' | 'int' | 'double' | 'boolean' | 'timestamp_ms' | 'date';

export interface LakeColumn {
  name: string;
  type: LakeType;
  nullable: boolean;
  comment?: string;
}

const DUCKDB_TYPES: Record<LakeType, string> = {
  string: 'VARCHAR',
  bigint: 'BIGINT',
  int: 'INTEGER',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  // TIMESTAMP is microseconds in DuckDB and in the Parquet it writes; never nanoseconds (Athena cannot read them).
  timestamp_ms: 'TIMESTAMP',
  date: 'DATE',
};

const GLUE_TYPES: Record<LakeType, string> = {
  string: 'string',
  bigint: 'bigint',
  int: 'int',
  double: 'double',
  boolean: 'boolean',
  timestamp_ms: 'timestamp',
  date: 'date',
};

export const toDuckDbType = (type: LakeType): string => DUCKDB_TYPES[type];
export const toGlueType = (type: LakeType): string => GLUE_TYPES[type];

function unwrapNullable(schema: z.ZodType): { inner: z.ZodType; nullable: boolean } {
  let nullable = false;
  let current = schema;
  while (current instanceof z.ZodNullable || current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
    nullable ||= !(current instanceof z.ZodDefault);
    current = current.unwrap() as z.ZodType;
  }
  return { inner: current, nullable };
}

/** The lake type of one zod field; throws for shapes the lake has no column type for. */
export function lakeTypeOf(name: string, schema: z.ZodType): { type: LakeType; nullable: boolean } {
  const { inner, nullable } = unwrapNullable(schema);
  if (inner instanceof z.ZodISODateTime) return { type: 'timestamp_ms', nullable };
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) return { type: 'string', nullable };
  if (inner instanceof z.ZodBoolean) return { type: 'boolean', nullable };
  if (inner instanceof z.ZodNumber) return { type: inner.format === 'safeint' || inner.format === 'int32' ? 'bigint' : 'double', nullable };
  if (inner instanceof z.ZodLiteral || inner instanceof z.ZodUnion) {
    const values = inner instanceof z.ZodLiteral ? [...inner.values] : inner.options.map((o) => (o instanceof z.ZodLiteral ? o.value : undefined));
    if (values.every((v) => typeof v === 'number' && Number.isInteger(v))) return { type: 'int', nullable };
    if (values.every((v) => typeof v === 'string')) return { type: 'string', nullable };
  }
  throw new Error(`no lake column type for field ${name}`);
}

/** Columns generated from a zod object contract, in contract order. */
export function columnsFromContract(schema: z.ZodObject): LakeColumn[] {
  return Object.entries(schema.shape).map(([name, field]) => ({ name, ...lakeTypeOf(name, field as z.ZodType) }));
}

/** Columns the ETL derives for every listening event (after the contract's own). */
export const DERIVED_LISTENING_COLUMNS: LakeColumn[] = [
  { name: 'platform_family', type: 'string', nullable: false, comment: 'android, ios, desktop, web, tv, car, speaker, console, other' },
  { name: 'event_date', type: 'date', nullable: false, comment: 'UTC date of ts' },
  { name: 'event_hour', type: 'int', nullable: false, comment: 'UTC hour of ts, 0-23' },
  { name: 'seconds_played', type: 'double', nullable: false },
  { name: 'completion_ratio', type: 'double', nullable: true, comment: 'ms_played / track duration, when the duration is known' },
  { name: 'is_skip', type: 'boolean', nullable: false, comment: 'skipped or reason_end in (fwdbtn, backbtn, endplay)' },
  { name: 'content_type', type: 'string', nullable: false, comment: 'track, episode, audiobook or unknown' },
];

export const LISTENING_EVENTS_TABLE = 'listening_events';
export const TRACKS_TABLE = 'tracks';

export const LISTENING_EVENTS_COLUMNS: LakeColumn[] = [...columnsFromContract(listeningEventV1), ...DERIVED_LISTENING_COLUMNS];
export const TRACKS_COLUMNS: LakeColumn[] = columnsFromContract(trackV1);

/**
 * A lake table: its columns (Iceberg field ids 1..n in this order) and its hidden partitioning on
 * event time, if any. Readers filter on the time column itself; the partition is derived from it.
 */
export interface LakeTableDefinition {
  name: string;
  columns: LakeColumn[];
  partitioning?: { column: string; transform: 'hour' | 'day' };
  /** The whole Iceberg partition spec, when a table spec declares more than the event time (identity, bucket). */
  partitionSpec?: PartitionSpec;
}

export const LAKE_TABLES: readonly LakeTableDefinition[] = [
  { name: LISTENING_EVENTS_TABLE, columns: LISTENING_EVENTS_COLUMNS, partitioning: { column: 'ts', transform: 'hour' } },
  { name: TRACKS_TABLE, columns: TRACKS_COLUMNS },
];

/** The tables of this deployment: the built-in ones until a service adopts its table specs at start. */
let deploymentTables: readonly LakeTableDefinition[] = LAKE_TABLES;

/**
 * Makes `tables` (every table spec of the deployment, built-in ones included: tableDefinitionOf)
 * the tables lakeTableDefinition knows. Called once, at start, by the services that read specs,
 * before any manifest is handled; like the configuration, it does not change while they run.
 */
export function adoptLakeTables(tables: readonly LakeTableDefinition[]): void {
  deploymentTables = [...tables];
}

/** Every table of this deployment. */
export const lakeTables = (): readonly LakeTableDefinition[] => deploymentTables;

export function lakeTableDefinition(name: string): LakeTableDefinition | undefined {
  return deploymentTables.find((t) => t.name === name);
}

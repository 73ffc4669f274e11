import {
  LISTENING_EVENTS_COLUMNS,
  LISTENING_EVENTS_TABLE,
  PARTITION_KEYS,
  TRACKS_COLUMNS,
  TRACKS_TABLE,
  type LakeColumn,
  type LakeType,
} from '@spotify-pipeline/shared/schemas';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { TableSpec } from './catalog.js';

/**
 * The lake's tables as the catalog declares them, columns generated from the zod contracts.
 * listening_events is partitioned by event hour; tracks is one snapshot, unpartitioned.
 */
export function lakeTables(lakeBucket: string): TableSpec[] {
  return [
    { name: LISTENING_EVENTS_TABLE, columns: LISTENING_EVENTS_COLUMNS, partitionKeys: PARTITION_KEYS, location: `s3://${lakeBucket}/${LISTENING_EVENTS_TABLE}/` },
    { name: TRACKS_TABLE, columns: TRACKS_COLUMNS, partitionKeys: [], location: `s3://${lakeBucket}/${TRACKS_TABLE}/` },
  ];
}

export function tableSpec(lakeBucket: string, name: string): TableSpec {
  const spec = lakeTables(lakeBucket).find((t) => t.name === name);
  if (!spec) throw new PipelineError('RECORD_INVALID', `unknown lake table ${name}`, { details: { table: name } });
  return spec;
}

const TYPE_ALIASES: Record<string, LakeType> = {
  string: 'string',
  varchar: 'string',
  text: 'string',
  bigint: 'bigint',
  int64: 'bigint',
  long: 'bigint',
  int: 'int',
  integer: 'int',
  int32: 'int',
  double: 'double',
  float: 'double',
  real: 'double',
  boolean: 'boolean',
  bool: 'boolean',
  timestamp: 'timestamp_ms',
  timestamp_ms: 'timestamp_ms',
  date: 'date',
};

/**
 * A `new_columns` entry of a manifest as a lake column. The ETL may name the type the lake way,
 * the DuckDB way or the Glue way; all map to one lake type. New columns are always nullable:
 * older files do not have them.
 */
export function newColumn(entry: { name: string; type: string }): LakeColumn {
  const type = TYPE_ALIASES[entry.type.trim().toLowerCase()];
  if (!type) {
    throw new PipelineError('RECORD_SCHEMA_BREAKING', `new column ${entry.name} has type ${entry.type}, which the lake has no mapping for`, {
      details: { column: entry.name, type: entry.type },
    });
  }
  return { name: entry.name, type, nullable: true };
}

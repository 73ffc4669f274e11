import { z } from 'zod';
import { stringify as toYaml } from 'yaml';
import { LISTENING_DERIVED_SQL } from '../schemas/derived-fields.js';
import { DERIVED_LISTENING_COLUMNS, LISTENING_EVENTS_TABLE, TRACKS_TABLE, type LakeType } from '../schemas/lake-columns.js';
import { listeningEventV1 } from '../schemas/listening-event.js';
import { trackV1 } from '../schemas/track.js';
import { resolveTableSpec, type ResolvedTableSpec } from './resolve-spec.js';
import { tableSpecDocument, type SpecColumnType } from './spec-document.js';
import type { JsonSchemaNode } from './json-schema-columns.js';

/**
 * The built-in table specs (shared/specs/) as this code generates them: the zod contracts stay the
 * source of truth for the Spotify tables, and their JSON Schema files are written from them
 * (`npm run specs:generate`; a unit test fails when the files and the code disagree).
 */

/** Personal data of real Spotify exports, left out of the contract on purpose: dropped on sight, never a new column. */
export const LISTENING_EVENTS_PII_FIELDS = ['ip_addr', 'ip_addr_decrypted', 'user_agent_decrypted', 'username'] as const;

const SPEC_TYPE_OF_LAKE: Record<LakeType, SpecColumnType> = { string: 'string', bigint: 'bigint', int: 'int', double: 'double', boolean: 'boolean', timestamp_ms: 'timestamp', date: 'date' };

type SpecInput = z.input<typeof tableSpecDocument>;

const schemaOf = (contract: z.ZodType): unknown => z.toJSONSchema(contract, { io: 'input' });

const LISTENING_EVENTS_SPEC: SpecInput = {
  spec_version: 1,
  table: LISTENING_EVENTS_TABLE,
  description: 'One row per stream (a playback that stopped), as Spotify’s Extended Streaming History has them.',
  topics: ['listening-events'],
  schema: `${LISTENING_EVENTS_TABLE}.schema.json`,
  event_time: { field: 'ts', format: 'iso' },
  dedup_key: 'event_id',
  drop_fields: [...LISTENING_EVENTS_PII_FIELDS],
  normalize: { conn_country: 'upper' },
  lookups: [{ alias: 'd', table: TRACKS_TABLE, on: { field: 'track_uri', column: 'uri' }, columns: ['duration_ms'] }],
  derived_columns: DERIVED_LISTENING_COLUMNS.map((c) => {
    const sql = LISTENING_DERIVED_SQL.find(([name]) => name === c.name)?.[1];
    if (!sql) throw new Error(`derived column ${c.name} has no SQL`);
    return { name: c.name, type: SPEC_TYPE_OF_LAKE[c.type], sql, nullable: c.nullable, ...(c.comment ? { comment: c.comment } : {}) };
  }),
  partitioning: { time: 'hour' },
  parquet: { codec: 'zstd' },
  schema_evolution: 'additive',
};

const TRACKS_SPEC: SpecInput = {
  spec_version: 1,
  table: TRACKS_TABLE,
  description: 'The track dimension with Web API audio features: the latest record per track.',
  topics: ['tracks'],
  schema: `${TRACKS_TABLE}.schema.json`,
  write: { mode: 'latest_by_key', key: 'track_id' },
  parquet: { codec: 'zstd' },
};

const HEADER = '# Generated from the zod contracts in shared/src/schemas by `npm run specs:generate`; edit those, not this file.\n';

/** The built-in spec documents, by table. */
export const BUILT_IN_SPEC_DOCUMENTS: ReadonlyArray<{ spec: SpecInput; contract: z.ZodType }> = [
  { spec: LISTENING_EVENTS_SPEC, contract: listeningEventV1 },
  { spec: TRACKS_SPEC, contract: trackV1 },
];

/** The text of every built-in spec file and JSON Schema, as they must be in shared/specs. */
export function builtInSpecFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const { spec, contract } of BUILT_IN_SPEC_DOCUMENTS) {
    files.set(`${spec.table}.table.yaml`, HEADER + toYaml(spec, { lineWidth: 0 }));
    files.set(spec.schema, JSON.stringify(schemaOf(contract), null, 2) + '\n');
  }
  return files;
}

const resolved = new Map<string, ResolvedTableSpec>();

/**
 * A built-in table's spec as the code generates it, resolved without reading shared/specs (the
 * files are exactly this, a unit test makes sure): what the ETL writes the Spotify tables with.
 */
export function builtInTableSpec(table: string): ResolvedTableSpec {
  const cached = resolved.get(table);
  if (cached) return cached;
  const found = BUILT_IN_SPEC_DOCUMENTS.find((d) => d.spec.table === table);
  if (!found) throw new Error(`no built-in table spec for ${table}`);
  const { spec, problems } = resolveTableSpec(`built-in:${table}`, tableSpecDocument.parse(found.spec), schemaOf(found.contract) as JsonSchemaNode);
  if (!spec) throw new Error(`the built-in spec of ${table} does not resolve: ${problems.map((p) => `${p.field}: ${p.problem}`).join('; ')}`);
  resolved.set(table, spec);
  return spec;
}

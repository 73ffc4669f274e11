import type { Logger } from 'pino';
import { LISTENING_EVENTS_TABLE, TRACKS_TABLE } from '@spotify-pipeline/shared/schemas';
import { problemLine, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import type { EtlMetrics } from '../metrics.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import type { LakeStore } from '../sink/lake-store.js';
import type { TableSchemas } from '../sink/table-schemas.js';
import type { StagedObjectSource } from '../source/staged-object-reader.js';
import { ETL_LOOKUP_RELATIONS } from '../transform/spec-table-sql.js';
import type { EventTimeWindow } from '../validate/event-time-window.js';
import { ExtraColumnTypes } from '../validate/extra-column-types.js';
import { SpecRecordValidator } from '../validate/spec-record-validator.js';
import { LakeObjectWriter, type WriterTopics } from './lake-object-writer.js';
import type { TableRoute } from './overlapped-processing.js';
import { StagedObjectPreparer } from './staged-object-preparer.js';

/** The tables with code paths of their own: listening_events (the canonical fast path) and the tracks dimension. */
const BUILT_IN_TABLES: ReadonlySet<string> = new Set([LISTENING_EVENTS_TABLE, TRACKS_TABLE]);

export const isSpecWrittenTable = (spec: ResolvedTableSpec): boolean => !BUILT_IN_TABLES.has(spec.table);

/**
 * What the ETL cannot write yet, one line per problem (the worker refuses to start with them, as
 * with any other bad spec): a dimension table (`latest_by_key`) other than tracks, and a lookup of
 * a table the ETL does not hold in DuckDB.
 */
export function unwritableSpecProblems(specs: readonly ResolvedTableSpec[]): string[] {
  const lines: string[] = [];
  for (const spec of specs.filter(isSpecWrittenTable)) {
    if (spec.write.mode !== 'append') {
      lines.push(problemLine(spec.source, { field: 'write.mode', problem: 'latest_by_key tables other than the built-in tracks are not written by the ETL yet', fix: 'use mode: append (every record a row), and de-duplicate with dedup_key' }));
    }
    spec.lookups.forEach((lookup, i) => {
      if (!ETL_LOOKUP_RELATIONS.has(lookup.table)) {
        lines.push(problemLine(spec.source, { field: `lookups[${i}].table`, problem: `the ETL holds only ${[...ETL_LOOKUP_RELATIONS.keys()].join(', ')} for lookups`, fix: `look up ${[...ETL_LOOKUP_RELATIONS.keys()].join(' or ')}, or compute the column downstream` }));
      }
    });
  }
  return lines;
}

export interface SpecRouteDeps {
  source: StagedObjectSource;
  encoder: DuckDbEncoder;
  store: LakeStore;
  topics: WriterTopics;
  metrics: EtlMetrics;
  logger: Logger;
  schemas: TableSchemas;
  eventTimes: { window: EventTimeWindow; now: () => number };
  maxNewColumns: number;
}

/**
 * The preparer and writer of every table a spec declares beyond the built-in ones, by source
 * topic. Lines are validated against the spec's contract (SpecRecordValidator), cut per event
 * hour and field-partition value in memory (no spool: user tables are read line by line), and
 * written with the SQL the spec implies; the table's new columns are remembered per table.
 */
export function specTableRoutes(specs: readonly ResolvedTableSpec[], deps: SpecRouteDeps): Map<string, TableRoute> {
  const routes = new Map<string, TableRoute>();
  for (const spec of specs.filter(isSpecWrittenTable)) {
    const extraTypes = new ExtraColumnTypes(new Set(spec.columns.map((c) => c.name)), spec.schemaEvolution === 'strict' ? 0 : deps.maxNewColumns);
    deps.schemas.onChange((table, schema) => {
      if (table === spec.table) extraTypes.adoptTable(schema);
    });
    const fieldPartitions = spec.partitioning.filter((p) => p.transform === 'identity' || p.transform === 'bucket');
    const route: TableRoute = {
      preparer: new StagedObjectPreparer(deps.source, new SpecRecordValidator(spec), undefined, undefined, extraTypes, deps.eventTimes, {
        linesPerBucket: true,
        maxDistinct: fieldPartitions.map((p) => (p.transform === 'identity' ? p.maxDistinctPerObject : undefined)),
      }),
      writer: new LakeObjectWriter(deps.encoder, deps.store, deps.topics, deps.metrics, deps.logger.child({ table: spec.table }), { schemas: deps.schemas, spec }),
    };
    for (const topic of spec.topics) routes.set(topic, route);
  }
  return routes;
}

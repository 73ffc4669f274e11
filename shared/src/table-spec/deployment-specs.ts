import type { TableSpecSettings, TopicSettings } from '../config/common.js';
import { LISTENING_EVENTS_TABLE, TRACKS_TABLE } from '../schemas/lake-columns.js';
import { derivedSqlProblems, type DescribeQuery } from './derived-sql-check.js';
import { loadTableSpecs, TableSpecError } from './load-specs.js';
import type { ResolvedTableSpec } from './resolve-spec.js';

/**
 * Every table of this deployment, checked as a service checks them at start: the built-in specs
 * (reading the topics TOPICS_* name), the folder TABLE_SPECS_DIR names, and extra `files`; with a
 * DuckDB `describe`, each derived column's SQL is bound and typed too. Throws TableSpecError
 * (CONFIG_INVALID: the service exits 78) with one line per problem of every file.
 */
export async function deploymentSpecs(settings: TableSpecSettings, topics: Pick<TopicSettings, 'listeningEvents' | 'tracks'>, describe?: DescribeQuery, files: readonly string[] = []): Promise<ResolvedTableSpec[]> {
  const specs = await loadTableSpecs(settings.dir ? [settings.dir] : [], {
    builtInTopics: { [LISTENING_EVENTS_TABLE]: [topics.listeningEvents], [TRACKS_TABLE]: [topics.tracks] },
    files,
  });
  if (describe) {
    const lines: string[] = [];
    for (const spec of specs) lines.push(...(await derivedSqlProblems(spec, specs, describe)));
    if (lines.length > 0) throw new TableSpecError(lines);
  }
  return specs;
}

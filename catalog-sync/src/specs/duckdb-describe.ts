import { DuckDBInstance } from '@duckdb/node-api';
import type { TableSpecSettings, TopicSettings } from '@spotify-pipeline/shared/config';
import { deploymentSpecs, savedQueryProblems, TableSpecError, type DescribeQuery, type ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { SAVED_QUERIES } from '../queries/saved-queries.js';

/**
 * A throwaway in-memory DuckDB that binds queries without running them: what the spec check needs
 * to type each derived column's SQL (derivedSqlProblems). One thread: it only plans.
 */
export async function withDuckDbDescribe<T>(use: (describe: DescribeQuery) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    return await use(async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Array<{ column_name: string; column_type: string }>);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * The deployment's specs with every check catalog-sync makes at start: the services' checks
 * (deploymentSpecs, derived SQL bound) and the specs' saved queries bound against every table.
 * `describe` must be a throwaway connection (withDuckDbDescribe): the query check creates views.
 */
export async function checkedDeploymentSpecs(settings: TableSpecSettings, topics: Pick<TopicSettings, 'listeningEvents' | 'tracks'>, describe: DescribeQuery, files: readonly string[] = []): Promise<ResolvedTableSpec[]> {
  const specs = await deploymentSpecs(settings, topics, describe, files);
  const lines = await savedQueryProblems(specs, describe, SAVED_QUERIES.map((q) => q.name));
  if (lines.length > 0) throw new TableSpecError(lines);
  return specs;
}

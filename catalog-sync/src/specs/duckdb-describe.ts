import { DuckDBInstance } from '@duckdb/node-api';
import type { DescribeQuery } from '@spotify-pipeline/shared/table-spec';

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

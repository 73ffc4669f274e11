import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { SAVED_QUERIES, type SavedQuery } from './saved-queries.js';

/** A saved query and the table spec that declares it (none for the Spotify tables' built-in ones). */
export interface DeploymentQuery extends SavedQuery {
  table?: string;
}

/** Every saved query of the deployment: the built-in ones, then those of the table specs, in spec order. */
export function deploymentQueries(specs: readonly ResolvedTableSpec[]): DeploymentQuery[] {
  return [...SAVED_QUERIES, ...specs.flatMap((s) => s.queries.map((q) => ({ ...q, table: s.table })))];
}

export function findDeploymentQuery(name: string, specs: readonly ResolvedTableSpec[]): DeploymentQuery {
  const queries = deploymentQueries(specs);
  const query = queries.find((q) => q.name === name);
  if (!query) throw new PipelineError('QUERY_FAILED', `no saved query named ${name}; saved queries: ${queries.map((q) => q.name).join(', ')}`);
  return query;
}

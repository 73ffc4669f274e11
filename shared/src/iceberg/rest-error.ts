import { PipelineError } from '../errors/index.js';

/** The REST catalog's error body (spec: IcebergErrorResponse). */
export interface RestErrorBody {
  error?: { message?: string; type?: string; code?: number };
}

/**
 * Sorts a REST catalog answer into the pipeline's error codes at the adapter boundary:
 * - 409 on a commit is an optimistic-concurrency conflict: reload the table and try again;
 * - 5xx on a commit leaves its outcome unknown (CommitStateUnknownException): the caller must
 *   look whether its snapshot landed before trying again, or it may commit twice;
 * - 401/403/419 are permissions (fatal), 404 a missing namespace/table, 429 throttling.
 */
export function classifyRestError(status: number, body: RestErrorBody, operation: string, commit: boolean): PipelineError {
  const type = body.error?.type ?? 'UnknownError';
  const message = `${operation}: HTTP ${status} ${type}: ${body.error?.message ?? 'no message'}`;
  const details = { status, type };
  if (status === 409 && commit) return new PipelineError('CATALOG_CONFLICT', message, { retriable: true, details });
  if (status === 409) return new PipelineError('CATALOG_CONFLICT', message, { retriable: false, details });
  if (commit && (status >= 500 || type === 'CommitStateUnknownException')) return new PipelineError('CATALOG_COMMIT_UNKNOWN', message, { retriable: true, details });
  if (status === 429) return new PipelineError('CATALOG_THROTTLED', message, { retriable: true, details });
  if (status === 401 || status === 403 || status === 419) return new PipelineError('CATALOG_ACCESS_DENIED', message, { retriable: false, details });
  if (status === 404) return new PipelineError('CATALOG_NOT_FOUND', message, { retriable: false, details });
  if (status >= 500) return new PipelineError('CATALOG_UNAVAILABLE', message, { retriable: true, details });
  return new PipelineError('CATALOG_CLIENT_ERROR', message, { retriable: false, details });
}

/** No HTTP answer at all (refused, reset, timed out). A commit in flight may still have landed. */
export function networkError(err: unknown, operation: string, commit: boolean): PipelineError {
  const reason = err instanceof Error ? `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err);
  return new PipelineError(commit ? 'CATALOG_COMMIT_UNKNOWN' : 'CATALOG_UNAVAILABLE', `${operation}: no answer from the catalog: ${reason}`, { retriable: true, cause: err });
}

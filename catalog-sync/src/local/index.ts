// `@spotify-pipeline/catalog-sync/local`: the committer, engine and saved queries, for tools and benchmarks.
export { FileMirror, type MirroredFile } from './file-mirror.js';
export { DuckDbEngine } from './duckdb-engine.js';
export { TableCommitter, type TableCommitResult } from '../commit/table-committer.js';
export type { PositionedManifest } from '../commit/plan-table-commit.js';
export { SAVED_QUERIES, savedQuery, type SavedQuery } from '../queries/saved-queries.js';
// Athena, for readers that answer from the lake on AWS too (insights-service's history panel).
export { AthenaEngine, type AthenaEngineOptions } from '../athena/athena-engine.js';
export type { Cell, QueryEngine, QueryResult } from '../queries/query-engine.js';

// `@spotify-pipeline/catalog-sync/local`: the local catalog and engine, for tools and benchmarks.
export { EmbeddedCatalog } from './embedded-catalog.js';
export { FileMirror } from './file-mirror.js';
export { DuckDbEngine } from './duckdb-engine.js';
export { lakeTables, tableSpec } from '../catalog/tables.js';
export { SAVED_QUERIES, savedQuery, type SavedQuery } from '../queries/saved-queries.js';
export type { LakeFile, PartitionFiles } from '../catalog/catalog.js';

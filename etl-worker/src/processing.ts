// The worker's processing stages without Kafka, for the benchmark (bench/src/etl.ts) and tools
// that replay staged objects offline. Importing this starts nothing.
export { DuckDbEncoder, type EncoderOptions } from './parquet/duckdb-encoder.js';
export { EventValidator } from './validate/event-validator.js';
export { ValidationPool } from './validate/validation-pool.js';
export { StagedObjectPreparer } from './pipeline/staged-object-preparer.js';
export { LakeObjectWriter, type ObjectOutcome, type WriterOptions } from './pipeline/lake-object-writer.js';
export { prepareAndWrite } from './pipeline/overlapped-processing.js';
export { DirectoryLakeStore } from './sink/directory-lake-store.js';
export { MemorySchemaCatalog } from './sink/memory-schema-catalog.js';
export { TableSchemas, type SchemaCatalog } from './sink/table-schemas.js';
export { type StagedObjectSource } from './source/staged-object-reader.js';
export { listeningEventsSelect } from './transform/spec-table-sql.js';
export { copyToParquet } from './transform/lake-sql.js';
export { createEtlMetrics } from './metrics.js';
export { etlSettingsSchema, type EtlSettings } from './config.js';

export { derivedSqlProblems, savedQueryProblems, type DescribeQuery } from './derived-sql-check.js';
export { recordColumnsOf, type JsonSchemaNode, type RecordColumn, type SchemaProblem } from './json-schema-columns.js';
export { BUILT_IN_SPECS_DIR, crossSpecProblems, loadTableSpec, loadTableSpecs, problemLine, SPEC_FILE, specFilesIn, specForTopic, TableSpecError, type LoadOptions } from './load-specs.js';
export { lakeTypeOfSpec, partitionSpecFor, resolveTableSpec, type DerivedColumn, type ResolvedTableSpec, type SpecLookup, type SpecPartitionField, type SpecProblem } from './resolve-spec.js';
export { EVENT_TIME_FORMATS, IDENTIFIER, NORMALIZERS, PARQUET_CODECS, SPEC_COLUMN_TYPES, tableSpecDocument, type EventTimeFormat, type Normalizer, type SpecColumnType, type TableSpecDocument } from './spec-document.js';
export { builtInSpecFiles, builtInTableSpec, LISTENING_EVENTS_PII_FIELDS } from './built-in-specs.js';
export { deploymentSpecs } from './deployment-specs.js';
export { tableDefinitionOf } from './table-definition.js';

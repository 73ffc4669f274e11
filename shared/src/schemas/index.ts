export { listeningEventV1, LISTENING_EVENT_FIELDS, REASON_START_VALUES, REASON_END_VALUES, type ListeningEvent } from './listening-event.js';
export { CanonicalLineMatcher, type CapturedValue, type MatcherOptions, type ObjectSchema } from './canonical-line-matcher.js';
export { CANONICAL_CAPTURE, FIELD_NORMALISERS, listeningEventCanonicalForm, listeningEventCanonicalMatcher, listeningEventJsonSchema } from './listening-event-canonical.js';
export { trackV1, type Track } from './track.js';
export { dlqHeadersV1, toKafkaHeaders, fromKafkaHeaders, PIPELINE_STAGES, type DlqHeaders, type PipelineStage } from './dlq.js';
export { stagedFileManifestV1, lakeFileManifestV1, dataFileMetricsV1, type StagedFileManifest, type LakeFileManifest, type DataFileMetrics } from './manifests.js';
export { pipelineTopics } from './topics.js';
export {
  CONTENT_TYPES,
  PLATFORM_FAMILIES,
  PLATFORM_FAMILY_FALLBACK,
  PLATFORM_FAMILY_RULES,
  SKIP_REASONS_END,
  contentTypeOf,
  contentTypeSql,
  isSkipOf,
  isSkipSql,
  LISTENING_DERIVED_SQL,
  platformFamilyOf,
  platformFamilySql,
  type ContentType,
} from './derived-fields.js';
export {
  columnsFromContract,
  lakeTypeOf,
  toDuckDbType,
  toGlueType,
  DERIVED_LISTENING_COLUMNS,
  LAKE_TABLES,
  adoptLakeTables,
  lakeTableDefinition,
  lakeTables,
  LISTENING_EVENTS_TABLE,
  LISTENING_EVENTS_COLUMNS,
  TRACKS_TABLE,
  TRACKS_COLUMNS,
  type LakeColumn,
  type LakeType,
  type LakeTableDefinition,
} from './lake-columns.js';

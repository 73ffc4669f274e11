export { parseIcebergJson, stringifyIcebergJson } from './big-ids.js';
export { decodeAvroFile, encodeAvroFile } from './avro-container.js';
export { deserializeBound, serializeBound } from './bounds.js';
export { S3FileIO, parseS3Uri, s3Uri, type ListedObject } from './file-io.js';
export {
  ADDED,
  DELETED,
  EXISTING,
  decodeManifest,
  decodeManifestList,
  encodeManifest,
  encodeManifestList,
  type DataFile,
  type EntryStatus,
  type ManifestEntry,
  type ManifestFile,
  type PartitionFieldSummary,
  type PartitionValue,
  type PartitionValues,
} from './manifests.js';
export { partitionValueType } from './manifest-schemas.js';
export { murmur3x86_32 } from './murmur3.js';
export { humanPartitionValue, javaDoubleString, javaUrlEncode, partitionPath, partitionToPath } from './partition-path.js';
export { comparePartitionValues, partitionSummaries } from './partition-summaries.js';
export {
  bucketOf,
  exactLong,
  icebergHash,
  icebergValueOf,
  parseTransform,
  partitionTupleOf,
  partitionValueOf,
  recordPartitioner,
  type IcebergValue,
  type ParsedTransform,
  type RecordPartitionField,
} from './partition-transforms.js';
export { RestCatalog, type CreateTableRequest, type RequestSigner, type RestCatalogOptions, type TableRequirement, type TableUpdate } from './rest-catalog.js';
export { sigv4Signer } from './sigv4-signer.js';
export {
  fileEventHourStartMs,
  FIRST_PARTITION_FIELD_ID,
  icebergSchemaOf,
  icebergTypeOf,
  lakeColumnsOf,
  lakeTypeOfIceberg,
  partitionSpecOf,
  timeTransform,
  transformStartMs,
  type TimePartitioning,
} from './schema.js';
export { newSnapshotId, prepareSnapshot, RemovedFileNotLive, type PreparedSnapshot, type SnapshotChange } from './snapshot-builder.js';
export { TableReader, type LiveFile } from './table-reader.js';
export {
  ancestors,
  currentSchema,
  currentSnapshot,
  defaultSpec,
  snapshotAsOf,
  snapshotById,
  type IcebergField,
  type IcebergPrimitive,
  type IcebergSchema,
  type LoadedTable,
  type PartitionField,
  type PartitionSpec,
  type Snapshot,
  type TableMetadata,
} from './table-metadata.js';
export { ColumnTypeConflict, LAKE_TABLE_PROPERTIES, LakeCatalog, restCatalogFor } from './lake-catalog.js';
export { ICEBERG_CATALOGS, icebergSettingsSchema, type IcebergCatalogKind, type IcebergSettings } from './settings.js';

import { timeTransform, type DataFile, type PartitionSpec } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';

export const fileUri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

const numbers = (map: Record<string, number>): Record<number, number> => Object.fromEntries(Object.entries(map).map(([k, v]) => [Number(k), v]));
const buffers = (map: Record<string, string>): Record<number, Buffer> => Object.fromEntries(Object.entries(map).map(([k, v]) => [Number(k), Buffer.from(v, 'base64')]));

/**
 * The Iceberg data file a lake manifest describes: the event-time partition value is derived
 * from the manifest's event hour with the table's own transform, the others are the manifest's, the metrics are the ETL's (from the
 * Parquet footer), so the committer never reads a data file.
 */
export function dataFileOf(manifest: LakeFileManifest, spec: PartitionSpec): DataFile {
  const partition: DataFile['partition'] = {};
  for (const field of spec.fields) {
    if (field.transform === 'hour' || field.transform === 'day') {
      if (!manifest.partition) throw new Error(`${manifest.key} has no event hour, but ${manifest.table} is partitioned by ${field.transform}`);
      partition[field.name] = timeTransform(field.transform, Date.parse(`${manifest.partition.dt}T${manifest.partition.hour}:00:00Z`));
      continue;
    }
    // identity and bucket[N]: the ETL computed the value with Iceberg's transform when it cut the file.
    if (field.transform !== 'identity' && !/^bucket\[\d+\]$/.test(field.transform)) throw new Error(`${manifest.table}: partition transform ${field.transform} is not written by this pipeline`);
    const value = manifest.partition_values?.[field.name];
    if (value === undefined) throw new Error(`${manifest.key} has no value for the partition field ${field.name} of ${manifest.table}`);
    partition[field.name] = value;
  }
  const file: DataFile = {
    filePath: fileUri(manifest.bucket, manifest.key),
    fileFormat: 'PARQUET',
    partition,
    recordCount: manifest.row_count,
    fileSizeInBytes: manifest.size_bytes,
  };
  if (manifest.metrics) {
    file.columnSizes = numbers(manifest.metrics.column_sizes);
    file.valueCounts = numbers(manifest.metrics.value_counts);
    file.nullValueCounts = numbers(manifest.metrics.null_value_counts);
    file.lowerBounds = buffers(manifest.metrics.lower_bounds);
    file.upperBounds = buffers(manifest.metrics.upper_bounds);
  }
  return file;
}

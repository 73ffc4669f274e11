import { parseS3Uri, type LiveFile, type PartitionSpec } from '@spotify-pipeline/shared/iceberg';
import { hourPartitionOfValue } from '../pipeline/lake-keys.js';
import type { HourFiles } from './compaction-plan.js';

export interface TableHours {
  hours: HourFiles[];
  /** Keys of every live file of the table in the lake bucket (to settle in-flight compactions). */
  liveKeys: Set<string>;
  /** Live files this worker leaves alone: another bucket, or no hour partition value. */
  skipped: number;
}

/**
 * The live data files of a table snapshot, grouped by their hour partition value (the spec's
 * `hour` field, `ts_hour`): what a compaction plans from. The table is the truth of what is live;
 * no manifest history is replayed for it. Files outside the lake bucket or without an hour value
 * (written under another spec) are never compacted: this worker could not read them, or would
 * not know where their rows belong.
 */
export function hoursOf(table: string, live: readonly LiveFile[], spec: PartitionSpec, lakeBucket: string): TableHours {
  const field = spec.fields.find((f) => f.transform === 'hour');
  const byHour = new Map<number, HourFiles>();
  const liveKeys = new Set<string>();
  let skipped = 0;
  for (const { entry, manifest } of live) {
    const { bucket, key } = parseS3Uri(entry.dataFile.filePath);
    if (bucket !== lakeBucket) {
      skipped++;
      continue;
    }
    liveKeys.add(key);
    const value = field && manifest.partitionSpecId === spec['spec-id'] ? entry.dataFile.partition[field.name] : undefined;
    if (typeof value !== 'number') {
      skipped++;
      continue;
    }
    let hour = byHour.get(value);
    if (!hour) byHour.set(value, (hour = { table, partition: hourPartitionOfValue(value), files: [] }));
    hour.files.push({ key, sizeBytes: entry.dataFile.fileSizeInBytes, rowCount: entry.dataFile.recordCount });
  }
  return { hours: [...byHour.keys()].sort((a, b) => a - b).map((v) => byHour.get(v)!), liveKeys, skipped };
}

import { fileEventHourStartMs, parseS3Uri, type LiveFile, type PartitionSpec } from '@spotify-pipeline/shared/iceberg';
import { fieldPartitionValues, hourPartitionOfValue } from '../pipeline/lake-keys.js';
import type { HourFiles } from './compaction-plan.js';

export interface TableHours {
  hours: HourFiles[];
  /** Keys of every live file of the table in the lake bucket (to settle in-flight compactions). */
  liveKeys: Set<string>;
  /** Live files this worker leaves alone: another bucket, or no event hour. */
  skipped: number;
}

/**
 * The live data files of a table snapshot, grouped by event hour and, for a spec table, by the
 * values of its other partition fields (identity, bucket): what a compaction plans from. The
 * table is the truth of what is live; no manifest history is replayed for it. Files outside the
 * lake bucket or without an event hour (written under another spec) are never compacted: this
 * worker could not read them, or would not know where their rows belong.
 */
export function hoursOf(table: string, live: readonly LiveFile[], spec: PartitionSpec, lakeBucket: string): TableHours {
  const timeField = spec.fields.find((f) => f.transform === 'hour' || f.transform === 'day');
  const groups = new Map<string, { hour: number; group: HourFiles }>();
  const liveKeys = new Set<string>();
  let skipped = 0;
  for (const { entry, manifest } of live) {
    const { bucket, key } = parseS3Uri(entry.dataFile.filePath);
    if (bucket !== lakeBucket) {
      skipped++;
      continue;
    }
    liveKeys.add(key);
    const tuple = entry.dataFile.partition;
    const value = timeField && manifest.partitionSpecId === spec['spec-id'] ? tuple[timeField.name] : undefined;
    const hourStart = typeof value === 'number' ? fileEventHourStartMs(timeField!, value, entry.dataFile.lowerBounds) : undefined;
    if (hourStart === undefined) {
      skipped++;
      continue;
    }
    const hour = hourStart / 3_600_000;
    const others = fieldPartitionValues(spec, tuple);
    const groupKey = `${hour}|${JSON.stringify(others ?? {})}`;
    let found = groups.get(groupKey);
    if (!found) {
      const group: HourFiles = { table, partition: hourPartitionOfValue(hour), tuple, ...(others ? { partitionValues: others } : {}), files: [] };
      groups.set(groupKey, (found = { hour, group }));
    }
    found.group.files.push({ key, sizeBytes: entry.dataFile.fileSizeInBytes, rowCount: entry.dataFile.recordCount });
  }
  const ordered = [...groups.entries()].sort(([a, x], [b, y]) => x.hour - y.hour || (a < b ? -1 : a > b ? 1 : 0));
  return { hours: ordered.map(([, { group }]) => group), liveKeys, skipped };
}

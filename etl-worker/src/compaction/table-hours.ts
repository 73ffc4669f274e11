import { deserializeBound, parseS3Uri, transformStartMs, type LiveFile, type PartitionField, type PartitionSpec, type PartitionValues } from '@spotify-pipeline/shared/iceberg';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { hourPartitionOfValue } from '../pipeline/lake-keys.js';
import type { HourFiles } from './compaction-plan.js';

export interface TableHours {
  hours: HourFiles[];
  /** Keys of every live file of the table in the lake bucket (to settle in-flight compactions). */
  liveKeys: Set<string>;
  /** Live files this worker leaves alone: another bucket, or no event hour. */
  skipped: number;
}

const HOUR_MS = 3_600_000;

/**
 * The event hour (hours since the epoch) a file's rows fall in: its `hour` partition value, or for
 * a `day` partition the hour of its lower bound on the event-time column. The ETL cuts every file
 * of one event hour apart (the lineage ledger's unit), so either names the file's only hour.
 */
function eventHourOf(field: PartitionField, value: number, lowerBounds: Record<number, Buffer> | undefined): number | undefined {
  if (field.transform === 'hour') return value;
  const bound = lowerBounds?.[field['source-id']];
  if (!bound) return undefined;
  const lowerMs = Number((deserializeBound('timestamp', bound) as bigint) / 1000n);
  const dayStart = transformStartMs('day', value);
  return lowerMs >= dayStart && lowerMs < dayStart + 24 * HOUR_MS ? Math.floor(lowerMs / HOUR_MS) : undefined;
}

/** A manifest's JSON form of a partition value (a long beyond 2^53 as its digits). */
const jsonValue = (value: PartitionValues[string]): string | number | boolean | null => (typeof value === 'bigint' ? value.toString() : value);

/**
 * The live data files of a table snapshot, grouped by event hour and, for a spec table, by the
 * values of its other partition fields (identity, bucket): what a compaction plans from. The
 * table is the truth of what is live; no manifest history is replayed for it. Files outside the
 * lake bucket or without an event hour (written under another spec) are never compacted: this
 * worker could not read them, or would not know where their rows belong.
 */
export function hoursOf(table: string, live: readonly LiveFile[], spec: PartitionSpec, lakeBucket: string): TableHours {
  const timeField = spec.fields.find((f) => f.transform === 'hour' || f.transform === 'day');
  const otherFields = spec.fields.filter((f) => f !== timeField);
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
    const hour = typeof value === 'number' ? eventHourOf(timeField!, value, entry.dataFile.lowerBounds) : undefined;
    if (hour === undefined) {
      skipped++;
      continue;
    }
    const others: NonNullable<LakeFileManifest['partition_values']> = Object.fromEntries(otherFields.map((f) => [f.name, jsonValue(tuple[f.name] ?? null)]));
    const groupKey = `${hour}|${JSON.stringify(others)}`;
    let found = groups.get(groupKey);
    if (!found) {
      const group: HourFiles = { table, partition: hourPartitionOfValue(hour), tuple, ...(otherFields.length > 0 ? { partitionValues: others } : {}), files: [] };
      groups.set(groupKey, (found = { hour, group }));
    }
    found.group.files.push({ key, sizeBytes: entry.dataFile.fileSizeInBytes, rowCount: entry.dataFile.recordCount });
  }
  const ordered = [...groups.entries()].sort(([a, x], [b, y]) => x.hour - y.hour || (a < b ? -1 : a > b ? 1 : 0));
  return { hours: ordered.map(([, { group }]) => group), liveKeys, skipped };
}

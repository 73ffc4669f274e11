import { currentSnapshot, defaultSpec, deserializeBound, transformStartMs, type LoadedTable, type PartitionField, type TableReader } from '@spotify-pipeline/shared/iceberg';
import { hourId } from '../sync/plan-lineage.js';

export interface HourFiles {
  id: string;
  table: string;
  /** Empty for an unpartitioned table. */
  dt: string;
  hour: string;
  files: number;
  rows: number;
  bytes: number;
}

/**
 * The event hour a file's rows fall in. A `day` partition value names only the day; the ETL cuts
 * every file of an event hour apart (the lineage ledger's unit), so the file's lower bound on the
 * event-time column (µs) names its hour.
 */
function hourStartOf(field: PartitionField, value: number, lowerBounds: Record<number, Buffer> | undefined): number {
  const start = transformStartMs(field.transform as 'hour' | 'day', value);
  const bound = field.transform === 'day' ? lowerBounds?.[field['source-id']] : undefined;
  if (!bound) return start;
  const lowerMs = Number(BigInt(deserializeBound('timestamp', bound)) / 1000n);
  return lowerMs >= start ? Math.floor(lowerMs / 3_600_000) * 3_600_000 : start;
}

/**
 * A table's current snapshot summed per event hour (the `hour(ts)` partition value, read from
 * the manifests, not from folder names): what a reader of the table counts in each hour.
 */
export async function filesByHour(table: string, loaded: LoadedTable, reader: TableReader): Promise<Map<string, HourFiles>> {
  const spec = defaultSpec(loaded.metadata);
  const field = spec.fields[0];
  const hours = new Map<string, HourFiles>();
  for (const { entry } of await reader.liveFiles(currentSnapshot(loaded.metadata))) {
    let dt = '';
    let hour = '';
    const value = field ? entry.dataFile.partition[field.name] : undefined;
    if (field && typeof value === 'number' && (field.transform === 'hour' || field.transform === 'day')) {
      const iso = new Date(hourStartOf(field, value, entry.dataFile.lowerBounds)).toISOString();
      dt = iso.slice(0, 10);
      hour = iso.slice(11, 13);
    }
    const id = dt ? hourId(table, { dt, hour }) : table;
    const sums = hours.get(id) ?? { id, table, dt, hour, files: 0, rows: 0, bytes: 0 };
    sums.files += 1;
    sums.rows += entry.dataFile.recordCount;
    sums.bytes += entry.dataFile.fileSizeInBytes;
    hours.set(id, sums);
  }
  return hours;
}

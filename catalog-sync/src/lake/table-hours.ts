import { currentSnapshot, defaultSpec, fileEventHourStartMs, transformStartMs, type LoadedTable, type TableReader } from '@spotify-pipeline/shared/iceberg';
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
      // A day file without a usable bound counts at its day's start.
      const iso = new Date(fileEventHourStartMs(field, value, entry.dataFile.lowerBounds) ?? transformStartMs(field.transform, value)).toISOString();
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

/**
 * The ETL's placement rule, as a catalog with one location per partition (Glue) needs it
 * (etl-worker/README.md, "Compaction and late data"): before its first compaction an hour
 * partition's files are in the partition folder; from then on every live file is in the live
 * generation's folder (`…/hour=HH/compacted-<generation>/`), late `add` files included, so the
 * partition's location is that folder and a late file needs no catalog change besides its listing.
 */

/** The compacted generation whose folder holds a key, if any. */
export function generationOfKey(key: string): string | undefined {
  return /\/compacted-([^/]+)\/[^/]+$/.exec(key)?.[1];
}

/**
 * What a lake file is, wherever it was written: an `add` is named by its staged object's offsets
 * (`part-<topic>+<partition>+<first:020>.parquet`), the same in the partition folder and in any
 * generation folder. A second key with the identity of a file already known is the same staged
 * object written again (a replay after a compaction moved the folder): its rows are already counted.
 */
export function fileIdentity(key: string): string {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return /^part-.+\+\d+\+\d{20}\.parquet$/.test(name) ? name : key;
}

/** The folder (key prefix) a key is directly in. */
export const folderKey = (key: string): string => key.slice(0, key.lastIndexOf('/') + 1);

/**
 * Live files of a partition that its one location does not cover: the location is the folder of
 * its compacted files (or of its only folder before any compaction), so these are files written
 * outside the live generation's folder (a writer that had not seen the compaction yet). The ETL's
 * compactor compacts such a partition again at once; until then Athena misses their rows, which
 * reconciliation reports as an engine difference.
 */
export function filesOutsideLocation(liveKeys: string[]): string[] {
  const compacted = liveKeys.filter((k) => generationOfKey(k) !== undefined && fileIdentity(k) === k);
  const location = compacted.length > 0 ? folderKey(compacted.sort()[compacted.length - 1]!) : undefined;
  if (!location) {
    const folders = new Set(liveKeys.map(folderKey));
    return folders.size <= 1 ? [] : liveKeys.filter((k) => generationOfKey(k) !== undefined).sort();
  }
  return liveKeys.filter((k) => folderKey(k) !== location).sort();
}

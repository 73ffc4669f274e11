import type { Logger } from '@spotify-pipeline/shared/logging';
import { DELETED, type LakeCatalog, type S3FileIO, type TableReader } from '@spotify-pipeline/shared/iceberg';
import type { SyncMetrics } from '../sync/sync-metrics.js';
import { snapshotsToExpire, type ExpiryPolicy } from './snapshot-expiry.js';

export interface JanitorPolicy extends ExpiryPolicy {
  /**
   * An unreferenced file younger than this is left alone: it may be a data file whose manifest is
   * still on its way through Kafka, or a manifest of a commit in flight.
   */
  orphanMinAgeMs: number;
}

export interface JanitorReport {
  table: string;
  expiredSnapshots: number;
  deletedData: number;
  deletedMetadata: number;
}

/**
 * Keeps a table's storage bounded (the janitor the Hive-folder lake never had):
 * 1. expires old snapshots through the catalog (`remove-snapshots`), then
 * 2. deletes every data file, manifest and manifest list under the table's location that no
 *    retained snapshot references and that is older than the orphan grace period: the files of
 *    expired snapshots, compaction inputs, and orphans of crashed writers and failed commits.
 * Only `data/` objects and `metadata/*.avro` are candidates: metadata JSON files belong to the
 * catalog, which prunes them itself (write.metadata.delete-after-commit.enabled).
 */
export class Janitor {
  constructor(
    private readonly deps: { lake: LakeCatalog; io: S3FileIO; reader: TableReader; policy: JanitorPolicy; metrics: SyncMetrics; logger: Logger; now?: () => number },
  ) {}

  async clean(table: string): Promise<JanitorReport> {
    const { lake, io, reader, policy, logger } = this.deps;
    const now = (this.deps.now ?? Date.now)();
    let loaded = await lake.load(table);
    const expired = snapshotsToExpire(loaded.metadata, policy, now);
    if (expired.length > 0) {
      loaded = await lake.rest.commit(lake.namespace, table, [{ type: 'assert-table-uuid', uuid: loaded.metadata['table-uuid'] }], [
        { action: 'remove-snapshots', 'snapshot-ids': expired.map((s) => s['snapshot-id']) },
      ]);
      this.deps.metrics.snapshotsExpired.inc({ table }, expired.length);
      logger.info({ table, expired: expired.length }, 'SnapshotsExpired');
    }

    // Everything the retained snapshots can still read.
    const referenced = new Set<string>();
    for (const snapshot of loaded.metadata.snapshots ?? []) {
      referenced.add(snapshot['manifest-list']);
      for (const manifest of await reader.manifestList(snapshot)) {
        referenced.add(manifest.manifestPath);
        // A DELETED entry records the removal; the snapshot cannot read that file.
        for (const entry of await reader.entries(manifest)) if (entry.status !== DELETED) referenced.add(entry.dataFile.filePath);
      }
    }
    const location = loaded.metadata.location.replace(/\/$/, '');
    const candidates = [...(await io.list(`${location}/data/`)), ...(await io.list(`${location}/metadata/`)).filter((o) => o.uri.endsWith('.avro'))];
    const unreferenced = candidates.filter((o) => !referenced.has(o.uri) && o.lastModifiedMs < now - policy.orphanMinAgeMs);
    if (unreferenced.length > 0) await io.delete(unreferenced.map((o) => o.uri));
    const deletedData = unreferenced.filter((o) => o.uri.startsWith(`${location}/data/`)).length;
    const deletedMetadata = unreferenced.length - deletedData;
    if (deletedData > 0) this.deps.metrics.filesDeleted.inc({ table, kind: 'data' }, deletedData);
    if (deletedMetadata > 0) this.deps.metrics.filesDeleted.inc({ table, kind: 'metadata' }, deletedMetadata);
    if (unreferenced.length > 0) logger.info({ table, deletedData, deletedMetadata }, 'UnreferencedFilesDeleted');
    return { table, expiredSnapshots: expired.length, deletedData, deletedMetadata };
  }
}

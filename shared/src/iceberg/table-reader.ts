import type { S3FileIO } from './file-io.js';
import { DELETED, decodeManifest, decodeManifestList, type ManifestEntry, type ManifestFile } from './manifests.js';
import { currentSnapshot, type Snapshot, type TableMetadata } from './table-metadata.js';

/** A live data file of a snapshot and the manifest that lists it. */
export interface LiveFile {
  entry: ManifestEntry;
  manifest: ManifestFile;
}

/**
 * Reads what a snapshot holds: manifest list → manifests → live entries. Manifests and manifest
 * lists are immutable once written (every commit writes new ones), so both are cached by path;
 * the cache is bounded by entry count, oldest dropped first.
 */
export class TableReader {
  private readonly lists = new Map<string, ManifestFile[]>();
  private readonly manifests = new Map<string, ManifestEntry[]>();
  private cachedEntries = 0;

  constructor(
    private readonly io: S3FileIO,
    private readonly maxCachedEntries = 2_000_000,
  ) {}

  async manifestList(snapshot: Snapshot): Promise<ManifestFile[]> {
    const path = snapshot['manifest-list'];
    let list = this.lists.get(path);
    if (!list) {
      list = decodeManifestList(await this.io.read(path));
      this.lists.set(path, list);
      if (this.lists.size > 4_096) this.lists.delete(this.lists.keys().next().value!);
    }
    return list;
  }

  async entries(manifest: ManifestFile): Promise<ManifestEntry[]> {
    let entries = this.manifests.get(manifest.manifestPath);
    if (!entries) {
      entries = decodeManifest(await this.io.read(manifest.manifestPath), manifest);
      this.manifests.set(manifest.manifestPath, entries);
      this.cachedEntries += entries.length;
      while (this.cachedEntries > this.maxCachedEntries && this.manifests.size > 1) {
        const [oldest, dropped] = this.manifests.entries().next().value!;
        this.manifests.delete(oldest);
        this.cachedEntries -= dropped.length;
      }
    }
    return entries;
  }

  /** Every data file a reader of the snapshot scans (no delete files: this lake never writes them). */
  async liveFiles(snapshot: Snapshot | undefined): Promise<LiveFile[]> {
    if (!snapshot) return [];
    const live: LiveFile[] = [];
    const manifests = await this.manifestList(snapshot);
    for (const manifest of manifests) {
      if (manifest.content !== 0) throw new Error(`snapshot ${snapshot['snapshot-id']} has delete manifests (${manifest.manifestPath}): row-level deletes are not supported here`);
      for (const entry of await this.entries(manifest)) if (entry.status !== DELETED) live.push({ entry, manifest });
    }
    return live;
  }

  async currentFiles(metadata: TableMetadata): Promise<LiveFile[]> {
    return this.liveFiles(currentSnapshot(metadata));
  }
}

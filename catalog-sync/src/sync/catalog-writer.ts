import type { Logger } from '@spotify-pipeline/shared/logging';
import type { Catalog } from '../catalog/catalog.js';
import type { CatalogAction } from './plan-batch.js';
import type { SyncMetrics } from './sync-metrics.js';

/**
 * Carries out a batch plan against the catalog, in plan order (tables before partitions, adds
 * before swaps, swaps before closes). Every action is idempotent, so a batch that failed halfway
 * is simply carried out again.
 */
export class CatalogWriter {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly metrics: SyncMetrics,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The backend's mode: whether a partition is read from one location (not `local`) or a file list. */
  get mode(): string {
    return this.catalog.mode;
  }

  async apply(actions: CatalogAction[]): Promise<void> {
    for (const action of actions) {
      switch (action.kind) {
        case 'ensureTable':
          // Once per process: the table only changes through addColumns afterwards.
          if (this.ensured.has(action.spec.name)) continue;
          await this.catalog.ensureTable(action.spec);
          this.ensured.add(action.spec.name);
          break;
        case 'addColumns':
          await this.catalog.addColumns(action.table, action.columns);
          this.logger.info({ table: action.table, columns: action.columns.map((c) => c.name) }, 'ColumnsAdded');
          break;
        case 'register':
          await this.catalog.registerPartitions(action.table, action.partitions);
          this.logger.info({ table: action.table, partitions: action.partitions.length, files: action.partitions.reduce((n, p) => n + p.files.length, 0) }, 'PartitionsRegistered');
          break;
        case 'swap':
          await this.catalog.switchPartitionFiles(action.table, action.swap);
          this.logger.info({ table: action.table, dt: action.swap.dt, hour: action.swap.hour, removed: action.swap.remove.length, added: action.swap.add.length }, 'PartitionCompacted');
          break;
        case 'close':
          await this.catalog.setPartitionClosed(action.table, action.partition, { closedAtMs: this.now(), watermarkMs: action.watermarkMs });
          this.metrics.partitionsClosed.inc({ table: action.table });
          this.logger.info({ table: action.table, ...action.partition, watermarkMs: action.watermarkMs }, 'PartitionClosed');
          break;
      }
      this.metrics.catalogWrites.inc({ kind: action.kind });
    }
  }
}

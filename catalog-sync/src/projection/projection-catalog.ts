import type { GlueClient } from '@aws-sdk/client-glue';
import type { PartitionSwap, TableSpec } from '../catalog/catalog.js';
import { GlueCatalog, type GlueCatalogOptions } from '../glue/glue-catalog.js';
import { projectionParameters, type ProjectionOptions } from './projection-parameters.js';

/**
 * Projection mode: the tables carry partition projection properties, so Athena finds new hours
 * without any partition write. Partitions are still registered in Glue, because they carry the
 * completeness parameters other tools (and `catalog status`) read; Athena ignores them.
 */
export class ProjectionCatalog extends GlueCatalog {
  override readonly mode = 'projection';

  constructor(glue: GlueClient, options: GlueCatalogOptions, projection: ProjectionOptions) {
    super(glue, { ...options, tableParameters: (spec: TableSpec) => ({ ...options.tableParameters?.(spec), ...projectionParameters(spec, projection) }) });
  }

  /** Athena reads the location template, not the partition's location: a swap only changes Glue. */
  override async switchPartitionFiles(table: string, swap: PartitionSwap): Promise<void> {
    this.options.logger.warn({ table, dt: swap.dt, hour: swap.hour }, 'CompactionNotVisibleUnderProjection');
    await super.switchPartitionFiles(table, swap);
  }
}

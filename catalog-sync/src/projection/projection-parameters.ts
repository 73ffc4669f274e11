import type { TableSpec } from '../catalog/catalog.js';

export interface ProjectionOptions {
  /** First day the lake can hold, yyyy-MM-dd. */
  firstDay: string;
}

/**
 * Athena partition projection for the dt/hour layout: Athena computes the partitions from these
 * properties instead of reading them from Glue, so new hours are queryable with no catalog write.
 * The price: a compaction swap cannot move a partition to a new location (the template is fixed),
 * and partition parameters (completeness) are not what Athena reads.
 */
export function projectionParameters(spec: TableSpec, options: ProjectionOptions): Record<string, string> {
  if (spec.partitionKeys.length === 0) return {};
  return {
    'projection.enabled': 'true',
    'projection.dt.type': 'date',
    'projection.dt.format': 'yyyy-MM-dd',
    'projection.dt.range': `${options.firstDay},NOW`,
    'projection.dt.interval': '1',
    'projection.dt.interval.unit': 'DAYS',
    'projection.hour.type': 'integer',
    'projection.hour.range': '0,23',
    'projection.hour.digits': '2',
    'storage.location.template': `${spec.location}dt=\${dt}/hour=\${hour}/`,
  };
}

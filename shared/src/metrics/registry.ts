import { collectDefaultMetrics, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';

/**
 * One registry per service, created in main.ts and passed down: no global registry, so tests build
 * several apps in one process without metric name clashes.
 */
export function createRegistry(service: string, withDefaults = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: `pipeline_${service.replace(/-/g, '_')}_` });
  return registry;
}

/** Buckets for object and batch sizes, 1 KiB .. 512 MiB. */
export const SIZE_BUCKETS_BYTES = [1024, 16_384, 131_072, 1_048_576, 8_388_608, 33_554_432, 134_217_728, 536_870_912];

/** Buckets for latencies, 1 ms .. 2 min. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

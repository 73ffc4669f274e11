import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';

export type MetricsJson = Array<MetricObjectWithValues<MetricValue<string>>>;

/**
 * /metrics of a process with several consumers: the supervisor's own metrics and every consumer's,
 * merged by prom-client's cluster aggregation (each metric's `aggregator`: counters, histograms and
 * the sink's gauges are summed; the default process metrics summed or averaged as prom-client
 * declares them). Consumers own disjoint partitions, so the summed per-partition lag stays exact.
 */
export class MergedRegistry extends Registry {
  constructor(
    private readonly local: Registry,
    private readonly remote: () => Promise<MetricsJson[]>,
  ) {
    super();
  }

  override async metrics(): Promise<string> {
    return (await this.merged()).metrics();
  }

  override async getMetricsAsJSON(): Promise<MetricsJson> {
    return (await this.merged()).getMetricsAsJSON() as Promise<MetricsJson>;
  }

  private async merged(): Promise<Registry> {
    const parts = [(await this.local.getMetricsAsJSON()) as MetricsJson, ...(await this.remote())];
    return AggregatorRegistry.aggregate(parts as Parameters<typeof AggregatorRegistry.aggregate>[0]);
  }
}

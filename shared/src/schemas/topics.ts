import type { TopicSettings } from '../config/common.js';

/**
 * The topics the pipeline needs, with the configs that make them correct: compaction for tracks, an
 * explicit retention for the pipeline's own topics (the broker's default, often 7 days, would let a
 * lagging stage skip manifests without noticing). Existing topics keep their configuration: change
 * those with kafka-configs (docs/operations.md).
 */
export function pipelineTopics(settings: TopicSettings): Array<{ name: string; partitions: number; replicationFactor: number; config?: Record<string, string> }> {
  const base = { partitions: settings.partitions, replicationFactor: settings.replicationFactor };
  return [
    { name: settings.listeningEvents, ...base },
    { name: settings.tracks, ...base, config: { 'cleanup.policy': 'compact' } },
    { name: settings.dlq, ...base, config: { 'retention.ms': String(settings.dlqRetentionMs) } },
    { name: settings.stagedFiles, ...base, config: { 'retention.ms': String(settings.manifestRetentionMs) } },
    { name: settings.lakeFiles, ...base, config: { 'retention.ms': String(settings.manifestRetentionMs) } },
  ];
}

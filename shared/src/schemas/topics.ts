import type { TopicSettings } from '../config/common.js';

/** The topics the pipeline needs, with the configs that make them correct (compaction for tracks). */
export function pipelineTopics(settings: TopicSettings): Array<{ name: string; partitions: number; replicationFactor: number; config?: Record<string, string> }> {
  const base = { partitions: settings.partitions, replicationFactor: settings.replicationFactor };
  return [
    { name: settings.listeningEvents, ...base },
    { name: settings.tracks, ...base, config: { 'cleanup.policy': 'compact' } },
    { name: settings.dlq, ...base },
    { name: settings.stagedFiles, ...base },
    { name: settings.lakeFiles, ...base },
  ];
}

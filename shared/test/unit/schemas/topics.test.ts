import { topicSettingsSchema } from '@spotify-pipeline/shared/config';
import { pipelineTopics } from '@spotify-pipeline/shared/schemas';

describe('pipelineTopics', () => {
  it("creates the pipeline's own topics with an explicit retention, forever by default (the broker's 7 days would let a lagging stage skip manifests)", () => {
    const topics = pipelineTopics(topicSettingsSchema.parse({}));
    const config = Object.fromEntries(topics.map((t) => [t.name, t.config ?? {}]));
    expect(config['pipeline.staged-files']).toEqual({ 'retention.ms': '-1' });
    expect(config['pipeline.lake-files']).toEqual({ 'retention.ms': '-1' });
    expect(config['listening-events.dlq']).toEqual({ 'retention.ms': '-1' });
    expect(config.tracks).toEqual({ 'cleanup.policy': 'compact' });
    // The source topic is the user's: its retention is theirs to set.
    expect(config['listening-events']).toEqual({});
  });

  it('takes configured retentions', () => {
    const topics = pipelineTopics(topicSettingsSchema.parse({ manifestRetentionMs: '2592000000', dlqRetentionMs: '604800000' }));
    expect(topics.find((t) => t.name === 'pipeline.lake-files')!.config).toEqual({ 'retention.ms': '2592000000' });
    expect(topics.find((t) => t.name === 'listening-events.dlq')!.config).toEqual({ 'retention.ms': '604800000' });
  });
});

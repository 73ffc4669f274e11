export { listeningEventV1, LISTENING_EVENT_FIELDS, REASON_START_VALUES, REASON_END_VALUES, type ListeningEvent } from './listening-event.js';
export { trackV1, type Track } from './track.js';
export { dlqHeadersV1, toKafkaHeaders, fromKafkaHeaders, PIPELINE_STAGES, type DlqHeaders } from './dlq.js';
export { stagedFileManifestV1, lakeFileManifestV1, type StagedFileManifest, type LakeFileManifest } from './manifests.js';
export { pipelineTopics } from './topics.js';

/**
 * The library surface of producer-service, for benchmarks and tools that drive the producer's
 * hot path directly (the service itself starts from main.ts).
 */
export { buildWorld, ListeningSimulator, sessionsForEventRate, sessionsForUsers, type SimulatedWorld, type SimulationWindow } from './simulator/listening-simulator.js';
export type { SimulatedPlay } from './simulator/simulated-play.js';
export { createPlaySource, InlinePlaySource, WorkerPlaySource, type PlaySource } from './simulator/play-source.js';
export type { GeneratorSpec } from './simulator/generator-spec.js';
export type { PlayBatch } from './simulator/play-batch.js';
export { encodeListeningEvent } from './encoding/event-encoder.js';
export { Prng } from './simulator/prng.js';
export { RecordPublisher, ERR_QUEUE_FULL, PUBLISHER_PRODUCER_SETTINGS } from './publish/record-publisher.js';
export { createProducerMetrics, type ProducerMetrics } from './publish/producer-metrics.js';
export { RunSummary } from './publish/run-summary.js';
export { runSimulation } from './simulator/simulation-run.js';
export { TransactionalRun, transactionProducerOverrides } from './exactly-once/transactional-run.js';

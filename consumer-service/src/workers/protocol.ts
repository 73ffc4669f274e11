import type { MetricsJson } from './merged-metrics.js';
import type { WorkerHealthReport } from './worker-health.js';

/** Consumer → supervisor, over the child's IPC channel. */
export type WorkerMessage = ({ type: 'health' } & WorkerHealthReport) | { type: 'metrics'; id: number; metrics: MetricsJson };

/** Supervisor → consumer. Stopping is a SIGTERM, handled by the consumer's own runService. */
export type SupervisorMessage = { type: 'metrics'; id: number };

/** How often a consumer reports its health. */
export const HEALTH_REPORT_INTERVAL_MS = 1_000;

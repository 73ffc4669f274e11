export { runShutdown, type ShutdownStep } from './shutdown-steps.js';
export { onTerminationSignal, type SignalSource } from './signals.js';
export { runService, EXIT_CONFIG, EXIT_USAGE, type ServiceApp, type ServiceContext, type ServiceSpec, type ProcessLike } from './run-service.js';
export { faultPoints, NO_FAULT_POINTS, type FaultPoints } from './fault-points.js';
export { LoopHealth } from './loop-health.js';

export { createRegistry, Counter, Gauge, Histogram, Registry, Summary, SIZE_BUCKETS_BYTES, LATENCY_BUCKETS_SECONDS } from './registry.js';
export { identifyOpsServer, listenHttp, startOpsServer, type HealthCheck, type HealthDetails, type OpsIdentity, type OpsServer } from './http-server.js';

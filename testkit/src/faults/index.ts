export { FaultProxy, type Fault, type FaultKind, type FaultProxyStats, type FaultScope, type ProxiedRequest, type RequestMatcher, type ResetPoint } from './http-fault-proxy.js';
export { S3FaultProxy, s3Request } from './s3-fault-proxy.js';
export { CatalogFaultProxy, catalogRequest } from './catalog-fault-proxy.js';

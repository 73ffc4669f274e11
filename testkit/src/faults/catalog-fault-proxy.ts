import { FaultProxy, type ErrorBody, type Fault, type FaultScope, type ProxiedRequest, type RequestMatcher } from './http-fault-proxy.js';

/** The Iceberg REST catalog's error document (spec: IcebergErrorResponse). */
const restErrorBody: ErrorBody = ({ status, code, message }) => ({
  contentType: 'application/json',
  body: JSON.stringify({ error: { message, type: code, code: status } }),
});

/**
 * A fault-injecting proxy in front of an Iceberg REST catalog (Apache Iceberg's server locally, the
 * stand-in for Glue's Iceberg endpoint): point a service's `ICEBERG_REST_URI` at `url`.
 */
export class CatalogFaultProxy extends FaultProxy {
  static start(upstream: string, port?: number): Promise<CatalogFaultProxy> {
    return FaultProxy.listen((server) => new CatalogFaultProxy(server, { upstream, errorBody: restErrorBody }), port);
  }

  /** `503 ServiceUnavailableException`: the catalog is down or throttled (Glue's answer under a burst). */
  unavailable(scope: FaultScope & { afterUpstream?: boolean } = {}): Fault {
    return this.fail(503, 'ServiceUnavailableException', 'Service unavailable (fault proxy)', scope);
  }
}

/**
 * Matches Iceberg REST requests: a table commit is `POST …/namespaces/<ns>/tables/<table>`, a load
 * the `GET` of the same path.
 */
export function catalogRequest(filter: { method?: string; table?: string; commit?: boolean }): RequestMatcher {
  return (request: ProxiedRequest) => {
    const path = request.path.split('?')[0] ?? '/';
    if (filter.commit && !(request.method === 'POST' && /\/namespaces\/[^/]+\/tables\/[^/]+$/.test(path))) return false;
    if (filter.method !== undefined && request.method !== filter.method) return false;
    if (filter.table !== undefined && !path.endsWith(`/tables/${encodeURIComponent(filter.table)}`)) return false;
    return true;
  };
}

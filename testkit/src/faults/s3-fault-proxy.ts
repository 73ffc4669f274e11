import { FaultProxy, type ErrorBody, type Fault, type FaultScope, type ProxiedRequest, type RequestMatcher } from './http-fault-proxy.js';

/** S3's error document (the REST API's `<Error>` body), so the SDK parses it into the error it would get from AWS. */
const s3ErrorBody: ErrorBody = ({ code, message }) => ({
  contentType: 'application/xml',
  body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>FAULTPROXY</RequestId><HostId>fault-proxy</HostId></Error>`,
});

/**
 * A fault-injecting proxy in front of an S3 server (S3Proxy, MinIO): path-style requests pass
 * unchanged, signatures included, while the test switches on latency, `503 SlowDown` bursts,
 * connection resets or a blackhole. Point a service's `S3_ENDPOINT` at `url`.
 */
export class S3FaultProxy extends FaultProxy {
  static start(upstream: string, port?: number): Promise<S3FaultProxy> {
    return FaultProxy.listen((server) => new S3FaultProxy(server, { upstream, errorBody: s3ErrorBody }), port);
  }

  /** `503 SlowDown`, S3's throttling answer (the SDK retries it with its throttling backoff). */
  slowDown(scope: FaultScope & { afterUpstream?: boolean } = {}): Fault {
    return this.fail(503, 'SlowDown', 'Please reduce your request rate.', scope);
  }

  /** `500 InternalError`, S3's "try again". */
  internalError(scope: FaultScope & { afterUpstream?: boolean } = {}): Fault {
    return this.fail(500, 'InternalError', 'We encountered an internal error. Please try again.', scope);
  }
}

/**
 * Matches path-style S3 requests: by bucket, by key prefix inside it, by method. `s3Request({ bucket:
 * 'b', method: 'GET' })` is every GetObject (and ListObjects) on bucket b.
 */
export function s3Request(filter: { bucket?: string; keyPrefix?: string; method?: string | string[] }): RequestMatcher {
  const methods = filter.method === undefined ? undefined : ([] as string[]).concat(filter.method);
  return (request: ProxiedRequest) => {
    if (methods && !methods.includes(request.method)) return false;
    const path = decodeURIComponent(request.path.split('?')[0] ?? '/');
    const [bucket, ...key] = path.replace(/^\//, '').split('/');
    if (filter.bucket !== undefined && bucket !== filter.bucket) return false;
    if (filter.keyPrefix !== undefined && !key.join('/').startsWith(filter.keyPrefix)) return false;
    return true;
  };
}

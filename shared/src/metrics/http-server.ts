import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  /** Liveness: false only when the process is wedged and should be restarted. */
  live(): boolean;
  /** Readiness: connected and consuming; false while starting and while draining. */
  ready(): boolean;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/** The one small HTTP server every service runs: /metrics, /healthz, /readyz. Nothing else. */
export async function startOpsServer(registry: Registry, health: HealthCheck, port: number, host = '0.0.0.0'): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405).end();
      return;
    }
    if (path === '/metrics') {
      registry
        .metrics()
        .then((body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body))
        .catch((err: unknown) => res.writeHead(500).end(String(err)));
      return;
    }
    if (path === '/healthz') {
      const ok = health.live();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'unhealthy\n');
      return;
    }
    if (path === '/readyz') {
      const ok = health.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

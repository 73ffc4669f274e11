import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthCheck {
  /** Liveness: false only when the process is wedged and should be restarted. */
  live(): boolean;
  /** Readiness: connected and consuming; false while starting and while draining. */
  ready(): boolean;
  /**
   * What the two answers are made of, for a person or a test reading /healthz: which part is failing
   * or stalled (S3, the batches, the loop), also while the status code still says live.
   */
  details?(): HealthDetails;
}

export type HealthDetails = Record<string, unknown>;

/**
 * Who answers on an ops port. A supervisor that started a child on a port compares the instance id
 * with the one it gave the child: another process on that port (a second clone, an exporter) must
 * never pass for the child, whose own listen failed.
 */
export interface OpsIdentity {
  service?: string;
  instanceId: string;
}

/** One id per process when nobody assigned one (tests building an app in-process, old callers). */
const PROCESS_INSTANCE_ID = randomUUID();

/**
 * runService creates each service's registry and every app hands that registry to its ops server,
 * so the identity travels with it: no app has to pass it along, and two apps in one process stay apart.
 */
const identities = new WeakMap<Registry, OpsIdentity>();

export function identifyOpsServer(registry: Registry, identity: OpsIdentity): void {
  identities.set(registry, identity);
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The one small HTTP server every service runs: /metrics, /healthz, /readyz. Nothing else.
 * /healthz answers JSON `{ status, service, instanceId, checks }` (probes read only the status code;
 * `checks` is the health check's details, when it has them: a hung dependency shows there while it
 * hangs, though restarting would not help it, so liveness stays 200).
 */
export async function startOpsServer(registry: Registry, health: HealthCheck, port: number, host = '0.0.0.0'): Promise<OpsServer> {
  const identity = identities.get(registry) ?? { instanceId: PROCESS_INSTANCE_ID };
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
      const checks = health.details?.();
      const body = JSON.stringify({ status: ok ? 'ok' : 'unhealthy', ...identity, ...(checks ? { checks } : {}) });
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${body}\n`);
      return;
    }
    if (path === '/readyz') {
      const ok = health.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ready\n' : 'not ready\n');
      return;
    }
    res.writeHead(404).end();
  });
  return listenHttp(server, port, host);
}

/**
 * Starts `server` on `port` (0: a free one) and resolves once it listens, or rejects (EADDRINUSE).
 * `close` drops kept-alive connections too, so a stopping service never waits on an idle client.
 */
export async function listenHttp(server: Server, port: number, host: string): Promise<OpsServer> {
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

import { createServer } from 'node:net';
import type { ServiceName } from './service-process.js';

/**
 * The variable that pins one service's ops port under `npm start`. Unpinned, a free port is picked:
 * fixed ports (9461-9465, the page's 9480) collide with a second clone's `npm start` or an exporter on 9464.
 */
export const PORT_PIN_VARIABLES: Record<ServiceName, string> = {
  'producer-service': 'HTTP_PORT_PRODUCER_SERVICE',
  'consumer-service': 'HTTP_PORT_CONSUMER_SERVICE',
  'etl-worker': 'HTTP_PORT_ETL_WORKER',
  'catalog-sync': 'HTTP_PORT_CATALOG_SYNC',
  'insights-service': 'HTTP_PORT_INSIGHTS_SERVICE',
};

/** insights-service's second port, the live page and its JSON API: pinned by the service's own WEB_PORT, else picked free. */
export const WEB_PORT_VARIABLE = 'WEB_PORT';

/** A port the pipeline cannot use; the message is the one line the user reads, fix included. */
export class OpsPortError extends Error {
  override readonly name = 'OpsPortError';
}

export type PortAvailability = 'free' | 'in use' | 'not permitted';

/**
 * The ports the user pinned, validated. A plain HTTP_PORT would give all five services one port,
 * so it is refused rather than silently overridden (0, "pick one", is what npm start does anyway).
 */
export function pinnedOpsPorts(env: NodeJS.ProcessEnv): Map<ServiceName, number> {
  const shared = env.HTTP_PORT;
  if (shared !== undefined && shared !== '' && shared !== '0') {
    throw new OpsPortError(
      `HTTP_PORT=${shared} would give all five services the same ops port. Fix: unset HTTP_PORT (npm start picks free ports), or pin one service with ${Object.values(PORT_PIN_VARIABLES).join(', ')}.`,
    );
  }
  const pins = new Map<ServiceName, number>();
  for (const [service, variable] of Object.entries(PORT_PIN_VARIABLES) as Array<[ServiceName, string]>) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
      throw new OpsPortError(`${variable}=${JSON.stringify(value)} is invalid: expected a port from 1 to 65535. Fix: set ${variable} to a free port, or unset it so npm start picks one.`);
    }
    const twin = [...pins].find(([, other]) => other === port);
    if (twin) throw new OpsPortError(`${variable} and ${PORT_PIN_VARIABLES[twin[0]]} both pin port ${port}. Fix: give each service its own port, or unset one of them.`);
    pins.set(service, port);
  }
  const web = env[WEB_PORT_VARIABLE];
  if (web !== undefined && web !== '' && web !== '0') {
    const port = Number(web);
    if (!/^\d+$/.test(web) || port < 1 || port > 65_535) {
      throw new OpsPortError(`${WEB_PORT_VARIABLE}=${JSON.stringify(web)} is invalid: expected a port from 1 to 65535. Fix: set ${WEB_PORT_VARIABLE} to a free port, or unset it so npm start picks one.`);
    }
    const twin = [...pins].find(([, other]) => other === port);
    if (twin) throw new OpsPortError(`${WEB_PORT_VARIABLE} (insights-service's page) and ${PORT_PIN_VARIABLES[twin[0]]} both pin port ${port}. Fix: give each its own port, or unset one of them.`);
  }
  return pins;
}

/** The page port the user pinned with WEB_PORT (validated by pinnedOpsPorts), or undefined. */
export function pinnedWebPort(env: NodeJS.ProcessEnv): number | undefined {
  const web = env[WEB_PORT_VARIABLE];
  return web === undefined || web === '' || web === '0' ? undefined : Number(web);
}

/** Whether `port` can be bound on every interface right now, the way the service binds it. */
export function portAvailability(port: number): Promise<PortAvailability> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') resolve('in use');
      else if (err.code === 'EACCES') resolve('not permitted');
      else reject(err);
    });
    server.listen(port, '0.0.0.0', () => server.close(() => resolve('free')));
  });
}

/** A port the OS calls free on every interface now, other than the ones already handed out. */
export async function freeOpsPort(handedOut: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '0.0.0.0', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && !handedOut.has(port)) return port;
  }
  throw new Error('the OS handed out no new free port in 20 asks');
}

/** The one line for a pinned port the service could not bind. */
export function pinnedPortMessage(service: ServiceName, port: number, availability: Exclude<PortAvailability, 'free'>, variable = PORT_PIN_VARIABLES[service]): string {
  const problem = availability === 'in use' ? 'is already in use by another process' : 'needs privileges this user lacks';
  const free = availability === 'in use' ? `stop that process (ss -ltnp 'sport = :${port}' names it), ` : '';
  return `port ${port} for ${service} (${variable}) ${problem}. Fix: ${free}set ${variable} to another port, or unset it so npm start picks a free one.`;
}

/** The pins, each checked free now: a taken one fails before anything starts. */
export async function checkPinnedPorts(env: NodeJS.ProcessEnv): Promise<Map<ServiceName, number>> {
  const pins = pinnedOpsPorts(env);
  for (const [service, port] of pins) {
    const availability = await portAvailability(port);
    if (availability !== 'free') throw new OpsPortError(pinnedPortMessage(service, port, availability));
  }
  const web = pinnedWebPort(env);
  if (web !== undefined) {
    const availability = await portAvailability(web);
    if (availability !== 'free') throw new OpsPortError(pinnedPortMessage('insights-service', web, availability, WEB_PORT_VARIABLE));
  }
  return pins;
}

/**
 * The port a service starts on, checked right before it starts: its pin, or else the port picked
 * earlier when still free, or else a fresh one. Throws OpsPortError for a pin it cannot bind.
 */
export async function claimOpsPort(service: ServiceName, pinned: number | undefined, picked: number | undefined, handedOut: ReadonlySet<number>): Promise<number> {
  if (pinned !== undefined) {
    const availability = await portAvailability(pinned);
    if (availability !== 'free') throw new OpsPortError(pinnedPortMessage(service, pinned, availability));
    return pinned;
  }
  if (picked !== undefined && !handedOut.has(picked) && (await portAvailability(picked)) === 'free') return picked;
  return freeOpsPort(handedOut);
}

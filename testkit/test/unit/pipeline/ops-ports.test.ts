import { createServer, type Server } from 'node:net';
import { checkPinnedPorts, claimOpsPort, OpsPortError, pinnedOpsPorts, pinnedWebPort, portAvailability } from '../../../src/pipeline/ops-ports';

/** Another process's listener, as an exporter on 9464 would be; `host` as that process chose it. */
async function occupy(host: string): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

describe('ops ports of npm start', () => {
  const held: Server[] = [];
  afterEach(async () => {
    await Promise.all(held.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });
  const hold = async (host = '0.0.0.0'): Promise<number> => {
    const { port, server } = await occupy(host);
    held.push(server);
    return port;
  };

  it('reads pins per service and refuses a shared HTTP_PORT, a bad value and two services on one port, in one line each', () => {
    expect(pinnedOpsPorts({})).toEqual(new Map());
    expect(pinnedOpsPorts({ HTTP_PORT: '0', HTTP_PORT_ETL_WORKER: '9463' })).toEqual(new Map([['etl-worker', 9463]]));
    const refused = (env: NodeJS.ProcessEnv): string => {
      try {
        pinnedOpsPorts(env);
      } catch (err) {
        expect(err).toBeInstanceOf(OpsPortError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused({ HTTP_PORT: '9464' })).toMatch(/^HTTP_PORT=9464 would give all five services the same ops port\. Fix: unset HTTP_PORT/);
    expect(refused({ HTTP_PORT_CONSUMER_SERVICE: '94x2' })).toMatch(/^HTTP_PORT_CONSUMER_SERVICE="94x2" is invalid: expected a port from 1 to 65535\. Fix:/);
    expect(refused({ HTTP_PORT_CONSUMER_SERVICE: '70000' })).toContain('is invalid');
    expect(refused({ HTTP_PORT_ETL_WORKER: '9463', HTTP_PORT_CATALOG_SYNC: '9463' })).toBe(
      'HTTP_PORT_CATALOG_SYNC and HTTP_PORT_ETL_WORKER both pin port 9463. Fix: give each service its own port, or unset one of them.',
    );
    for (const message of [refused({ HTTP_PORT: '1' }), refused({ HTTP_PORT_ETL_WORKER: '-1' })]) expect(message).not.toContain('\n');
  });

  it("reads insights-service's page port from WEB_PORT, refusing a bad value or one an ops port already pins", () => {
    expect(pinnedWebPort({})).toBeUndefined();
    expect(pinnedWebPort({ WEB_PORT: '0' })).toBeUndefined();
    expect(pinnedWebPort({ WEB_PORT: '9480' })).toBe(9480);
    expect(pinnedOpsPorts({ WEB_PORT: '9480', HTTP_PORT_INSIGHTS_SERVICE: '9465' })).toEqual(new Map([['insights-service', 9465]]));
    expect(() => pinnedOpsPorts({ WEB_PORT: 'page' })).toThrow(new OpsPortError('WEB_PORT="page" is invalid: expected a port from 1 to 65535. Fix: set WEB_PORT to a free port, or unset it so npm start picks one.'));
    expect(() => pinnedOpsPorts({ WEB_PORT: '9465', HTTP_PORT_INSIGHTS_SERVICE: '9465' })).toThrow(
      new OpsPortError("WEB_PORT (insights-service's page) and HTTP_PORT_INSIGHTS_SERVICE both pin port 9465. Fix: give each its own port, or unset one of them."),
    );
  });

  it('refuses a pinned page port that is taken, naming WEB_PORT', async () => {
    const port = await hold();
    await expect(checkPinnedPorts({ WEB_PORT: String(port) })).rejects.toThrow(
      new OpsPortError(
        `port ${port} for insights-service (WEB_PORT) is already in use by another process. Fix: stop that process (ss -ltnp 'sport = :${port}' names it), set WEB_PORT to another port, or unset it so npm start picks a free one.`,
      ),
    );
  });

  it('sees a port taken on any interface as in use, because the service binds all of them', async () => {
    expect(await portAvailability(await hold('0.0.0.0'))).toBe('in use');
    expect(await portAvailability(await hold('127.0.0.1'))).toBe('in use');
    expect(await portAvailability(await hold('::'))).toBe('in use');
  });

  it('names the port, the service, the variable and the fix when a pinned port is taken', async () => {
    const port = await hold();
    await expect(checkPinnedPorts({ HTTP_PORT_CONSUMER_SERVICE: String(port) })).rejects.toThrow(
      new OpsPortError(
        `port ${port} for consumer-service (HTTP_PORT_CONSUMER_SERVICE) is already in use by another process. Fix: stop that process (ss -ltnp 'sport = :${port}' names it), set HTTP_PORT_CONSUMER_SERVICE to another port, or unset it so npm start picks a free one.`,
      ),
    );
    await expect(claimOpsPort('consumer-service', port, undefined, new Set())).rejects.toBeInstanceOf(OpsPortError);
  });

  it('keeps a picked port still free, and picks another when it was taken in the meantime or handed to a sibling', async () => {
    const taken = await hold();
    const fresh = await claimOpsPort('etl-worker', undefined, taken, new Set());
    expect(fresh).not.toBe(taken);
    expect(await portAvailability(fresh)).toBe('free');
    expect(await claimOpsPort('etl-worker', undefined, fresh, new Set())).toBe(fresh);
    expect(await claimOpsPort('etl-worker', undefined, fresh, new Set([fresh]))).not.toBe(fresh);
  });
});

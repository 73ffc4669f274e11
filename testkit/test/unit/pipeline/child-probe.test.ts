import { appendFileSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeChild, type ProbedChild, type ProbeTarget } from '../../../src/pipeline/child-probe';

/** Something answering on a port: our child's ops server, or any other process's. */
async function answering(healthz: string, status = 200): Promise<{ port: number; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/healthz') res.writeHead(status).end(healthz);
    else res.writeHead(200).end('pipeline_consumer_service_records_out_total{service="consumer-service"} 42\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('probing a child of npm start', () => {
  const servers: Server[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'child-probe-'));
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  const child = (overrides: Partial<ProbedChild> = {}): ProbedChild => ({
    name: 'consumer-service',
    pid: 4242,
    running: true,
    exitCode: null,
    signalCode: null,
    logFile: undefined,
    logOffset: 0,
    ...overrides,
  });
  const target = (c: ProbedChild, port: number): ProbeTarget => ({ child: c, port, instanceId: 'ours', startedAt: 1_000 });
  const serve = async (healthz: string, status = 200): Promise<number> => {
    const { port, server } = await answering(healthz, status);
    servers.push(server);
    return port;
  };

  it('reads the metrics of a child that answers with the instance id it was given', async () => {
    const port = await serve(JSON.stringify({ status: 'ok', service: 'consumer-service', instanceId: 'ours' }));
    const state = await probeChild(target(child(), port));
    expect(state.kind).toBe('up');
    expect(state.kind === 'up' && state.live && state.metrics?.get('pipeline_consumer_service_records_out_total')).toBe(42);
  });

  it('shows DOWN, and no numbers, when the port answers for another instance or another program', async () => {
    const other = await serve(JSON.stringify({ status: 'ok', service: 'consumer-service', instanceId: 'a second clone' }));
    expect(await probeChild(target(child(), other))).toEqual({
      kind: 'down',
      reason: `port ${other} answers for consumer-service instance a second clone, not the consumer-service started here (pid 4242, still running)`,
    });
    const exporter = await serve('ok\n');
    const state = await probeChild(target(child(), exporter));
    expect(state).toEqual({ kind: 'down', reason: expect.stringContaining(`port ${exporter} answers for a process that is not one of ours`) });
  });

  it('shows a dead child as DOWN with its exit code and the last line it wrote, never a line of an earlier run', async () => {
    const log = join(dir, 'consumer-service.log');
    writeFileSync(log, '{"level":"info","msg":"ServiceStarted"}\n');
    const offset = statSync(log).size;
    appendFileSync(log, '{"level":"fatal","msg":"ServiceStartFailed","err":{"message":"listen EADDRINUSE: address already in use 0.0.0.0:9462\\n    at stack"}}\n\n');
    const exited = child({ running: false, exitCode: 1, logFile: log, logOffset: offset });
    expect(await probeChild(target(exited, 1))).toEqual({
      kind: 'down',
      reason: 'consumer-service exited with code 1; last log: ServiceStartFailed: listen EADDRINUSE: address already in use 0.0.0.0:9462',
    });
    const killed = child({ running: false, signalCode: 'SIGKILL', logFile: log, logOffset: statSync(log).size });
    expect(await probeChild(target(killed, 1))).toEqual({ kind: 'down', reason: 'consumer-service was killed by SIGKILL; last log: (nothing written)' });
  });

  it('shows a running child whose port does not answer yet as starting', async () => {
    const closed = await answering('');
    await new Promise((resolve) => closed.server.close(resolve));
    expect(await probeChild(target(child(), closed.port), 4_000)).toEqual({ kind: 'starting', sinceMs: 3_000 });
  });
});

import { Counter, createRegistry, identifyOpsServer, startOpsServer } from '@spotify-pipeline/shared/metrics';

describe('ops server', () => {
  it('serves /metrics from the injected registry and health from the callbacks', async () => {
    const registry = createRegistry('test-service', false);
    new Counter({ name: 'pipeline_test_records_in_total', help: 'records in', registers: [registry] }).inc(3);
    let ready = false;
    const server = await startOpsServer(registry, { live: () => true, ready: () => ready }, 0, '127.0.0.1');
    try {
      const base = `http://127.0.0.1:${server.port}`;
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('pipeline_test_records_in_total{service="test-service"} 3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(503);
      ready = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  it('answers /healthz with the identity given to its registry, so a supervisor can tell its child from another process', async () => {
    const named = createRegistry('named-service', false);
    identifyOpsServer(named, { service: 'named-service', instanceId: 'started-by-the-supervisor' });
    const anonymous = createRegistry('anonymous-service', false);
    const servers = [await startOpsServer(named, { live: () => true, ready: () => true }, 0, '127.0.0.1'), await startOpsServer(anonymous, { live: () => false, ready: () => false }, 0, '127.0.0.1')];
    try {
      const [namedAnswer, anonymousAnswer] = await Promise.all(servers.map((server) => fetch(`http://127.0.0.1:${server.port}/healthz`)));
      expect(namedAnswer!.status).toBe(200);
      expect(await namedAnswer!.json()).toEqual({ status: 'ok', service: 'named-service', instanceId: 'started-by-the-supervisor' });
      // Unnamed: still an id (one per process), never the other registry's; liveness stays in the status code.
      expect(anonymousAnswer!.status).toBe(503);
      const body = (await anonymousAnswer!.json()) as { status: string; instanceId: string };
      expect(body.status).toBe('unhealthy');
      expect(body.instanceId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('puts the health check\'s details in /healthz\'s body, so a hung dependency shows while liveness stays 200', async () => {
    const registry = createRegistry('detailed-service', false);
    identifyOpsServer(registry, { service: 'detailed-service', instanceId: 'i-1' });
    const server = await startOpsServer(registry, { live: () => true, ready: () => false, details: () => ({ s3: 'failing', loop: 'turning' }) }, 0, '127.0.0.1');
    try {
      const answer = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ status: 'ok', service: 'detailed-service', instanceId: 'i-1', checks: { s3: 'failing', loop: 'turning' } });
    } finally {
      await server.close();
    }
  });
});


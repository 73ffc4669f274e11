import { Counter, createRegistry, startOpsServer } from '@spotify-pipeline/shared/metrics';

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
});

import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry, type Registry } from '@spotify-pipeline/shared/metrics';
import type { ServiceApp } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from '../../../src/app';
import { readConfig } from '../../../src/config';

/** The sink built in this process (no child), for tests that read its metrics. */
export async function startInProcess(env: Record<string, string>): Promise<{ app: ServiceApp; registry: Registry }> {
  const registry = createRegistry('consumer-service', false);
  const logger = createLogger({ service: 'consumer-service', level: 'warn' });
  const app = buildApp(readConfig(env), { logger, registry });
  await app.start();
  return { app, registry };
}

export async function counterValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric(name)!.get();
  const out: Record<string, number> = {};
  for (const v of metric.values) out[Object.values(v.labels).join(',') || 'total'] = v.value;
  return out;
}

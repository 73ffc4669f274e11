import { z } from 'zod';
import { configHelp, envInt, envString, httpSettingsSchema } from '@spotify-pipeline/shared/config';

const schema = z.strictObject({
  brokers: envString('Kafka bootstrap servers'),
  sink: z.strictObject({ flushIntervalMs: envInt('flush a batch open this long', 1).default(60_000), transactionalId: envString('stable per pod').optional() }).prefault({}),
  http: httpSettingsSchema.prefault({ port: '9462' }),
});

describe('configHelp', () => {
  it('lists every variable with its type, unit, default and description', () => {
    const help = configHelp(schema);
    expect(help).toContain('  BROKERS  string; required\n      Kafka bootstrap servers\n');
    expect(help).toContain('  SINK_FLUSH_INTERVAL_MS  integer >= 1, ms; default 60000 (1 min)\n      flush a batch open this long\n');
    expect(help).toContain('  SINK_TRANSACTIONAL_ID  string; unset by default\n');
    expect(help).toContain('  HTTP_PORT  integer >= 0; default 9462\n');
    expect(help).toContain('docs/configuration.md');
  });

  it('lists nothing the schema does not read', () => {
    const names = [...configHelp(schema).matchAll(/^ {2}([A-Z0-9_]+) {2}/gm)].map((m) => m[1]);
    expect(names).toEqual(['BROKERS', 'SINK_FLUSH_INTERVAL_MS', 'SINK_TRANSACTIONAL_ID', 'HTTP_PORT']);
  });
});

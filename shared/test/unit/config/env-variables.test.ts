import { z } from 'zod';
import { envBool, envEnum, envInt, envList, envString, envVariables, httpSettingsSchema, loadConfig, readableAmount } from '@spotify-pipeline/shared/config';

// A required group with a cross-field check, like the shared Kafka settings (a refined object is still walked).
const kafka = z
  .strictObject({
    brokers: envList('comma-separated Kafka bootstrap servers'),
    saslMechanism: envEnum(['PLAIN', 'SCRAM-SHA-512'] as const, 'SASL mechanism').optional(),
    requestTimeoutMs: envInt('request timeout', 1000).default(30_000),
  })
  .superRefine((k, ctx) => {
    if (k.saslMechanism === 'PLAIN' && k.brokers.length > 3) ctx.addIssue({ code: 'custom', path: ['brokers'], message: 'at most 3 with PLAIN' });
  });

const schema = z.strictObject({
  kafka,
  sink: z
    .strictObject({
      maxBatchBytes: envInt('largest staged object before a flush', 1024).default(32 * 1024 * 1024),
      flushIdleMs: envInt('flush a quiet batch after this long').default(5_000),
      envelope: envBool('wrap each record with its Kafka coordinates').default(false),
      topics: envList('topics to consume').optional(),
      format: envEnum(['ndjson', 'parquet'] as const, 'output format').default('ndjson'),
      ratio: z.coerce.number().describe('share of records sampled').pipe(z.number().min(0).max(0.5)).default(0),
      gzipLevel: envInt('gzip level', 1).max(9).default(1),
      startTime: z.iso.datetime({ offset: false }).optional().describe('UTC start'),
    })
    .prefault({}),
  memoryMb: envInt('memory limit', 64).default(1024),
  http: httpSettingsSchema.prefault({ port: '9462' }),
});

const byName = (name: string) => envVariables(schema).find((v) => v.name === name)!;

describe('envVariables', () => {
  it('lists every variable loadConfig reads, under the name loadConfig reads it from', () => {
    const variables = envVariables(schema);
    expect(variables.map((v) => v.name)).toEqual([
      'KAFKA_BROKERS', 'KAFKA_SASL_MECHANISM', 'KAFKA_REQUEST_TIMEOUT_MS',
      'SINK_MAX_BATCH_BYTES', 'SINK_FLUSH_IDLE_MS', 'SINK_ENVELOPE', 'SINK_TOPICS', 'SINK_FORMAT', 'SINK_RATIO', 'SINK_GZIP_LEVEL', 'SINK_START_TIME',
      'MEMORY_MB', 'HTTP_PORT',
    ]);
    // Each listed name is the one the loader reads into that field: some value set under the name
    // changes the field (and nothing is listed that the loader would not read).
    const base = { KAFKA_BROKERS: 'b:9092' };
    const at = (config: unknown, path: string[]): unknown => path.reduce<unknown>((o, key) => (o as Record<string, unknown>)[key], config);
    const candidates = ['7', 'true', 'parquet', '0.25', '2024-01-01T00:00:00Z', 'PLAIN', 'marker'];
    for (const variable of variables.filter((v) => v.name !== 'KAFKA_BROKERS')) {
      const unset = JSON.stringify(at(loadConfig(schema, base), variable.path));
      const changed = candidates.some((value) => {
        try {
          return JSON.stringify(at(loadConfig(schema, { ...base, [variable.name]: value }), variable.path)) !== unset;
        } catch (err) {
          return (err as Error).message.includes(`${variable.name}=`);
        }
      });
      expect([variable.name, changed]).toEqual([variable.name, true]);
    }
  });

  it('gives type, unit (from the name), default and description, including a group default over the field default', () => {
    expect(byName('KAFKA_BROKERS')).toMatchObject({ type: 'list', required: true, defaultValue: undefined, description: expect.stringContaining('bootstrap servers') });
    expect(byName('KAFKA_REQUEST_TIMEOUT_MS')).toMatchObject({ type: 'integer >= 1000', unit: 'ms', required: false, defaultValue: '30000' });
    expect(byName('SINK_MAX_BATCH_BYTES')).toMatchObject({ type: 'integer >= 1024', unit: 'bytes', required: false, defaultValue: String(32 * 1024 * 1024) });
    expect(byName('SINK_FLUSH_IDLE_MS')).toMatchObject({ type: 'integer >= 0', unit: 'ms', defaultValue: '5000' });
    expect(byName('SINK_ENVELOPE')).toMatchObject({ type: 'boolean', unit: undefined, defaultValue: 'false' });
    expect(byName('SINK_TOPICS')).toMatchObject({ type: 'list', required: false, defaultValue: undefined });
    expect(byName('SINK_FORMAT')).toMatchObject({ type: 'ndjson | parquet', defaultValue: 'ndjson', description: 'output format' });
    // `.describe()` on the input side of a pipe is still found.
    expect(byName('SINK_RATIO')).toMatchObject({ type: 'number 0..0.5', defaultValue: '0', description: 'share of records sampled' });
    expect(byName('SINK_GZIP_LEVEL').type).toBe('integer 1..9');
    expect(byName('SINK_START_TIME')).toMatchObject({ type: 'ISO 8601 UTC time', defaultValue: undefined, description: 'UTC start' });
    expect(byName('MEMORY_MB')).toMatchObject({ unit: 'MiB', defaultValue: '1024' });
    // The service's prefault ({ port: '9462' }) wins over the shared schema's 9464, as in loadConfig.
    expect(byName('HTTP_PORT').defaultValue).toBe('9462');
    expect(loadConfig(schema, { KAFKA_BROKERS: 'b:9092' }).http.port).toBe(9462);
  });

  it('writes round amounts of time and size readably, and leaves others alone', () => {
    expect(readableAmount('900000', 'ms')).toBe('15 min');
    expect(readableAmount('259200000', 'ms')).toBe('3 d');
    expect(readableAmount('33554432', 'bytes')).toBe('32 MiB');
    expect(readableAmount('100', 'ms')).toBeUndefined();
    expect(readableAmount('1024', 'MiB')).toBeUndefined();
    expect(readableAmount('0', 'ms')).toBeUndefined();
  });
});

describe('loadConfig with a description on the input side of a pipe', () => {
  it('still names the fix', () => {
    expect(() => loadConfig(schema, { KAFKA_BROKERS: 'b:9092', SINK_RATIO: '0.9' })).toThrow(/SINK_RATIO="0.9" is invalid.*Fix: set SINK_RATIO — share of records sampled/);
  });
});

describe('envString', () => {
  it('is listed as a string', () => {
    expect(envVariables(z.strictObject({ name: envString('a name').default('x') }))[0]).toMatchObject({ name: 'NAME', type: 'string', defaultValue: 'x' });
  });
});

import { z } from 'zod';
import { envBool, envInt, envList, envName, envString, httpSettingsSchema, loadConfig } from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { PipelineError } from '@spotify-pipeline/shared/errors';

const schema = z.strictObject({
  kafka: kafkaSettingsSchema,
  sink: z
    .strictObject({
      maxBatchBytes: envInt('largest staged object before a flush, in bytes', 1).default(64 * 1024 * 1024),
      envelope: envBool('wrap each record with its Kafka coordinates').default(false),
      topics: envList('topics to consume').default(['listening-events']),
      bucket: envString('staging bucket name').optional(),
    })
    .prefault({}),
  http: httpSettingsSchema.prefault({ port: '9462' }),
});

function errorOf(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (err) {
    return err as PipelineError;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('maps nested camelCase fields to SCREAMING_SNAKE env names', () => {
    expect(envName(['sink', 'maxBatchBytes'])).toBe('SINK_MAX_BATCH_BYTES');
    expect(envName(['kafka', 'saslUsername'])).toBe('KAFKA_SASL_USERNAME');
  });

  it('parses and coerces env values, applying defaults for unset ones', () => {
    const config = loadConfig(schema, {
      KAFKA_BROKERS: 'a:9092, b:9092',
      SINK_MAX_BATCH_BYTES: '1024',
      SINK_ENVELOPE: 'true',
    });
    expect(config.kafka.brokers).toEqual(['a:9092', 'b:9092']);
    expect(config.kafka.securityProtocol).toBe('PLAINTEXT');
    expect(config.sink).toEqual({ maxBatchBytes: 1024, envelope: true, topics: ['listening-events'] });
    // A group's own default (the service's port) survives when none of its variables is set.
    expect(config.http.port).toBe(9462);
  });

  it('names a missing required variable and the fix, in one line', () => {
    const err = errorOf(() => loadConfig(schema, {}));
    expect(err).toBeInstanceOf(PipelineError);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).toContain('KAFKA_BROKERS is required');
    expect(err.message).toContain('e.g. localhost:9092');
    expect(err.message).not.toContain('\n');
    expect(err.details.variables).toEqual(['KAFKA_BROKERS']);
  });

  it('names a wrong value and does not accept it', () => {
    const err = errorOf(() => loadConfig(schema, { KAFKA_BROKERS: 'x:1', SINK_MAX_BATCH_BYTES: 'lots', SINK_ENVELOPE: 'maybe' }));
    expect(err.message).toContain('SINK_MAX_BATCH_BYTES="lots" is invalid');
    expect(err.message).toContain('SINK_ENVELOPE="maybe" is invalid');
    expect(err.message).toContain('largest staged object before a flush');
  });

  it('reports every SASL setting that SASL_SSL needs, and never echoes a secret', () => {
    const err = errorOf(() =>
      loadConfig(schema, { KAFKA_BROKERS: 'x:1', KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_PASSWORD: 'hunter2', HTTP_PORT: '-1' }),
    );
    expect(err.details.variables).toEqual(expect.arrayContaining(['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'HTTP_PORT']));
    expect(err.details.variables).not.toContain('KAFKA_SASL_PASSWORD');
    expect(err.message).not.toContain('hunter2');
  });

  it('accepts a complete Confluent Cloud style SASL_SSL configuration', () => {
    const config = loadConfig(schema, {
      KAFKA_BROKERS: 'pkc-123.eu-west-1.aws.confluent.cloud:9092',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'KEY',
      KAFKA_SASL_PASSWORD: 'SECRET',
    });
    expect(config.kafka.saslMechanism).toBe('PLAIN');
  });
});

import { z } from 'zod';
import { loadConfig } from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema, librdkafkaConfig, mskIamTokenRefresh } from '@spotify-pipeline/shared/kafka';

const schema = z.strictObject({ kafka: kafkaSettingsSchema });

describe('librdkafkaConfig', () => {
  it('maps Confluent Cloud SASL_SSL/PLAIN settings to librdkafka properties', () => {
    const { kafka } = loadConfig(schema, {
      KAFKA_BROKERS: 'pkc:9092',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'PLAIN',
      KAFKA_SASL_USERNAME: 'key',
      KAFKA_SASL_PASSWORD: 'secret',
    });
    expect(librdkafkaConfig(kafka, 'svc')).toMatchObject({
      'bootstrap.servers': 'pkc:9092',
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': 'PLAIN',
      'sasl.username': 'key',
      'sasl.password': 'secret',
      'client.id': 'svc',
    });
  });

  it('uses OAUTHBEARER with a token callback for MSK IAM, and needs no password', () => {
    const { kafka } = loadConfig(schema, {
      KAFKA_BROKERS: 'b-1.msk:9098',
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM',
      KAFKA_AWS_REGION: 'eu-west-1',
    });
    const config = librdkafkaConfig(kafka, 'svc');
    expect(config['sasl.mechanisms']).toBe('OAUTHBEARER');
    expect(typeof config.oauthbearer_token_refresh_cb).toBe('function');
    expect(config['sasl.password']).toBeUndefined();
  });

  it('refuses MSK IAM without a region or over plaintext', () => {
    expect(() =>
      loadConfig(schema, { KAFKA_BROKERS: 'b:9098', KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'AWS_MSK_IAM' }),
    ).toThrow(/KAFKA_SECURITY_PROTOCOL.*must be SASL_SSL.*KAFKA_AWS_REGION.*required with AWS_MSK_IAM/);
  });
});

describe('mskIamTokenRefresh', () => {
  it('turns a signed MSK token into the OAUTHBEARER token librdkafka expects', async () => {
    const refresh = mskIamTokenRefresh('eu-west-1', async ({ region }) => ({ token: `signed-for-${region}`, expiryTime: 1_700_000_900_000 }));
    await expect(refresh()).resolves.toEqual({ tokenValue: 'signed-for-eu-west-1', lifetime: 1_700_000_900_000, principal: 'msk-iam' });
  });
});

import { z } from 'zod';
import { envEnum, envInt, envList, envString } from '../config/env-schema.js';
import { mskIamTokenRefresh } from './msk-iam.js';

/**
 * Connection settings common to every Kafka client, read from `KAFKA_*` variables.
 * Confluent Cloud: SASL_SSL + PLAIN with an API key/secret. MSK: SASL_SSL + SCRAM-SHA-512
 * (secret from Secrets Manager), SASL_SSL + AWS_MSK_IAM (IRSA, no secret), or SSL for mTLS.
 */
export const kafkaSettingsSchema = z
  .strictObject({
    brokers: envList('comma-separated Kafka bootstrap servers, e.g. localhost:9092'),
    clientId: envString('client id reported to the broker, e.g. consumer-service-0').optional(),
    securityProtocol: envEnum(
      ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const,
      'one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL (SASL_SSL for Confluent Cloud and MSK SCRAM)',
    ).default('PLAINTEXT'),
    saslMechanism: envEnum(
      ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'AWS_MSK_IAM'] as const,
      'PLAIN (Confluent Cloud API key), SCRAM-SHA-512 (MSK SCRAM) or AWS_MSK_IAM (MSK IAM, credentials from the AWS chain)',
    ).optional(),
    awsRegion: envString('AWS region of the MSK cluster, for AWS_MSK_IAM, e.g. eu-west-1').optional(),
    saslUsername: envString('SASL user name (Confluent Cloud: the API key)').optional(),
    saslPassword: envString('SASL password (Confluent Cloud: the API secret)').optional(),
    sslCaLocation: envString('path to a PEM CA bundle, when the broker certificate is not publicly trusted').optional(),
    requestTimeoutMs: envInt('socket and request timeout in milliseconds', 1000).default(30_000),
    messageMaxBytes: envInt(
      "the pipeline's one message size limit in bytes: every producer's message.max.bytes, the size DLQ values are truncated to, the sink's record limit (SINK_MAX_RECORD_BYTES may only lower it) and the largest event a replay sends (keep it at or below the brokers' and topics' max.message.bytes)",
      65_536,
    ).default(1_000_000),
  })
  .superRefine((s, ctx) => {
    const usesSasl = s.securityProtocol.startsWith('SASL');
    if (usesSasl && !s.saslMechanism) {
      ctx.addIssue({ code: 'custom', path: ['saslMechanism'], message: `required when the security protocol is ${s.securityProtocol}` });
    }
    const iam = s.saslMechanism === 'AWS_MSK_IAM';
    if (usesSasl && !iam && !s.saslUsername) {
      ctx.addIssue({ code: 'custom', path: ['saslUsername'], message: `required when the security protocol is ${s.securityProtocol}` });
    }
    if (usesSasl && !iam && !s.saslPassword) {
      ctx.addIssue({ code: 'custom', path: ['saslPassword'], message: `required when the security protocol is ${s.securityProtocol}` });
    }
    if (iam && s.securityProtocol !== 'SASL_SSL') {
      ctx.addIssue({ code: 'custom', path: ['securityProtocol'], message: 'must be SASL_SSL with AWS_MSK_IAM' });
    }
    if (iam && !s.awsRegion) {
      ctx.addIssue({ code: 'custom', path: ['awsRegion'], message: 'required with AWS_MSK_IAM' });
    }
  });

type ParsedKafkaSettings = z.output<typeof kafkaSettingsSchema>;

/** Parsed settings; the message limit may be left out by callers that build settings by hand (tests, tools). */
export type KafkaSettings = Omit<ParsedKafkaSettings, 'messageMaxBytes'> & { messageMaxBytes?: number };

export type LibrdkafkaConfig = Record<string, string | number | boolean | ((...args: never[]) => unknown)>;

/** The librdkafka global properties every client shares: connection and security only. */
export function librdkafkaConfig(settings: KafkaSettings, clientId: string): LibrdkafkaConfig {
  const config: LibrdkafkaConfig = {
    'bootstrap.servers': settings.brokers.join(','),
    'client.id': settings.clientId ?? clientId,
    'security.protocol': settings.securityProtocol.toLowerCase(),
    'socket.timeout.ms': settings.requestTimeoutMs,
    // Clients outlive broker restarts: keep reconnecting with backoff rather than failing.
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 5_000,
    'log.connection.close': false,
    // One limit for the whole pipeline (DLQ values are cut to fit it): a record over it fails the
    // same way on every retry, so nothing may produce one.
    'message.max.bytes': settings.messageMaxBytes ?? 1_000_000,
  };
  if (settings.saslMechanism === 'AWS_MSK_IAM') {
    config['sasl.mechanisms'] = 'OAUTHBEARER';
    config.oauthbearer_token_refresh_cb = mskIamTokenRefresh(settings.awsRegion!);
  } else if (settings.saslMechanism) {
    config['sasl.mechanisms'] = settings.saslMechanism;
  }
  if (settings.saslUsername) config['sasl.username'] = settings.saslUsername;
  if (settings.saslPassword) config['sasl.password'] = settings.saslPassword;
  if (settings.sslCaLocation) config['ssl.ca.location'] = settings.sslCaLocation;
  return config;
}

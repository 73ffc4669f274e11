import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths pino censors wherever they appear: secrets must never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'saslPassword',
  '*.saslPassword',
  'secretAccessKey',
  '*.secretAccessKey',
  '*.*.secretAccessKey',
  '*.*.saslPassword',
  'credentials',
  '*.credentials',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '["sasl.password"]',
  '*["sasl.password"]',
];

export interface LoggerSettings {
  service: string;
  level?: string;
}

export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    name: settings.service,
    level: settings.level ?? 'info',
    base: { service: settings.service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

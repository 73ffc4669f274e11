#!/usr/bin/env node
// The only file of producer-service that touches `process`.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { parseCommandLine, USAGE } from './cli/command-line.js';
import { readConfig } from './config.js';

const EXIT_USAGE = 64;

const commandLine = parseCommandLine(process.argv.slice(2));
if (commandLine.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
if ('error' in commandLine) {
  process.stderr.write(`producer-service: ${commandLine.error}\n\n${USAGE}`);
  process.exit(EXIT_USAGE);
}

// Options override the environment: both feed the same validated config.
const env = { ...process.env, ...commandLine.env };
void runService(
  { env, stderr: process.stderr, exit: (code: number) => process.exit(code), on: (signal, listener) => process.on(signal, listener) },
  {
    service: 'producer-service',
    loadConfig: readConfig,
    logLevel: (config) => config.log.level,
    build: (config, context) => buildApp(config, context, { progress: process.stderr.isTTY ? process.stderr : undefined }),
  },
);

#!/usr/bin/env node
// The only file of producer-service that touches `process`.
import { EXIT_USAGE, runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { helpText, parseCommandLine, USAGE } from './cli/command-line.js';
import { runStatsCommand } from './cli/stats-command.js';
import { configSchema, readConfig } from './config.js';

const commandLine = parseCommandLine(process.argv.slice(2));
if (commandLine.help) {
  // Exit once stdout has taken the text, even when it is a slow pipe.
  process.stdout.write(helpText(), () => process.exit(0));
} else if ('error' in commandLine) {
  process.stderr.write(`producer-service: ${commandLine.error}\n\n${USAGE}`);
  process.exit(EXIT_USAGE);
} else if ('stats' in commandLine) {
  // A report, not a service: no ops port, no producer.
  runStatsCommand(commandLine.stats, { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => process.stdout.write('', () => process.exit(code)),
    (err: unknown) => {
      process.stderr.write(`producer-service stats: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
} else {
  // Options override the environment: both feed the same validated config.
  const env = { ...process.env, ...commandLine.env };
  void runService(
    { env, stdout: process.stdout, stderr: process.stderr, exit: (code: number) => process.exit(code), on: (signal, listener) => process.on(signal, listener) },
    {
      service: 'producer-service',
      configSchema,
      loadConfig: readConfig,
      logLevel: (config) => config.log.level,
      build: (config, context) => buildApp(config, context, { progress: process.stderr.isTTY ? process.stderr : undefined }),
    },
  );
}

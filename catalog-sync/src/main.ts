#!/usr/bin/env node
// The only file of catalog-sync that touches `process`.
import { errorMessage } from '@spotify-pipeline/shared/errors';
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { runCli } from './cli/run-cli.js';
import { configSchema, readConfig } from './config.js';

const argv = process.argv.slice(2);

if (argv.length === 0) {
  void runService(process, {
    service: 'catalog-sync',
    configSchema,
    loadConfig: readConfig,
    logLevel: (config) => config.log.level,
    build: buildApp,
  });
} else {
  // The query/report/catalog commands, and --help (which lists the service's variables too).
  runCli(argv, { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
    // Exit once stdout has taken the report, even when it is a slow pipe.
    (code) => void process.stdout.write('', () => process.exit(code)),
    (err: unknown) => {
      process.stderr.write(`catalog-sync: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}

#!/usr/bin/env node
// The only file of insights-service that touches `process`.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { configSchema, readConfig } from './config.js';

void runService(
  process,
  {
    service: 'insights-service',
    configSchema,
    loadConfig: readConfig,
    logLevel: (config) => config.log.level,
    build: buildApp,
  },
  process.argv.slice(2),
);
